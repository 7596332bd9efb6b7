package io.github.finetune4j.recipe;

import io.github.finetune4j.problem.ProblemsException;
import java.util.List;

/** A recipe that cannot be used, with every problem found (each a path and a reason). */
public final class RecipeException extends ProblemsException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param problems the problems, each "path: reason"
   */
  public RecipeException(List<String> problems) {
    super(problems);
  }
}
