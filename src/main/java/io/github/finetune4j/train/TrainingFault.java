package io.github.finetune4j.train;

import java.util.List;

/**
 * Why a run stopped as failed: a loss, a gradient or an updated weight that is not finite, or more
 * skipped steps than allowed — and which weights the model was left with.
 *
 * @param step the step at which the run was stopped (0 when found by the final test evaluation)
 * @param reason what was wrong, e.g. "the training loss is NaN"
 * @param firstBadGradientStep the first step whose gradients were not finite (0 when none was)
 * @param badGradientGroups the groups whose gradients were not finite at that step, in group order
 * @param badWeightGroups the groups whose weights were not finite when the run stopped
 * @param goodStep the step whose weights the model holds after the fault: the last step that went
 *     well, the step of the checkpoint they were restored from, or 0 for the weights before
 *     training
 * @param restoredFrom where the weights were restored from when they were no longer finite (e.g.
 *     "the checkpoint after step 300"), or null when they never went bad (a bad step's update is
 *     never applied)
 */
public record TrainingFault(
    long step,
    String reason,
    long firstBadGradientStep,
    List<String> badGradientGroups,
    List<String> badWeightGroups,
    long goodStep,
    String restoredFrom) {

  /** Copies the lists. */
  public TrainingFault {
    badGradientGroups = List.copyOf(badGradientGroups);
    badWeightGroups = List.copyOf(badWeightGroups);
  }

  /**
   * The same fault, with the weights put back.
   *
   * @param goodStep the step whose weights the model now holds
   * @param restoredFrom where they came from
   * @return the fault
   */
  TrainingFault restored(long goodStep, String restoredFrom) {
    return new TrainingFault(
        step,
        reason,
        firstBadGradientStep,
        badGradientGroups,
        badWeightGroups,
        goodStep,
        restoredFrom);
  }

  /**
   * One sentence for the user: the step, the reason, where the gradients first went bad, which
   * groups' weights were no longer finite, and where the weights were restored from.
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
          .append(" were no longer finite");
    }
    if (restoredFrom != null) {
      b.append(" and were restored to ").append(restoredFrom);
    }
    return b.toString();
  }
}
