package io.github.finetune4j.train;

import io.github.finetune4j.monitor.EpochMetrics;
import io.github.finetune4j.policy.StagePlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Where a run is: counters, the data-order generator, the epochs so far, the current epoch's order
 * and running sums, early stopping's tally, a fault. Everything a checkpoint holds besides tensors
 * and the {@link FaultTracker}'s counters; written and read back by the {@link Checkpointer}.
 */
final class Progress {
  /** Examples per optimizer step: {@code accumulate} batches. */
  final int stepBatch;

  final int perEpoch;
  final long totalSteps;
  Random rng;
  final List<EpochMetrics> epochs = new ArrayList<>();
  long step;
  int epoch;
  int stage;
  int stageEpoch;
  int batch;
  int[] order;
  double lossSum;
  long lossExamples;
  Task.Accumulator trainMetrics;
  boolean resumedMidStage;
  TrainingFault fault;

  /** The untouched model's evaluation, when the task compares to it; null before (or without). */
  FineTuner.Base base;

  /** Early stopping: the best value and its epoch, epochs since, the epoch it stopped after. */
  double bestValue = Double.NaN;

  int bestEpoch;
  int badEpochs;
  int stoppedAfter;

  /** The step budget is spent or the stop test said so. */
  boolean done;

  Progress(TrainSetup s) {
    this.stepBatch = s.batchSize() * s.accumulate();
    this.perEpoch = (s.train().size() + stepBatch - 1) / stepBatch;
    this.totalSteps =
        s.maxSteps() > 0
            ? s.maxSteps()
            : (long) perEpoch * s.stages().stream().mapToInt(StagePlan::epochs).sum();
    this.rng = new Random(s.seed());
  }

  boolean running() {
    return fault == null && stoppedAfter == 0 && !done;
  }
}
