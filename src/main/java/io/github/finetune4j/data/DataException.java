package io.github.finetune4j.data;

import java.util.List;

/**
 * A dataset that cannot be used; the message names the file, the line and the reason. A reader that
 * reports every problem it found at once gives them as {@link #problems()}, each a sentence that
 * starts with the file (and the line or id); the message is those sentences, one a line.
 */
public final class DataException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The problems, in the order found (one for an exception made from one message). */
  private final List<String> problems;

  /**
   * Creates the exception.
   *
   * @param message one clear paragraph
   */
  public DataException(String message) {
    super(message);
    this.problems = List.of(String.valueOf(message));
  }

  /**
   * Creates the exception for several problems found at once.
   *
   * @param problems one or more sentences, each starting with the file
   * @throws IllegalArgumentException when there are none
   */
  public DataException(List<String> problems) {
    super(String.join("\n", problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a data exception needs a problem");
    }
    this.problems = List.copyOf(problems);
  }

  /**
   * The problems, each a sentence that starts with the file (and the line or id), in the order
   * found; one for an exception made from one message.
   *
   * @return the problems (unmodifiable)
   */
  public List<String> problems() {
    return problems;
  }
}
