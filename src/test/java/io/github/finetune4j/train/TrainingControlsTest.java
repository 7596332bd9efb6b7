package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.optim.AdamW;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.policy.Schedule;
import io.github.finetune4j.policy.StagePlan;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Gradient accumulation is the same as one larger batch, and early stopping stops after its
 * patience and puts the best epoch's weights back — on the real engine (a tiny BERT).
 */
class TrainingControlsTest {

  private static final List<StagePlan> ALL =
      List.of(new StagePlan(2, List.of("embeddings", "encoder", "head"), Map.of()));

  private static Map<String, float[]> train(int batchSize, int accumulate) throws Exception {
    try (TinyRun run = new TinyRun(21, 0.0)) { // dropout off: the forward is deterministic
      run.configure = b -> b.optBatchSize(batchSize).optAccumulate(accumulate);
      RunResult r =
          run.run(
              ALL,
              AdamW.defaults(),
              g -> GroupHyper.of(1e-2).withWeightDecay(0.01),
              Schedule.cosine(0.1),
              0);
      assertNull(r.fault());
      assertEquals(2L * ((64 + batchSize * accumulate - 1) / (batchSize * accumulate)), r.steps());
      return run.snapshot();
    }
  }

  /**
   * 4 batches of 4 accumulated are one batch of 16; 3 batches of 6 are one of 18 (64 examples: the
   * last step holds 10, as 6 + 4). Same weights after 2 epochs of AdamW with weight decay and a
   * cosine schedule, within float rounding (the sums are taken in another order).
   */
  @Test
  void accumulatedBatchesGiveTheWeightsOfOneLargerBatch() throws Exception {
    assertClose(train(16, 1), train(4, 4));
    assertClose(train(18, 1), train(6, 3));
  }

  @Test
  void accumulationChangesTheWeightsComparedWithSmallBatches() throws Exception {
    // the control: without accumulation, batches of 4 give other weights
    Map<String, float[]> big = train(16, 1);
    Map<String, float[]> small = train(4, 1);
    String q = "encoder.layer.0.attention.self.query.weight";
    assertFalse(maxDiff(big.get(q), small.get(q)) < 1e-3, "the control must differ");
  }

  private static void assertClose(Map<String, float[]> want, Map<String, float[]> got) {
    assertEquals(want.keySet(), got.keySet());
    for (String n : want.keySet()) {
      double d = maxDiff(want.get(n), got.get(n));
      assertTrue(d < 2e-5, n + ": max difference " + d);
    }
  }

  private static double maxDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  /**
   * Patience 1 and a min_delta no epoch can beat: epoch 1 is the best, epoch 2 does not improve, so
   * the run stops after epoch 2 of 6 and puts epoch 1's weights back before the test pass.
   */
  @Test
  void earlyStoppingStopsAfterItsPatienceAndRestoresTheBestEpochsWeights() throws Exception {
    try (TinyRun run = new TinyRun(22)) {
      run.configure = b -> b.optEarlyStopping(new EarlyStopping("loss", false, 1, 1e9, true));
      Map<Integer, Map<String, float[]>> atEpoch = new LinkedHashMap<>();
      run.capture.afterEpoch = e -> atEpoch.put(e, run.snapshot());
      RunResult r =
          run.run(
              List.of(new StagePlan(6, List.of("embeddings", "encoder", "head"), Map.of())),
              AdamW.defaults(),
              g -> GroupHyper.of(1e-2),
              Schedule.constant(),
              0);
      assertNull(r.fault());
      assertEquals(2, r.epochs().size(), "stopped after epoch 2");
      EarlyStopping.Outcome o = r.earlyStop();
      assertEquals(1, o.bestEpoch());
      assertEquals(2, o.stoppedAfterEpoch());
      assertEquals(r.epochs().get(0).validLoss(), o.bestValue());
      assertTrue(o.restored());
      Map<String, float[]> now = run.snapshot();
      atEpoch.get(1).forEach((n, w) -> assertArrayEquals(w, now.get(n), 0f, n));
      String q = "encoder.layer.0.attention.self.query.weight";
      assertFalse(
          java.util.Arrays.equals(atEpoch.get(2).get(q), now.get(q)), "epoch 2 moved the weights");
    }
  }

  /** Watching accuracy (higher is better) with patience 2 over 4 epochs; restore_best off. */
  @Test
  void earlyStoppingOnAMetricThatMustRiseAndWithoutRestoring() throws Exception {
    try (TinyRun run = new TinyRun(23)) {
      run.configure = b -> b.optEarlyStopping(new EarlyStopping("accuracy", true, 2, 0, false));
      Map<Integer, Map<String, float[]>> atEpoch = new LinkedHashMap<>();
      run.capture.afterEpoch = e -> atEpoch.put(e, run.snapshot());
      RunResult r =
          run.run(
              List.of(new StagePlan(4, List.of("embeddings", "encoder", "head"), Map.of())),
              AdamW.defaults(),
              g -> GroupHyper.of(1e-2),
              Schedule.constant(),
              0);
      EarlyStopping.Outcome o = r.earlyStop();
      // by hand from the epoch records: the best epoch is the first with the highest accuracy
      double best = Double.NaN;
      int bestEpoch = 0;
      int bad = 0;
      int stopped = 0;
      for (var e : r.epochs()) {
        double v = e.valid().get("accuracy");
        if (Double.isNaN(best) || v > best) {
          best = v;
          bestEpoch = e.epoch();
          bad = 0;
        } else if (++bad >= 2) {
          stopped = e.epoch();
          break;
        }
      }
      assertEquals(bestEpoch, o.bestEpoch());
      assertEquals(best, o.bestValue());
      assertEquals(stopped, o.stoppedAfterEpoch());
      assertFalse(o.restored());
      int last = r.epochs().get(r.epochs().size() - 1).epoch();
      Map<String, float[]> now = run.snapshot();
      atEpoch.get(last).forEach((n, w) -> assertArrayEquals(w, now.get(n), 0f, n));
    }
  }
}
