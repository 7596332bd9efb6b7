package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * A run that started but failed (a loss that is not finite, too many skipped steps): exit code 1.
 * Its directory was moved to {@code DIR.failed} with its metrics, summary and report.
 */
public final class RunFailedException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient Path where;
  private final transient ObjectNode summary;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, one sentence
   * @param where the failed run's directory
   * @param summary the summary written there
   */
  public RunFailedException(String message, Path where, ObjectNode summary) {
    super(message);
    this.where = where;
    this.summary = summary;
  }

  /**
   * The failed run's directory.
   *
   * @return usually {@code DIR.failed}
   */
  public Path where() {
    return where;
  }

  /**
   * The summary of the failed run ({@code "status": "failed"}).
   *
   * @return the summary
   */
  public ObjectNode summary() {
    return summary;
  }
}
