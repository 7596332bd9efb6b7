package io.github.finetune4j.monitor;

import java.io.IOException;

/**
 * A run directory cannot be turned into a report because something is missing: the directory, its
 * {@code metrics.jsonl}, or any step record in it. The message names what is missing and where; it
 * is meant for the user, without a stack trace.
 */
public final class ReportException extends IOException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is missing, naming the path
   */
  public ReportException(String message) {
    super(message);
  }
}
