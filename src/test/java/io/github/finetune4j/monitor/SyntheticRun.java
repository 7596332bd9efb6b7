package io.github.finetune4j.monitor;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A deterministic synthetic run: two groups ({@code backbone}, frozen in stage 0 and unfrozen in
 * stage 1, and {@code head}), 50 steps over 2 epochs, diagnostics on every other step, one warning.
 */
final class SyntheticRun {

  static final int STEPS = 50;
  static final List<String> GROUPS = List.of("backbone", "head");

  final List<StepMetrics> steps = new ArrayList<>();
  final List<EpochMetrics> epochs = new ArrayList<>();
  final List<RunWarning> warnings = new ArrayList<>();

  SyntheticRun() {
    for (int s = 1; s <= STEPS; s++) {
      int epoch = s <= 25 ? 1 : 2;
      int stage = epoch - 1;
      double headLr = 1e-3 * (1 - (s - 1) / (double) STEPS);
      double backboneLr = stage == 0 ? 0.0 : headLr / 10;
      Map<String, Double> lr = new LinkedHashMap<>();
      lr.put("backbone", backboneLr);
      lr.put("head", headLr);
      Map<String, GroupStats> groups = new LinkedHashMap<>();
      if (s % 2 == 1) {
        groups.put(
            "backbone",
            new GroupStats(
                backboneLr,
                0.5 + 0.01 * s,
                40.0,
                stage == 0 ? Double.NaN : 1e-4 * (1 + 0.02 * s),
                stage == 0 ? 0.0 : 1e-4 * (s - 25),
                stage == 0 ? 1.0 : 0.0));
        groups.put(
            "head",
            new GroupStats(headLr, 2.0 / Math.sqrt(s), 3.0 + 0.01 * s, 1e-2 / s, Double.NaN, 0.0));
      }
      steps.add(
          new StepMetrics(
              s,
              STEPS,
              epoch,
              stage,
              2.0 * Math.exp(-s / 20.0) + 0.1,
              100 + s,
              300L << 20,
              lr,
              groups));
      if (s == 25 || s == 50) {
        epochs.add(
            new EpochMetrics(
                epoch,
                stage,
                s,
                1.0 / epoch,
                0.6 + 0.1 * epoch,
                1.1 / epoch,
                0.55 + 0.1 * epoch,
                12.5));
      }
      if (s == 7) {
        warnings.add(
            new RunWarning(
                7, "head", "exploding", "update ratio 2.0e-01 > 1e-01 <check> & \"lr\""));
      }
    }
  }

  /** Feeds the whole run to a sink, in loop order, and closes it. */
  void feed(MetricsSink sink) throws IOException {
    try (sink) {
      int e = 0;
      int w = 0;
      for (StepMetrics m : steps) {
        sink.onStep(m);
        while (w < warnings.size() && warnings.get(w).step() == m.step()) {
          sink.onWarning(warnings.get(w++));
        }
        if (e < epochs.size() && epochs.get(e).step() == m.step()) {
          sink.onEpoch(epochs.get(e++));
        }
      }
    }
  }
}
