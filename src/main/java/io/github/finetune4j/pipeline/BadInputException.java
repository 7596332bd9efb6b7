package io.github.finetune4j.pipeline;

import java.util.List;

/** The user's input (recipe, data, paths) cannot be used; exit code 2. Lists every problem. */
public final class BadInputException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient List<String> problems;

  /**
   * Creates the exception.
   *
   * @param problems one line per problem
   */
  public BadInputException(List<String> problems) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
  }

  /**
   * The problems.
   *
   * @return one line per problem
   */
  public List<String> problems() {
    return problems;
  }
}
