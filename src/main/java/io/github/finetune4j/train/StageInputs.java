package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.github.finetune4j.model.Segmented;
import io.github.finetune4j.policy.StagePlan;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What the current stage trains and validates on, and how its forward pass runs: the splits as they
 * are, or — with {@link FeatureCachePolicy.Mode#AUTO} and a frozen prefix of a {@link Segmented}
 * model — the prefix's outputs, computed once per stage into a {@link FeatureCache}. Without a
 * cache the frozen prefix runs every step, in inference mode.
 */
final class StageInputs implements AutoCloseable {

  private final TrainSetup s;
  private final ParameterStore store;
  private final NDManager manager;

  /** The model's segments, when it has them and frozen prefixes may be run apart. */
  private final Segmented segmented;

  /** How the current stage runs: its frozen prefix and the splits it trains and validates on. */
  private StageData current;

  /** The caches built so far. */
  private final List<RunResult.CacheUse> cacheUses = new ArrayList<>();

  /**
   * How a stage runs the model.
   *
   * @param from the first segment run in training mode (0: the whole model)
   * @param recompute the prefix runs every step (else {@code train} holds its outputs)
   * @param train the training inputs: the split, or the prefix's outputs
   * @param valid the validation inputs: the split, or the prefix's outputs
   * @param validFrom the segment {@code valid}'s inputs enter at
   */
  private record StageData(
      int from, boolean recompute, Batches train, Batches valid, int validFrom) {
    void close() {
      if (train instanceof FeatureCache c) {
        c.close();
      }
      if (valid instanceof FeatureCache c) {
        c.close();
      }
    }
  }

  /**
   * Starts with the whole model on the setup's splits.
   *
   * @param s the setup
   * @param store the parameter store forward passes use
   * @param manager the manager caches are built under
   */
  StageInputs(TrainSetup s, ParameterStore store, NDManager manager) {
    this.s = s;
    this.store = store;
    this.manager = manager;
    this.segmented =
        s.featureCache().mode() != FeatureCachePolicy.Mode.OFF && s.block() instanceof Segmented sg
            ? sg
            : null;
    this.current = new StageData(0, false, s.train(), s.valid(), 0);
  }

  /** The current stage's training inputs. */
  Batches train() {
    return current.train();
  }

  /** The current stage's validation inputs. */
  Batches valid() {
    return current.valid();
  }

  /** The segment the current validation inputs enter at (0: the model's inputs). */
  int validFrom() {
    return current.validFrom();
  }

  /** The feature caches built so far, in order. */
  List<RunResult.CacheUse> cacheUses() {
    return cacheUses;
  }

  /**
   * Finds the stage's frozen prefix and, with {@link FeatureCachePolicy.Mode#AUTO}, runs it once
   * over the training split (and the validation split when the stage has several epochs); a cache
   * of the previous stage is kept when the prefix is the same.
   *
   * @param stage the stage about to run
   * @param trains whether a parameter (by name) trains in it
   */
  void prepare(StagePlan stage, Predicate<String> trains) {
    int k = segmented == null || !s.train().deterministic() ? 0 : boundary(stage, trains);
    FeatureCachePolicy policy = s.featureCache();
    boolean cache = k > 0 && policy.mode() == FeatureCachePolicy.Mode.AUTO && s.train().cacheable();
    boolean cacheValid =
        cache
            && s.valid() != null
            && s.valid().cacheable()
            && s.evalEveryEpoch()
            && stage.epochs() > 1;
    if (k == current.from() && (!cacheValid || current.validFrom() == k)) {
      return; // the same prefix as the stage before: its caches serve
    }
    Batches train = s.train();
    if (cache && k == current.from()) {
      train = current.train(); // keep the training cache, add the validation one
      if (current.valid() instanceof FeatureCache c) {
        c.close();
      }
    } else {
      current.close();
      if (cache) {
        long t0 = System.nanoTime();
        FeatureCache c =
            FeatureCache.build(
                segmented,
                store,
                manager,
                s.train(),
                k,
                s.batchSize() * 2,
                policy.budgetBytes(),
                policy.spillDir());
        record(stage, "train", c, t0);
        train = c;
      }
    }
    Batches valid = s.valid();
    if (cacheValid) {
      long left = Math.max(0, policy.budgetBytes() - ((FeatureCache) train).heapBytes());
      long t0 = System.nanoTime();
      FeatureCache c =
          FeatureCache.build(
              segmented, store, manager, valid, k, s.batchSize() * 2, left, policy.spillDir());
      record(stage, "valid", c, t0);
      valid = c;
    }
    current = new StageData(k, k > 0 && !cache, train, valid, cacheValid ? k : 0);
  }

  private void record(StagePlan stage, String split, FeatureCache c, long t0) {
    cacheUses.add(
        new RunResult.CacheUse(
            s.stages().indexOf(stage) + 1,
            split,
            c.after(),
            c.size(),
            c.heapBytes(),
            c.fileBytes(),
            (System.nanoTime() - t0) / 1e9));
  }

  /** The frozen prefix of a stage: see {@link FeatureCachePolicy#boundary}. */
  private int boundary(StagePlan stage, Predicate<String> trains) {
    List<String> trained = s.params().keySet().stream().filter(trains).toList();
    return FeatureCachePolicy.boundary(s.block(), trained, s.norms(), stage);
  }

  /**
   * The training forward pass of the current stage: the model, or the segments above the frozen
   * prefix on cached inputs, or the prefix in inference mode and then the rest.
   */
  NDList forwardTrain(NDList inputs) {
    if (current.from() == 0) {
      return s.block().forward(store, inputs, true);
    }
    int n = segmented.segments().size();
    NDList in = inputs;
    if (current.recompute()) {
      NDList prefix = segmented.forwardSegments(store, inputs, 0, current.from(), false);
      in = new NDList(prefix.size());
      for (NDArray a : prefix) {
        in.add(a.duplicate()); // a TorchScript prefix in inference mode gives inference tensors
      }
    }
    return segmented.forwardSegments(store, in, current.from(), n, true);
  }

  /** An inference forward pass on inputs of segment {@code from} (a cache's), or of the model. */
  NDList forwardInference(NDList in, int from) {
    return from == 0
        ? s.block().forward(store, in, false)
        : segmented.forwardSegments(store, in, from, segmented.segments().size(), false);
  }

  @Override
  public void close() {
    current.close();
  }
}
