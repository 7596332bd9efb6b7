package io.github.finetune4j.monitor;

/**
 * A training-health warning, emitted once per (cause, group).
 *
 * @param step global step at which it fired
 * @param group the group concerned, or {@code "*"} for the whole model
 * @param cause one of {@code exploding}, {@code grad_spike}, {@code vanishing}, {@code nan}, {@code
 *     drift}
 * @param message a one-line human explanation with the offending value
 */
public record RunWarning(long step, String group, String cause, String message) {}
