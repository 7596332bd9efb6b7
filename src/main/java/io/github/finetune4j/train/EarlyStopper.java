package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import io.github.finetune4j.monitor.EpochMetrics;
import io.github.finetune4j.params.ParameterNames;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link EarlyStopping} during a run: scores each epoch, keeps a copy of the best epoch's weights
 * and running statistics (with {@code restoreBest}) and puts them back at the end. The tally (best
 * value and epoch, epochs since, the epoch it stopped after) lives in the {@link Progress}; the
 * {@link Checkpointer} saves and restores both.
 */
final class EarlyStopper implements AutoCloseable {

  private static final NDIndex ZERO_ALL = new NDIndex("...");

  private final TrainSetup s;
  private final NDManager manager;
  private final GroupDiagnostics diagnostics;

  /** The best epoch's weights and running statistics, by parameter name. */
  private final Map<String, NDArray> best = new LinkedHashMap<>();

  /**
   * @param s the setup (its early stopping, when any)
   * @param manager the manager that owns the copies of the best weights
   * @param diagnostics told when the best weights are put back
   */
  EarlyStopper(TrainSetup s, NDManager manager, GroupDiagnostics diagnostics) {
    this.s = s;
    this.manager = manager;
    this.diagnostics = diagnostics;
  }

  /** Scores an epoch for early stopping: keeps the best epoch's weights, stops after patience. */
  void score(EpochMetrics em, Progress p) {
    EarlyStopping es = s.earlyStopping();
    if (es == null) {
      return;
    }
    double value =
        es.metric().equals("loss")
            ? em.validLoss()
            : em.valid().getOrDefault(es.metric(), Double.NaN);
    if (es.improves(value, p.bestValue)) {
      p.bestValue = value;
      p.bestEpoch = em.epoch();
      p.badEpochs = 0;
      if (es.restoreBest()) {
        for (Map.Entry<String, Parameter> e : ParameterNames.of(s.block()).entrySet()) {
          NDArray w = e.getValue().getArray();
          NDArray b = best.get(e.getKey());
          if (b == null) {
            b = w.duplicate();
            b.attach(manager);
            best.put(e.getKey(), b);
          } else {
            b.set(ZERO_ALL, w);
          }
        }
      }
    } else if (++p.badEpochs >= es.patience()) {
      p.stoppedAfter = em.epoch();
    }
  }

  /**
   * At the end of the run: puts the best epoch's weights back (when asked for, kept, and the run
   * did not fail) and says what early stopping did.
   *
   * @return the outcome, or null without early stopping
   */
  EarlyStopping.Outcome finish(Progress p) {
    EarlyStopping es = s.earlyStopping();
    if (es == null) {
      return null;
    }
    boolean restored = p.fault == null && es.restoreBest() && !best.isEmpty();
    if (restored) {
      for (Map.Entry<String, Parameter> e : ParameterNames.of(s.block()).entrySet()) {
        NDArray b = best.get(e.getKey());
        if (b != null) {
          e.getValue().getArray().set(ZERO_ALL, b);
        }
      }
      diagnostics.forgetAll();
    }
    return new EarlyStopping.Outcome(
        es.metric(), p.bestEpoch, p.bestValue, p.stoppedAfter, restored);
  }

  /** The best epoch's weights so far, by parameter name, for a checkpoint (not a copy). */
  Map<String, NDArray> best() {
    return best;
  }

  /** Takes back a best weight from a checkpoint (owned from now on). */
  void restore(String name, NDArray weight) {
    best.put(name, weight);
  }

  @Override
  public void close() {
    best.values().forEach(NDArray::close);
  }
}
