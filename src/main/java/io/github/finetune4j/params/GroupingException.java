package io.github.finetune4j.params;

import io.github.finetune4j.problem.ProblemsException;
import java.util.List;

/** The groups do not partition the parameters; each problem names the parameters concerned. */
public final class GroupingException extends ProblemsException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param problems the problems
   */
  public GroupingException(List<String> problems) {
    super(problems);
  }
}
