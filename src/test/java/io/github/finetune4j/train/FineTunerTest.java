package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.monitor.GroupStats;
import io.github.finetune4j.monitor.StepMetrics;
import io.github.finetune4j.optim.AdamW;
import io.github.finetune4j.optim.DecayMode;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.optim.Sgd;
import io.github.finetune4j.policy.Schedule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The loop on a tiny real-engine BERT classifier. */
class FineTunerTest {

  /** AdamW with decoupled weight decay and coupled L2-SP everywhere: the strongest temptations. */
  private static GroupHyper hyper(String group) {
    return GroupHyper.of(group.equals("head") ? 1e-2 : 1e-3)
        .withWeightDecay(0.1, DecayMode.DECOUPLED)
        .withL2sp(0.01, DecayMode.COUPLED);
  }

  @Test
  void frozenParametersAreBitIdenticalAndTrainedOnesMove() throws Exception {
    try (TinyRun run = new TinyRun(1)) {
      Map<String, float[]> before = run.snapshot();
      run.run(List.of(new Stage(2, Set.of("head"))), AdamW.defaults(), FineTunerTest::hyper,
          Schedule.constant(), 0);
      Map<String, float[]> after = run.snapshot();
      int frozen = 0;
      for (String name : before.keySet()) {
        if (name.startsWith("head.")) {
          assertFalse(Arrays.equals(before.get(name), after.get(name)), name + " did not train");
        } else {
          assertArrayEquals(before.get(name), after.get(name), 0f, name + " changed while frozen");
          frozen++;
        }
      }
      assertTrue(frozen > 30, "expected the whole encoder to be frozen, got " + frozen);
    }
  }

  @Test
  void unfreezingInALaterStageTrainsTheGroupFromThere() throws Exception {
    try (TinyRun run = new TinyRun(2)) {
      Map<String, float[]> before = run.snapshot();
      run.run(List.of(new Stage(1, Set.of("head")), new Stage(1, Set.of("encoder", "head"))),
          AdamW.defaults(), FineTunerTest::hyper, Schedule.constant(), 0);
      Map<String, float[]> after = run.snapshot();
      String q = "encoder.layer.0.attention.self.query.weight";
      assertFalse(Arrays.equals(before.get(q), after.get(q)), "encoder did not train in stage 2");
      String emb = "embeddings.word_embeddings.weight";
      assertArrayEquals(before.get(emb), after.get(emb), 0f, "embeddings were never unfrozen");
      // Stage 1 steps log lr 0 for the encoder, stage 2 steps its base lr; the group stays registered.
      StepMetrics first = run.capture.steps.get(0);
      StepMetrics last = run.capture.steps.get(run.capture.steps.size() - 1);
      assertEquals(0.0, first.lr().get("encoder"));
      assertEquals(1e-3, last.lr().get("encoder"), 1e-12);
      assertEquals(Set.of("embeddings", "encoder", "head"), first.lr().keySet());
      GroupStats frozen = first.groups().get("encoder");
      assertEquals(1.0, frozen.frozenFraction());
      assertEquals(0.0, frozen.drift());
    }
  }

  @Test
  void learnsTheToyTaskAndLogsScheduledLr() throws Exception {
    try (TinyRun run = new TinyRun(3)) {
      RunResult r = run.run(List.of(new Stage(12, Set.of("embeddings", "encoder", "head"))),
          AdamW.defaults(), g -> GroupHyper.of(1e-2), Schedule.cosine(0.0), 1.0);
      assertTrue(r.testAccuracy() >= 0.9, "toy task test accuracy " + r.testAccuracy());
      assertEquals(12 * 8, r.steps());
      // cosine over the run: step 1 at the peak, the last step at the floor (0).
      List<StepMetrics> steps = run.capture.steps;
      assertEquals(1e-2, steps.get(0).lr().get("head"), 1e-12);
      assertEquals(0.0, steps.get(steps.size() - 1).lr().get("head"), 1e-12);
      double mid = steps.get(47).lr().get("head"); // progress 47/95
      assertEquals(1e-2 * (1 + Math.cos(Math.PI * 47 / 95.0)) / 2, mid, 1e-9);
      // diagnostics: an update ratio and a drift for trained groups
      GroupStats head = steps.get(9).groups().get("head");
      assertTrue(head.updateRatio() > 0 && head.updateRatio() < 1, "ratio " + head.updateRatio());
      assertTrue(head.drift() > 0, "drift " + head.drift());
      assertEquals(12, run.capture.epochs.size());
    }
  }

  @Test
  void anExplodingLearningRateFiresTheWarningOnce() throws Exception {
    try (TinyRun run = new TinyRun(4)) {
      run.run(List.of(new Stage(2, Set.of("embeddings", "encoder", "head"))), Sgd.plain(),
          g -> GroupHyper.of(50.0), Schedule.constant(), 0);
      long exploding =
          run.capture.warnings.stream().filter(w -> w.cause().equals("exploding")).count();
      assertTrue(exploding >= 1, "no exploding warning: " + run.capture.warnings);
      long perGroupDuplicates = run.capture.warnings.stream()
          .map(w -> w.cause() + "/" + w.group()).distinct().count();
      assertEquals(run.capture.warnings.size(), perGroupDuplicates, "a warning fired twice");
    }
  }

  @Test
  void reportedDiagnosticsMatchNormsComputedFromWeightSnapshots() throws Exception {
    try (TinyRun run = new TinyRun(5)) {
      List<Map<String, float[]>> snaps = new ArrayList<>();
      snaps.add(run.snapshot()); // w0
      run.capture.afterStep = () -> snaps.add(run.snapshot());
      // Stage 1 trains everything, stage 2 only the head: the encoder then keeps its drift.
      run.run(List.of(new Stage(1, Set.of("embeddings", "encoder", "head")),
              new Stage(1, Set.of("head"))),
          AdamW.defaults(), g -> GroupHyper.of(1e-2), Schedule.constant(), 0);
      List<StepMetrics> steps = run.capture.steps;
      assertEquals(16, steps.size());
      for (int k = 1; k <= steps.size(); k++) {
        StepMetrics m = steps.get(k - 1);
        for (String group : List.of("encoder", "head")) {
          double w2 = 0;
          double d2 = 0;
          double w02 = 0;
          double u2 = 0;
          for (String name : run.params.keySet()) {
            if (!run.groups.groupOf(name).name().equals(group)) {
              continue;
            }
            float[] w0 = snaps.get(0).get(name);
            float[] prev = snaps.get(k - 1).get(name);
            float[] w = snaps.get(k).get(name);
            for (int i = 0; i < w.length; i++) {
              w2 += (double) w[i] * w[i];
              w02 += (double) w0[i] * w0[i];
              d2 += ((double) w[i] - w0[i]) * ((double) w[i] - w0[i]);
              u2 += ((double) w[i] - prev[i]) * ((double) w[i] - prev[i]);
            }
          }
          GroupStats s = m.groups().get(group);
          String at = group + " at step " + k;
          boolean trains = m.stage() == 0 || group.equals("head");
          assertEquals(Math.sqrt(w2), s.weightNorm(), 1e-5 * Math.sqrt(w2), at);
          assertEquals(Math.sqrt(d2 / w02), s.drift(), 1e-4 * Math.sqrt(d2 / w02) + 1e-7, at);
          if (trains) {
            double ratio = Math.sqrt(u2) / Math.sqrt(w2);
            assertTrue(ratio > 0, at);
            assertEquals(ratio, s.updateRatio(), 1e-4 * ratio, at);
            assertEquals(0.0, s.frozenFraction(), at);
          } else {
            assertEquals(0.0, u2, at + ": a frozen group moved");
            assertTrue(Double.isNaN(s.updateRatio()), at);
            assertEquals(1.0, s.frozenFraction(), at);
            assertTrue(s.drift() > 0, at + ": the drift of stage 1 is kept");
          }
        }
      }
    }
  }
}
