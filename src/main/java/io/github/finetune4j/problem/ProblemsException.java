package io.github.finetune4j.problem;

import java.util.List;

/**
 * The base of the toolkit's checked exceptions that report every problem found at once, one line
 * each (the house rule: validate everything, then report it all): a recipe that cannot be used,
 * groups that do not partition the parameters, input that cannot be used. A caller that only
 * reports can catch this one type and print {@link #problems()}.
 */
public abstract class ProblemsException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient List<String> problems;

  /**
   * Creates the exception; its message is the problems, one per line.
   *
   * @param problems one line per problem (at least one)
   */
  protected ProblemsException(List<String> problems) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
  }

  /**
   * The problems, one line each, in the order found.
   *
   * @return the problems
   */
  public List<String> problems() {
    return problems;
  }
}
