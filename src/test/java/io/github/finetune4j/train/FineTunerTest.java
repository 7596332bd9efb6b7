package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import io.github.finetune4j.monitor.GroupStats;
import io.github.finetune4j.monitor.StepMetrics;
import io.github.finetune4j.optim.AdamW;
import io.github.finetune4j.optim.DecayMode;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.optim.ParamContext;
import io.github.finetune4j.optim.Sgd;
import io.github.finetune4j.optim.UpdateRule;
import io.github.finetune4j.policy.OneCycle;
import io.github.finetune4j.policy.Schedule;
import io.github.finetune4j.policy.StagePlan;
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
      run.run(
          List.of(new StagePlan(2, List.of("head"), Map.of())),
          AdamW.defaults(),
          FineTunerTest::hyper,
          Schedule.constant(),
          0);
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
      run.run(
          List.of(
              new StagePlan(1, List.of("head"), Map.of()),
              new StagePlan(1, List.of("encoder", "head"), Map.of())),
          AdamW.defaults(),
          FineTunerTest::hyper,
          Schedule.constant(),
          0);
      Map<String, float[]> after = run.snapshot();
      String q = "encoder.layer.0.attention.self.query.weight";
      assertFalse(Arrays.equals(before.get(q), after.get(q)), "encoder did not train in stage 2");
      String emb = "embeddings.word_embeddings.weight";
      assertArrayEquals(before.get(emb), after.get(emb), 0f, "embeddings were never unfrozen");
      // Stage 1 steps log lr 0 for the encoder, stage 2 steps its base lr; the group stays
      // registered.
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

  /**
   * The toy task is learned: 32 test examples are a coarse measure and one seed is a lottery
   * (0.66–1.0 over seeds 1–8), so the mean over four seeds must be well above chance (0.5).
   */
  @Test
  void learnsTheToyTaskOverSeveralSeeds() throws Exception {
    double sum = 0;
    for (int seed = 1; seed <= 4; seed++) {
      try (TinyRun run = new TinyRun(seed)) {
        sum +=
            run.run(
                    List.of(new StagePlan(12, List.of("embeddings", "encoder", "head"), Map.of())),
                    AdamW.defaults(),
                    g -> GroupHyper.of(1e-2),
                    Schedule.cosine(0.0),
                    1.0)
                .testAccuracy();
      }
    }
    assertTrue(sum / 4 >= 0.85, "mean toy task test accuracy " + sum / 4);
  }

  @Test
  void logsScheduledLr() throws Exception {
    try (TinyRun run = new TinyRun(3)) {
      RunResult r =
          run.run(
              List.of(new StagePlan(12, List.of("embeddings", "encoder", "head"), Map.of())),
              AdamW.defaults(),
              g -> GroupHyper.of(1e-2),
              Schedule.cosine(0.0),
              1.0);
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
      run.run(
          List.of(new StagePlan(2, List.of("embeddings", "encoder", "head"), Map.of())),
          Sgd.plain(),
          g -> GroupHyper.of(50.0),
          Schedule.constant(),
          0);
      long exploding =
          run.capture.warnings.stream().filter(w -> w.cause().equals("exploding")).count();
      assertTrue(exploding >= 1, "no exploding warning: " + run.capture.warnings);
      long perGroupDuplicates =
          run.capture.warnings.stream().map(w -> w.cause() + "/" + w.group()).distinct().count();
      assertEquals(run.capture.warnings.size(), perGroupDuplicates, "a warning fired twice");
    }
  }

  @Test
  void optimizerStateOfAReUnfrozenGroupIsKeptOrResetAsDeclared() throws Exception {
    List<StagePlan> stages =
        List.of(
            new StagePlan(1, List.of("embeddings", "encoder", "head"), Map.of()),
            new StagePlan(1, List.of("head"), Map.of()),
            new StagePlan(1, List.of("embeddings", "encoder", "head"), Map.of()));
    String q = "encoder.layer.1.output.dense.weight";
    for (boolean reset : new boolean[] {false, true}) {
      try (TinyRun run = new TinyRun(5)) {
        run.resetOnUnfreeze = reset;
        run.run(stages, AdamW.defaults(), FineTunerTest::hyper, Schedule.constant(), 0);
        // 64 examples / batch 8 = 8 steps per epoch; the encoder trains in stages 1 and 3.
        assertEquals(reset ? 8 : 16, run.optimizerSteps.get(q), "reset=" + reset);
        assertEquals(24, run.optimizerSteps.get("head.weight"));
      }
    }
  }

  @Test
  void stageLrScaleMultipliesTheGroupLr() throws Exception {
    try (TinyRun run = new TinyRun(6)) {
      run.run(
          List.of(new StagePlan(1, List.of("encoder", "head"), Map.of("encoder", 0.25))),
          AdamW.defaults(),
          FineTunerTest::hyper,
          Schedule.constant(),
          0);
      StepMetrics m = run.capture.steps.get(0);
      assertEquals(1e-3 * 0.25, m.lr().get("encoder"), 1e-15);
      assertEquals(1e-2, m.lr().get("head"), 1e-15);
      assertEquals(0.0, m.lr().get("embeddings"));
    }
  }

  @Test
  void pinnedNormParametersStayFixedWhileTheirGroupTrains() throws Exception {
    try (TinyRun run = new TinyRun(7)) {
      run.params.keySet().stream().filter(n -> n.contains("LayerNorm")).forEach(run.pinned::add);
      Map<String, float[]> before = run.snapshot();
      run.run(
          List.of(new StagePlan(1, List.of("embeddings", "encoder", "head"), Map.of())),
          AdamW.defaults(),
          FineTunerTest::hyper,
          Schedule.constant(),
          0);
      Map<String, float[]> after = run.snapshot();
      assertTrue(run.pinned.size() >= 10, "pinned " + run.pinned);
      for (String n : before.keySet()) {
        if (run.pinned.contains(n)) {
          assertArrayEquals(before.get(n), after.get(n), 0f, n + " moved although pinned");
        } else {
          assertFalse(Arrays.equals(before.get(n), after.get(n)), n + " did not train");
        }
      }
      GroupStats enc = run.capture.steps.get(0).groups().get("encoder");
      assertTrue(
          enc.frozenFraction() > 0 && enc.frozenFraction() < 0.1, "frozen " + enc.frozenFraction());
    }
  }

  @Test
  void reportedDiagnosticsMatchNormsComputedFromWeightSnapshots() throws Exception {
    try (TinyRun run = new TinyRun(5)) {
      List<Map<String, float[]>> snaps = new ArrayList<>();
      snaps.add(run.snapshot()); // w0
      run.capture.afterStep = () -> snaps.add(run.snapshot());
      // Stage 1 trains everything, stage 2 only the head: the encoder then keeps its drift.
      run.run(
          List.of(
              new StagePlan(1, List.of("embeddings", "encoder", "head"), Map.of()),
              new StagePlan(1, List.of("head"), Map.of())),
          AdamW.defaults(),
          g -> GroupHyper.of(1e-2),
          Schedule.constant(),
          0);
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

  @Test
  void oneCycleAlsoCyclesMomentumForRulesThatHaveOne() throws Exception {
    OneCycle oc = OneCycle.of(0.25, 25, 1e5, 0.95, 0.85);
    Schedule lrOnly = oc::factor; // same lr curve, not a OneCycle: no momentum cycling
    List<StagePlan> all =
        List.of(new StagePlan(1, List.of("embeddings", "encoder", "head"), Map.of()));
    String q = "encoder.layer.0.attention.self.query.weight";
    for (var rule : List.of(AdamW.defaults(), Sgd.plain())) {
      float[] cycled;
      float[] plain;
      try (TinyRun run = new TinyRun(11)) {
        run.run(all, rule, g -> GroupHyper.of(1e-2), oc, 0);
        cycled = run.snapshot().get(q);
      }
      try (TinyRun run = new TinyRun(11)) {
        run.run(all, rule, g -> GroupHyper.of(1e-2), lrOnly, 0);
        plain = run.snapshot().get(q);
      }
      if (rule instanceof Sgd) {
        assertArrayEquals(plain, cycled, 0f, "SGD without momentum must not get momentum");
      } else {
        assertFalse(Arrays.equals(plain, cycled), "beta1 was not cycled for " + rule);
      }
    }
  }

  /** A user's own update rule, written here against the public UpdateRule contract only. */
  record SignSgd() implements UpdateRule {
    @Override
    public String name() {
      return "sign_sgd";
    }

    @Override
    public void update(NDArray weight, NDArray grad, ParamContext ctx) {
      weight.subi(grad.sign().muli((float) ctx.lr())); // w -= lr * sign(g)
    }
  }

  @Test
  void aUserDefinedRuleTrainsThroughFineTuner() throws Exception {
    double lr = 1e-2;
    try (TinyRun run = new TinyRun(13)) {
      List<Map<String, float[]>> snapshots = new ArrayList<>();
      snapshots.add(run.snapshot());
      run.capture.afterStep = () -> snapshots.add(run.snapshot());
      run.run(
          List.of(new StagePlan(1, List.of("embeddings", "encoder", "head"), Map.of())),
          new SignSgd(),
          g -> GroupHyper.of(lr),
          Schedule.constant(),
          0);
      assertEquals(9, snapshots.size(), "8 steps");
      long moved = 0;
      for (int t = 1; t < snapshots.size(); t++) {
        for (Map.Entry<String, float[]> e : snapshots.get(t).entrySet()) {
          float[] before = snapshots.get(t - 1).get(e.getKey());
          float[] after = e.getValue();
          for (int i = 0; i < after.length; i++) {
            // sign SGD moves every weight by exactly lr or not at all (float32 rounding aside)
            double d = Math.abs((double) after[i] - before[i]);
            assertTrue(
                d == 0.0 || Math.abs(d - lr) < 1e-6,
                "step " + t + " " + e.getKey() + "[" + i + "] moved by " + d);
            moved += d == 0.0 ? 0 : 1;
          }
        }
        assertEquals(lr, run.capture.steps.get(t - 1).lr().get("encoder"), 1e-15);
      }
      assertTrue(moved > 1000, "only " + moved + " moves");
      String q = "encoder.layer.0.attention.self.query.weight";
      assertEquals(8, run.optimizerSteps.get(q));
    }
  }

  @Test
  void aStepWithNonFiniteGradientsIsSkippedAndWarned() throws Exception {
    try (TinyRun run = new TinyRun(12)) {
      // A NaN in the head makes the loss and every gradient NaN.
      run.params.get("head.bias").getArray().set(new NDIndex("0"), Float.NaN);
      run.configure = b -> b.optFaults(FaultPolicy.skip(3));
      Map<String, float[]> before = run.snapshot();
      RunResult r =
          run.run(
              List.of(new StagePlan(1, List.of("embeddings", "encoder", "head"), Map.of())),
              AdamW.defaults(),
              FineTunerTest::hyper,
              Schedule.constant(),
              0);
      // The loss is NaN too: with on_nonfinite: skip the step is skipped and counted, and the
      // weights stay NaN, so every step is skipped until the bound (FaultPolicyTest).
      assertEquals(4, r.skippedSteps());
      assertEquals(4, r.fault().step());
      assertTrue(r.fault().reason().startsWith("4 steps were skipped"), r.fault()::message);
      String q = "encoder.layer.0.attention.self.query.weight";
      assertArrayEquals(before.get(q), run.snapshot().get(q), 0f, "a skipped step wrote weights");
      assertEquals(
          1, run.capture.warnings.stream().filter(w -> w.cause().equals("skipped_step")).count());
      assertTrue(
          run.capture.warnings.stream().noneMatch(w -> w.cause().equals("vanishing")),
          "a skipped step is not a vanishing update: " + run.capture.warnings);
      assertTrue(Double.isNaN(run.capture.steps.get(0).groups().get("encoder").updateRatio()));
    }
  }
}
