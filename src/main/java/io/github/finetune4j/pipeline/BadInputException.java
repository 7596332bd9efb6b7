package io.github.finetune4j.pipeline;

import io.github.finetune4j.problem.ProblemsException;
import java.util.List;

/** The user's input (recipe, data, paths) cannot be used; exit code 2. Lists every problem. */
public final class BadInputException extends ProblemsException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param problems one line per problem
   */
  public BadInputException(List<String> problems) {
    super(problems);
  }
}
