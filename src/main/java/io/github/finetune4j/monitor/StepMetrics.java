package io.github.finetune4j.monitor;

import java.util.Map;

/**
 * Metrics of one optimizer step. {@code groups} is empty on steps where per-group diagnostics were
 * not sampled (they are sampled every {@code monitor.every} steps); {@code lr} is always present.
 *
 * @param step global step, 1-based
 * @param totalSteps planned number of steps in the run
 * @param epoch epoch, 1-based
 * @param stage stage index, 0-based
 * @param loss training loss of the batch
 * @param samplesPerSecond throughput over the step
 * @param rssBytes resident set size of the process (or -1 when unknown)
 * @param lr learning rate applied per group, in group order
 * @param groups per-group diagnostics, in group order (may be empty)
 */
public record StepMetrics(
    long step,
    long totalSteps,
    int epoch,
    int stage,
    double loss,
    double samplesPerSecond,
    long rssBytes,
    Map<String, Double> lr,
    Map<String, GroupStats> groups) {}
