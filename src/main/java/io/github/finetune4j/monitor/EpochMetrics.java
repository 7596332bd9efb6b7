package io.github.finetune4j.monitor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metrics at the end of an epoch.
 *
 * @param epoch epoch, 1-based
 * @param stage stage index, 0-based
 * @param step global step at the end of the epoch
 * @param trainLoss mean training loss over the epoch
 * @param train the task's metrics over the epoch's training batches (e.g. {@code accuracy}; empty
 *     when not computed)
 * @param validLoss validation loss (NaN when there is no validation set)
 * @param valid the task's metrics on the validation split (empty when there is none)
 * @param seconds wall seconds the epoch took
 */
public record EpochMetrics(
    int epoch,
    int stage,
    long step,
    double trainLoss,
    Map<String, Double> train,
    double validLoss,
    Map<String, Double> valid,
    double seconds) {

  /** Copies the maps, keeping their order. */
  public EpochMetrics {
    train = Collections.unmodifiableMap(new LinkedHashMap<>(train));
    valid = Collections.unmodifiableMap(new LinkedHashMap<>(valid));
  }

  /**
   * Metrics of a classification epoch given by their accuracies (NaN: not computed).
   *
   * @param epoch epoch, 1-based
   * @param stage stage index
   * @param step global step at the end of the epoch
   * @param trainLoss mean training loss
   * @param trainAccuracy training accuracy, or NaN
   * @param validLoss validation loss, or NaN
   * @param validAccuracy validation accuracy, or NaN
   * @param seconds wall seconds
   */
  public EpochMetrics(
      int epoch,
      int stage,
      long step,
      double trainLoss,
      double trainAccuracy,
      double validLoss,
      double validAccuracy,
      double seconds) {
    this(
        epoch,
        stage,
        step,
        trainLoss,
        accuracy(trainAccuracy),
        validLoss,
        accuracy(validAccuracy),
        seconds);
  }

  private static Map<String, Double> accuracy(double a) {
    return Double.isNaN(a) ? Map.of() : Map.of("accuracy", a);
  }

  /**
   * Training accuracy over the epoch.
   *
   * @return the value, NaN when not computed (or not a classification)
   */
  public double trainAccuracy() {
    return train.getOrDefault("accuracy", Double.NaN);
  }

  /**
   * Validation accuracy.
   *
   * @return the value, NaN when there is no validation set (or not a classification)
   */
  public double validAccuracy() {
    return valid.getOrDefault("accuracy", Double.NaN);
  }
}
