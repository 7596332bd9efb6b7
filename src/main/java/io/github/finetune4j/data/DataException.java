package io.github.finetune4j.data;

/** A dataset that cannot be used; the message names the file, the line and the reason. */
public final class DataException extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message one clear paragraph
   */
  public DataException(String message) {
    super(message);
  }
}
