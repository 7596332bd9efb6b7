package io.github.finetune4j.recipe;

import java.util.List;

/** A recipe that cannot be used, with every problem found (each a path and a reason). */
public final class RecipeException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient List<String> problems;

  /**
   * Creates the exception.
   *
   * @param problems the problems, each "path: reason"
   */
  public RecipeException(List<String> problems) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
  }

  /**
   * Returns the problems, each "path: reason".
   *
   * @return the problems
   */
  public List<String> problems() {
    return problems;
  }
}
