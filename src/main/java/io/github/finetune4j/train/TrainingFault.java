package io.github.finetune4j.train;

import java.util.List;

/**
 * Why a run stopped as failed: a loss that is not finite, or more skipped steps than allowed.
 *
 * @param step the step at which the run was stopped (0 when found by the final test evaluation)
 * @param reason what was wrong, e.g. "the training loss is NaN"
 * @param firstBadGradientStep the first step whose gradients were not finite (0 when none was)
 * @param badGradientGroups the groups whose gradients were not finite at that step, in group order
 * @param badWeightGroups the groups whose weights were not finite when the run stopped
 */
public record TrainingFault(
    long step,
    String reason,
    long firstBadGradientStep,
    List<String> badGradientGroups,
    List<String> badWeightGroups) {

  /** Copies the lists. */
  public TrainingFault {
    badGradientGroups = List.copyOf(badGradientGroups);
    badWeightGroups = List.copyOf(badWeightGroups);
  }

  /**
   * One sentence for the user: the step, the reason, where the gradients first went bad and which
   * groups' weights are no longer finite.
   *
   * @return the message
   */
  public String message() {
    StringBuilder b = new StringBuilder();
    b.append(step > 0 ? "at step " + step + ": " : "").append(reason);
    if (firstBadGradientStep > 0) {
      b.append("; the gradient first went non-finite at step ")
          .append(firstBadGradientStep)
          .append(" in group")
          .append(badGradientGroups.size() == 1 ? " " : "s ")
          .append(String.join(", ", badGradientGroups));
    }
    if (!badWeightGroups.isEmpty()) {
      b.append("; the weights of group")
          .append(badWeightGroups.size() == 1 ? " " : "s ")
          .append(String.join(", ", badWeightGroups))
          .append(badWeightGroups.size() == 1 ? " are" : " are")
          .append(" no longer finite");
    }
    return b.toString();
  }
}
