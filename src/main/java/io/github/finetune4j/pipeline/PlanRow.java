package io.github.finetune4j.pipeline;

import java.util.List;

/**
 * One parameter in the resolved plan.
 *
 * @param name dotted parameter name
 * @param group its group
 * @param shape its shape, e.g. {@code (384, 384)}
 * @param elements number of elements
 * @param trainable per stage, whether it trains
 * @param lr per stage, the base learning rate applied (0 when frozen)
 * @param weightDecay decay coefficient (0 when excluded)
 * @param l2sp L2-SP strength toward the pre-trained weights (0 = none)
 * @param norm the group's normalization policy, for normalization parameters; "-" otherwise
 */
public record PlanRow(
    String name,
    String group,
    String shape,
    long elements,
    List<Boolean> trainable,
    List<Double> lr,
    double weightDecay,
    double l2sp,
    String norm) {
  /** Copies the lists. */
  public PlanRow {
    trainable = List.copyOf(trainable);
    lr = List.copyOf(lr);
  }
}
