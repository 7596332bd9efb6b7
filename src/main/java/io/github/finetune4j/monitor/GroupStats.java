package io.github.finetune4j.monitor;

/**
 * What one update did to one parameter group.
 *
 * @param lr the learning rate actually applied to the group at this step (0 when frozen)
 * @param gradNorm L2 norm of the group's gradient (before clipping)
 * @param weightNorm L2 norm of the group's weights after the update
 * @param updateRatio ‖Δw‖/‖w‖ for this step (not log-scaled; NaN when the group was not updated)
 * @param drift ‖w−w₀‖/‖w₀‖ against the weights at load time (NaN for a group with no pre-trained
 *     weights, i.e. ‖w₀‖ = 0)
 * @param frozenFraction fraction of the group's parameter elements that are frozen at this step
 */
public record GroupStats(
    double lr,
    double gradNorm,
    double weightNorm,
    double updateRatio,
    double drift,
    double frozenFraction) {}
