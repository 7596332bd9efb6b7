/**
 * Engine-free update-policy math: learning-rate schedules as pure functions of training progress
 * and learning-rate spreads across parameter groups.
 *
 * <p>Nothing here touches an {@code NDArray}; this package depends on the JDK only, so every number
 * it produces can be unit-tested without loading a deep-learning engine. The {@code optim} package
 * multiplies a group's base learning rate by {@link
 * io.github.finetune4j.policy.Schedule#factor(double)} and by the group's {@link
 * io.github.finetune4j.policy.LrSpread} multiplier before every step.
 */
package io.github.finetune4j.policy;
