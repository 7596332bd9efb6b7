package io.github.finetune4j.monitor;

/**
 * Metrics at the end of an epoch.
 *
 * @param epoch epoch, 1-based
 * @param stage stage index, 0-based
 * @param step global step at the end of the epoch
 * @param trainLoss mean training loss over the epoch
 * @param trainAccuracy training accuracy over the epoch (NaN when not computed)
 * @param validLoss validation loss (NaN when there is no validation set)
 * @param validAccuracy validation accuracy (NaN when there is no validation set)
 * @param seconds wall seconds the epoch took
 */
public record EpochMetrics(
    int epoch,
    int stage,
    long step,
    double trainLoss,
    double trainAccuracy,
    double validLoss,
    double validAccuracy,
    double seconds) {}
