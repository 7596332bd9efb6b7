package io.github.finetune4j.train;

import io.github.finetune4j.monitor.GroupStats;
import io.github.finetune4j.monitor.StepMetrics;
import io.github.finetune4j.optim.AdamW;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.policy.Schedule;
import io.github.finetune4j.policy.StagePlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Long statistical reproducer of the gradient-corruption bug (docs/decisions.md, "Memory safety
 * with DJL"): trains the {@link TinyRun} classifier many times in one JVM with the same seed and
 * compares every run, step by step, with the first one (same-seed runs are bit-identical), and
 * checks every step's gradient norms against a bound.
 *
 * <p>Arguments (optional): {@code runs epochs gcStormMillis}, default {@code 40 4 0}. With {@code
 * gcStormMillis > 0} a daemon thread calls {@code System.gc()} every that many milliseconds, which
 * makes collections (and the freeing of unreachable direct buffers) land between a forward pass and
 * its backward pass far more often than they do naturally. Prints {@code k/n} runs corrupted. Has a
 * {@code main} and no {@code @Test}; its name does not match surefire's patterns, so {@code mvn
 * test} never runs it. The command line is in docs/decisions.md.
 */
public final class GradientCorruptionRepro {

  /** A gradient norm above this is garbage for this toy task (healthy runs stay below ~10). */
  static final double BOUND = 1e4;

  private GradientCorruptionRepro() {}

  /**
   * Entry point.
   *
   * @param args {@code runs epochs gcStormMillis}
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    long storm = args.length > 2 ? Long.parseLong(args[2]) : 0;
    if (storm > 0) {
      Thread t =
          new Thread(
              () -> {
                while (true) {
                  System.gc();
                  try {
                    Thread.sleep(storm);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "gc-storm");
      t.setDaemon(true);
      t.start();
    }
    double[] reference = null;
    Map<String, float[]> referenceWeights = null;
    int corrupted = 0;
    long start = System.nanoTime();
    for (int r = 0; r < runs; r++) {
      double[] norms;
      Map<String, float[]> weights;
      long skipped;
      try (TinyRun run = new TinyRun(11)) {
        RunResult res =
            run.run(
                List.of(new StagePlan(epochs, List.of("embeddings", "encoder", "head"), Map.of())),
                AdamW.defaults(),
                g -> GroupHyper.of(1e-2),
                Schedule.constant(),
                0);
        skipped = res.skippedSteps();
        norms = gradNorms(run.capture.steps);
        weights = run.snapshot();
      }
      List<String> problems = new ArrayList<>();
      if (skipped > 0) {
        problems.add(skipped + " skipped (non-finite) steps");
      }
      for (int i = 0; i < norms.length; i++) {
        if (!(norms[i] < BOUND)) {
          problems.add("step " + (i / 3 + 1) + " gradient norm " + norms[i]);
          break;
        }
      }
      if (reference == null) {
        reference = norms;
        referenceWeights = weights;
      } else {
        for (int i = 0; i < norms.length; i++) {
          if (Double.compare(norms[i], reference[i]) != 0) {
            problems.add(
                "step "
                    + (i / 3 + 1)
                    + " differs from run 0: gradient norm "
                    + norms[i]
                    + " vs "
                    + reference[i]);
            break;
          }
        }
        for (String n : weights.keySet()) {
          if (!Arrays.equals(weights.get(n), referenceWeights.get(n))) {
            problems.add("final " + n + " differs from run 0");
            break;
          }
        }
      }
      if (!problems.isEmpty()) {
        corrupted++;
        System.out.println("run " + r + ": " + problems);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "corrupted %d/%d runs (%d epochs, gc storm %d ms) in %.1f s%n",
        corrupted,
        runs,
        epochs,
        storm,
        (System.nanoTime() - start) / 1e9);
  }

  /** Per step, the gradient norm of each of the three groups, flattened. */
  private static double[] gradNorms(List<StepMetrics> steps) {
    double[] out = new double[steps.size() * 3];
    int i = 0;
    for (StepMetrics m : steps) {
      for (String g : List.of("embeddings", "encoder", "head")) {
        GroupStats s = m.groups().get(g);
        out[i++] = s == null ? Double.NaN : s.gradNorm();
      }
    }
    return out;
  }
}
