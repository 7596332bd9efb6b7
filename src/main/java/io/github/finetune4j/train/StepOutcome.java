package io.github.finetune4j.train;

import io.github.finetune4j.monitor.StepMetrics;
import java.util.List;

/**
 * What one optimizer step did: its metrics for the sinks, and what the {@link FaultTracker} needs
 * to judge it. A step is {@code skipped} (its update not applied) when its loss or gradients are
 * not finite or a group's learning rate does not fit a float.
 *
 * @param metrics the step's metrics (null only until {@link #with(StepMetrics)})
 * @param lossFinite the step's training loss is finite
 * @param skipped the update was not applied
 * @param gradNorm the global gradient norm before clipping (not finite: a gradient is not)
 * @param badGradientGroups the groups with a gradient that is not finite, in group order (empty
 *     when {@code gradNorm} is finite)
 * @param badLrGroups the groups whose learning rate at this step does not fit a float
 * @param badUpdateGroups the groups whose weights the applied update left non-finite
 */
record StepOutcome(
    StepMetrics metrics,
    boolean lossFinite,
    boolean skipped,
    double gradNorm,
    List<String> badGradientGroups,
    List<String> badLrGroups,
    List<String> badUpdateGroups) {

  /** The step's number (from 1). */
  long step() {
    return metrics.step();
  }

  /** The step's training loss (summed over its accumulated batches' weighted losses). */
  double loss() {
    return metrics.loss();
  }

  /** This outcome with the step's metrics. */
  StepOutcome with(StepMetrics m) {
    return new StepOutcome(
        m, lossFinite, skipped, gradNorm, badGradientGroups, badLrGroups, badUpdateGroups);
  }
}
