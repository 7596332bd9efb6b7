package io.github.finetune4j.params;

import java.util.List;

/** The groups do not partition the parameters; each problem names the parameters concerned. */
public final class GroupingException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient List<String> problems;

  /**
   * Creates the exception.
   *
   * @param problems the problems
   */
  public GroupingException(List<String> problems) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
  }

  /**
   * Returns the problems.
   *
   * @return the problems
   */
  public List<String> problems() {
    return problems;
  }
}
