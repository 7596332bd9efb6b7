package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.optim.AdamW;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.policy.Schedule;
import io.github.finetune4j.policy.StagePlan;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bounds how far a bfloat16 run drifts from the float32 run of the same seed: the loop, the data
 * order, the dropout draws and the update rule are the same, only the encoder's matrix products are
 * rounded to bfloat16. Over 40 AdamW steps every step's loss stays within 0.05 of float32's, the
 * weights move by the same amount within 10 % and end within 10 % of that movement of the float32
 * weights, and the test accuracy is the same within one example in 32.
 */
class Bf16TrainingTest {

  private record Outcome(
      List<Double> losses, Map<String, float[]> w0, Map<String, float[]> w, double accuracy) {}

  private static Outcome run(boolean bf16) throws Exception {
    try (TinyRun run = new TinyRun(9)) {
      if (bf16) {
        run.block.setBf16(true, run.model.getNDManager());
      }
      Map<String, float[]> w0 = run.snapshot();
      RunResult r =
          run.run(
              List.of(new StagePlan(5, List.of("embeddings", "encoder", "head"), Map.of())),
              AdamW.defaults(),
              g -> GroupHyper.of(3e-3).withWeightDecay(0.01),
              Schedule.constant(),
              0);
      assertTrue(r.succeeded(), "run failed: " + r.fault());
      return new Outcome(
          run.capture.steps.stream().map(s -> s.loss()).toList(),
          w0,
          run.snapshot(),
          r.test().get("accuracy"));
    }
  }

  private static double dist(Map<String, float[]> a, Map<String, float[]> b) {
    double s = 0;
    for (String n : a.keySet()) {
      float[] x = a.get(n);
      float[] y = b.get(n);
      for (int i = 0; i < x.length; i++) {
        double d = x[i] - y[i];
        s += d * d;
      }
    }
    return Math.sqrt(s);
  }

  @Test
  void aBf16RunStaysCloseToTheFloat32Run() throws Exception {
    Outcome fp32 = run(false);
    Outcome bf16 = run(true);
    assertEquals(fp32.losses().size(), bf16.losses().size());
    double worst = 0;
    for (int i = 0; i < fp32.losses().size(); i++) {
      worst = Math.max(worst, Math.abs(fp32.losses().get(i) - bf16.losses().get(i)));
    }
    assertTrue(worst > 0, "bf16 gave float32's losses exactly: the bf16 path did not run");
    assertTrue(worst < 0.05, "a step's loss differs from float32's by " + worst);
    double moved = dist(fp32.w(), fp32.w0());
    double movedBf16 = dist(bf16.w(), bf16.w0());
    double apart = dist(fp32.w(), bf16.w());
    assertEquals(0.0, dist(fp32.w0(), bf16.w0()), 0.0, "not the same initial weights");
    assertEquals(moved, movedBf16, 0.1 * moved, "bf16 moved the weights by another amount");
    assertTrue(apart < 0.1 * moved, "bf16 ended " + apart + " from fp32 (moved " + moved + ")");
    assertEquals(fp32.accuracy(), bf16.accuracy(), 1.0 / 32 + 1e-9);
  }
}
