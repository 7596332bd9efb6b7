package io.github.finetune4j.train;

/**
 * Early stopping on a validation metric: after each epoch the metric is compared with the best so
 * far; after {@code patience} epochs without an improvement of more than {@code minDelta} the run
 * stops (its remaining stages too), and with {@code restoreBest} the best epoch's weights (running
 * statistics included) are put back before the test evaluation.
 *
 * @param metric {@code loss} (the validation loss) or a name in the task's validation metrics
 * @param maximize whether higher is better
 * @param patience epochs without improvement before stopping (at least 1)
 * @param minDelta the least change that counts as an improvement (0 or more)
 * @param restoreBest put the best epoch's weights back at the end
 */
public record EarlyStopping(
    String metric, boolean maximize, int patience, double minDelta, boolean restoreBest) {

  /** Checks the numbers. */
  public EarlyStopping {
    if (metric == null || metric.isEmpty()) {
      throw new IllegalArgumentException("metric must be named");
    }
    if (patience < 1) {
      throw new IllegalArgumentException("patience must be >= 1, got " + patience);
    }
    if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
      throw new IllegalArgumentException("minDelta must be >= 0 and finite, got " + minDelta);
    }
  }

  /**
   * Whether {@code value} improves on {@code best}.
   *
   * @param value this epoch's value
   * @param best the best so far (NaN: none yet)
   * @return true when it is better by more than {@code minDelta}
   */
  public boolean improves(double value, double best) {
    if (Double.isNaN(value)) {
      return false;
    }
    if (Double.isNaN(best)) {
      return true;
    }
    return maximize ? value > best + minDelta : value < best - minDelta;
  }

  /**
   * What early stopping did in a run.
   *
   * @param metric the metric
   * @param bestEpoch the epoch with the best value (0: none scored)
   * @param bestValue its value
   * @param stoppedAfterEpoch the epoch after which the run stopped early, 0 when it ran to the end
   * @param restored whether the best epoch's weights were put back
   */
  public record Outcome(
      String metric, int bestEpoch, double bestValue, int stoppedAfterEpoch, boolean restored) {}
}
