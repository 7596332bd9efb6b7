package io.github.finetune4j.train;

import io.github.finetune4j.monitor.EpochMetrics;
import java.util.List;

/**
 * What a run achieved.
 *
 * @param steps optimizer steps taken
 * @param skippedSteps steps whose update was skipped because the gradients were not finite
 * @param epochs per-epoch metrics
 * @param testLoss loss on the test split (NaN without one)
 * @param test the task's metrics on the test split ({@link Evaluation#NONE} without one)
 * @param trainSeconds seconds spent in the training loop, evaluation included
 * @param fault why the run failed, or null when it succeeded
 * @param earlyStop what early stopping did, or null without it
 * @param featureCaches the frozen-prefix caches the run built
 * @param task the task the run ended with (calibrated, when the task calibrates)
 * @param base the untouched model's evaluation, when the task compares to it; else null
 */
public record RunResult(
    long steps,
    long skippedSteps,
    List<EpochMetrics> epochs,
    double testLoss,
    Evaluation test,
    double trainSeconds,
    TrainingFault fault,
    EarlyStopping.Outcome earlyStop,
    List<CacheUse> featureCaches,
    Task task,
    FineTuner.Base base) {
  /** Copies the lists. */
  public RunResult {
    epochs = List.copyOf(epochs);
    featureCaches = List.copyOf(featureCaches);
  }

  /**
   * A frozen prefix the loop stored for a stage.
   *
   * @param stage the stage, from 1
   * @param split {@code train} or {@code valid}
   * @param after the last cached segment
   * @param examples examples stored
   * @param heapBytes bytes on the heap
   * @param fileBytes bytes in the memory-mapped file
   * @param seconds time to compute them
   */
  public record CacheUse(
      int stage,
      String split,
      String after,
      int examples,
      long heapBytes,
      long fileBytes,
      double seconds) {}

  /**
   * Accuracy on the test split.
   *
   * @return the value, NaN without a test split (or for a task without accuracy)
   */
  public double testAccuracy() {
    return test.get("accuracy");
  }

  /**
   * Whether the run succeeded (no fault).
   *
   * @return true when it did
   */
  public boolean succeeded() {
    return fault == null;
  }
}
