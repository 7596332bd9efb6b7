package io.github.finetune4j.monitor;

import java.io.IOException;

/** Receives the metrics of a run, in order. Implementations must not throw on NaN values. */
public interface MetricsSink extends AutoCloseable {

  /** Called once per optimizer step. */
  default void onStep(StepMetrics m) throws IOException {}

  /** Called at the end of each epoch, after evaluation. */
  default void onEpoch(EpochMetrics m) throws IOException {}

  /**
   * Called once, before the first step, with the untouched model's validation pass, when the task
   * compares the tuned model to it (an embedding task).
   *
   * @param validLoss the validation loss (NaN without one)
   * @param valid the validation metrics (empty without a validation split)
   */
  default void onBase(double validLoss, java.util.Map<String, Double> valid) throws IOException {}

  /** Called when a warning fires (already de-duplicated). */
  default void onWarning(RunWarning w) throws IOException {}

  /** Flushes and releases resources; called once at the end of a run, also on failure. */
  @Override
  default void close() throws IOException {}
}
