package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import io.github.finetune4j.monitor.GroupStats;
import io.github.finetune4j.params.ParamGroup;
import io.github.finetune4j.policy.StagePlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The per-group figures of a sampled step (lr, gradient norm, weight norm, update ratio, drift from
 * w0, frozen fraction) and the learning rates every step reports. Weight norms are cached per
 * parameter until it changes: the loop calls {@link #forget(String)} before updating a parameter
 * and {@link #forgetAll()} when weights are put back, so a frozen parameter's figures are computed
 * once and reused while it stays frozen.
 */
final class GroupDiagnostics {

  private final TrainSetup s;
  private final Set<String> pinned;
  private final NDManager manager;
  private final InitialWeights initial;

  /** ‖w0‖² per parameter, computed once in float64. */
  private final Map<String, Double> initialSq = new HashMap<>();

  /**
   * Per parameter {‖w‖², ‖w−w0‖²} as last computed; removed whenever the parameter is updated, so a
   * frozen parameter's figures are computed once and reused while it stays frozen.
   */
  private final Map<String, double[]> weightSq = new HashMap<>();

  /**
   * Measures ‖w0‖² of every parameter (the weights as they are now, before training).
   *
   * @param s the setup
   * @param pinned the parameters that never train
   * @param manager the manager temporaries are made under
   * @param initial w0, read back for drift
   */
  GroupDiagnostics(TrainSetup s, Set<String> pinned, NDManager manager, InitialWeights initial) {
    this.s = s;
    this.pinned = pinned;
    this.manager = manager;
    this.initial = initial;
    try (NDScope scope = new NDScope()) { // frees the float64 temporaries
      s.params().forEach((name, p) -> initialSq.put(name, sq64(p.getArray())));
    }
  }

  /** A parameter is about to change: its cached norms no longer hold. */
  void forget(String name) {
    weightSq.remove(name);
  }

  /** Weights were put back: no cached norm holds. */
  void forgetAll() {
    weightSq.clear();
  }

  /**
   * Per group: lr, gradient norm, weight norm, update ratio, drift from w0, frozen fraction.
   *
   * @param stage the current stage
   * @param factor the schedule's factor at this step
   * @param gradSq each training group's squared gradient norm (before clipping)
   * @param updateSq each updated group's squared update norm ‖Δw‖²
   * @param skipped the step's update was not applied (no update ratio)
   */
  Map<String, GroupStats> groupStats(
      StagePlan stage,
      double factor,
      Map<String, Double> gradSq,
      Map<String, Double> updateSq,
      boolean skipped) {
    Map<String, GroupStats> stats = new LinkedHashMap<>();
    for (ParamGroup g : s.groups().groups()) {
      boolean trains = stage.trainable().contains(g.name());
      double w2 = 0;
      double d2 = 0;
      double w02 = 0;
      double u2 = 0;
      long elements = 0;
      long frozen = 0;
      for (String name : g.members()) {
        NDArray w = s.params().get(name).getArray();
        double[] ws = weightSq.get(name);
        if (ws == null) {
          try (NDManager m = manager.newSubManager()) {
            ws = new double[] {sq(w), sq(w.sub(initial.get(name, m)))};
          }
          weightSq.put(name, ws);
        }
        w2 += ws[0];
        d2 += ws[1];
        w02 += initialSq.get(name);
        boolean isPinned = pinned.contains(name);
        elements += w.size();
        frozen += !trains || isPinned ? w.size() : 0;
      }
      u2 = updateSq.getOrDefault(g.name(), 0.0);
      double lr =
          trains ? s.hyper().get(g.members().get(0)).lr() * factor * stage.scale(g.name()) : 0.0;
      stats.put(
          g.name(),
          new GroupStats(
              lr,
              Math.sqrt(gradSq.getOrDefault(g.name(), 0.0)),
              Math.sqrt(w2),
              trains && !skipped ? Math.sqrt(u2) / Math.sqrt(w2) : Double.NaN,
              w02 > 0 ? Math.sqrt(d2 / w02) : Double.NaN,
              elements == 0 ? 0.0 : (double) frozen / elements));
    }
    return stats;
  }

  /** Each group's learning rate at this step (0 for a group that does not train). */
  Map<String, Double> appliedLr(StagePlan stage, double factor) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (ParamGroup g : s.groups().groups()) {
      boolean trains = stage.trainable().contains(g.name()) && !g.members().isEmpty();
      out.put(
          g.name(),
          trains ? s.hyper().get(g.members().get(0)).lr() * factor * stage.scale(g.name()) : 0.0);
    }
    return out;
  }

  /**
   * Squared L2 norm from one fused native reduction in the array's own type (no float64 copy of the
   * tensor, no squared temporary); used every sampled step.
   */
  static double sq(NDArray a) {
    double n = a.norm().getFloat();
    return n * n;
  }

  /** Squared L2 norm accumulated in float64 (for the one-off ‖w0‖²). */
  private static double sq64(NDArray a) {
    return a.toType(DataType.FLOAT64, true).square().sum().getDouble();
  }

  /**
   * Resident set size of this process in bytes, or -1 where /proc is not available.
   *
   * @return bytes
   */
  static long rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
