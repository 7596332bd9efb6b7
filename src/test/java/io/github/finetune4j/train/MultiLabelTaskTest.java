package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link MultiLabelTask} against torch and scikit-learn. The reference values were computed by
 * {@code src/test/resources/multilabel/reference_values.py} (torch 1.13 in double precision,
 * scikit-learn 1.2, both Debian bookworm's) and are pasted here; the threshold-tuning cases are
 * worked out by hand in the comments.
 */
class MultiLabelTaskTest {

  private static final float[] LOGITS = {
    50, -50, 0, //
    -50, 50, 2.5f, //
    0.25f, -1.5f, 10, //
    -3, 0.75f, -20
  };
  private static final float[] TARGETS = {
    1, 0, 1, //
    1, 0, 0, //
    0, 1, 1, //
    0, 1, 0
  };
  private static final float[] POS_WEIGHT = {0.5f, 2, 3};

  // torch.nn.BCEWithLogitsLoss(reduction="mean") in float64, and its gradient by autograd
  private static final double TORCH_LOSS = 8.852907780946927;
  private static final double[] TORCH_GRAD = {
    0.0,
    1.6072915399699316e-23,
    -0.041666666666666664,
    -0.08333333333333333,
    0.08333333333333333,
    0.07701181833156305,
    0.046848041740483175,
    -0.0681312063494703,
    -3.783155725199198e-06,
    0.003952156098130565,
    -0.026735108402050584,
    1.7176280151585032e-10
  };
  private static final double TORCH_LOSS_POS_WEIGHT = 7.05913023453159;
  private static final double[] TORCH_GRAD_POS_WEIGHT = {
    0.0,
    1.6072915399699316e-23,
    -0.125,
    -0.041666666666666664,
    0.08333333333333333,
    0.07701181833156305,
    0.046848041740483175,
    -0.1362624126989406,
    -1.1349467175588343e-05,
    0.003952156098130565,
    -0.05347021680410117,
    1.7176280151585032e-10
  };

  // 6 examples x labels a b c d: c is never present, d never predicted at 0.5; the logit 0
  // (probability exactly 0.5) of example 1, label b, is predicted (at least the threshold)
  private static final List<String> ABCD = List.of("a", "b", "c", "d");
  private static final float[] METRIC_LOGITS = {
    2, -1.5f, -3, -0.5f, //
    1, 0, -2, -1, //
    -2, 3, 0.5f, -4, //
    -0.25f, -1, -1, -0.1f, //
    0.75f, 1.5f, -2.5f, -2, //
    -1, -0.5f, -0.2f, -3
  };
  private static final float[] METRIC_TARGETS = {
    1, 0, 0, 1, //
    1, 1, 0, 0, //
    0, 1, 0, 0, //
    1, 0, 0, 1, //
    0, 1, 0, 0, //
    0, 0, 0, 0
  };

  @Test
  void lossAndGradientEqualTorchsBceWithLogits() {
    check(new MultiLabelTask(List.of("x", "y", "z")), TORCH_LOSS, TORCH_GRAD);
  }

  @Test
  void lossAndGradientWithPosWeightEqualTorchs() {
    check(
        new MultiLabelTask(List.of("x", "y", "z"), POS_WEIGHT),
        TORCH_LOSS_POS_WEIGHT,
        TORCH_GRAD_POS_WEIGHT);
  }

  private static void check(MultiLabelTask task, double loss, double[] grad) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.create(LOGITS, new Shape(4, 3));
      x.setRequiresGradient(true);
      NDArray y = m.create(TARGETS, new Shape(4, 3));
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray l = task.loss(x, y);
        assertEquals(DataType.FLOAT32, l.getDataType());
        assertEquals(new Shape(), l.getShape());
        assertEquals(loss, l.getFloat(), 1e-6);
        gc.backward(l);
      }
      float[] g = x.getGradient().toFloatArray();
      for (int i = 0; i < grad.length; i++) {
        assertEquals(grad[i], g[i], 1e-7, "gradient " + i);
      }
    }
  }

  @Test
  void metricsEqualScikitLearns() {
    // sklearn f1_score(average=micro/macro, zero_division=0), accuracy_score, hamming_loss,
    // precision_recall_fscore_support(average=None, zero_division=0)
    Evaluation e = evaluate(new MultiLabelTask(ABCD), 2);
    Map<String, Double> x = e.metrics();
    assertEquals(0.6666666666666666, x.get("micro_f1"), 1e-12);
    assertEquals(0.41666666666666663, x.get("macro_f1"), 1e-12);
    assertEquals(0.3333333333333333, x.get("subset_accuracy"), 1e-12);
    assertEquals(0.20833333333333334, x.get("hamming_loss"), 1e-12);
    assertPerLabel(
        x,
        new double[] {0.6666666666666666, 1.0, 0.0, 0.0},
        new double[] {0.6666666666666666, 1.0, 0.0, 0.0},
        new double[] {0.6666666666666666, 1.0, 0.0, 0.0});
    assertEquals(
        List.of("micro_f1", "macro_f1", "subset_accuracy", "hamming_loss"),
        List.copyOf(x.keySet()).subList(0, 4));
    assertEquals(List.copyOf(x.keySet()), new MultiLabelTask(ABCD).metricNames());
  }

  @Test
  void perLabelThresholdsEqualScikitLearnsAtThoseThresholds() {
    MultiLabelTask task =
        new MultiLabelTask(ABCD).withThresholds(new double[] {0.8, 0.5, 0.95, 0.2});
    Map<String, Double> x = evaluate(task, 3).metrics();
    assertEquals(0.7999999999999999, x.get("micro_f1"), 1e-12);
    assertEquals(0.575, x.get("macro_f1"), 1e-12);
    assertEquals(0.6666666666666666, x.get("subset_accuracy"), 1e-12);
    assertEquals(0.125, x.get("hamming_loss"), 1e-12);
    assertPerLabel(
        x,
        new double[] {1.0, 1.0, 0.0, 0.6666666666666666},
        new double[] {0.3333333333333333, 1.0, 0.0, 1.0},
        new double[] {0.5, 1.0, 0.0, 0.8});
  }

  private static void assertPerLabel(
      Map<String, Double> x, double[] precision, double[] recall, double[] f1) {
    for (int j = 0; j < ABCD.size(); j++) {
      String l = ABCD.get(j);
      assertEquals(precision[j], x.get("precision/" + l), 1e-12, "precision/" + l);
      assertEquals(recall[j], x.get("recall/" + l), 1e-12, "recall/" + l);
      assertEquals(f1[j], x.get("f1/" + l), 1e-12, "f1/" + l);
    }
  }

  /** The metrics of the 6 examples, added in batches of the first {@code split} and the rest. */
  private static Evaluation evaluate(MultiLabelTask task, int split) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logits = m.create(METRIC_LOGITS, new Shape(6, 4));
      NDArray targets = m.create(METRIC_TARGETS, new Shape(6, 4));
      Task.Accumulator acc = task.accumulator();
      acc.add(logits.get("0:" + split), targets.get("0:" + split));
      acc.add(logits.get(split + ":"), targets.get(split + ":"));
      return acc.result();
    }
  }

  @Test
  void anEmptyPassHasNaNMetrics() {
    Evaluation e = new MultiLabelTask(ABCD).accumulator().result();
    assertTrue(Double.isNaN(e.get("micro_f1")));
    assertTrue(Double.isNaN(e.get("hamming_loss")));
    assertFalse(e.metrics().containsKey("f1/a"));
  }

  @Test
  void snapshotAndRestoreContinueExactly() {
    MultiLabelTask task = new MultiLabelTask(ABCD);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logits = m.create(METRIC_LOGITS, new Shape(6, 4));
      NDArray targets = m.create(METRIC_TARGETS, new Shape(6, 4));
      MultiLabelTask.LabelAccumulator whole = task.accumulator(true);
      whole.add(logits.get("0:4"), targets.get("0:4"));
      double[] state = whole.snapshot();
      whole.add(logits.get("4:"), targets.get("4:"));

      MultiLabelTask.LabelAccumulator resumed = task.accumulator(true);
      resumed.restore(state.clone());
      resumed.add(logits.get("4:"), targets.get("4:"));
      assertEquals(whole.result().metrics(), resumed.result().metrics());
      assertArrayEquals(whole.probabilities(), resumed.probabilities());
      assertArrayEquals(whole.targets(), resumed.targets());
      assertArrayEquals(whole.snapshot(), resumed.snapshot());

      // an accumulator that keeps nothing restores the same metrics from the same state
      MultiLabelTask.LabelAccumulator plain = task.accumulator();
      plain.restore(state);
      plain.add(logits.get("4:"), targets.get("4:"));
      assertEquals(whole.result().metrics(), plain.result().metrics());
      assertThrows(IllegalStateException.class, plain::probabilities);
    }
  }

  @Test
  void keptProbabilitiesAreTheSigmoidsOfTheLogitsInOrder() {
    try (NDManager m = NDManager.newBaseManager()) {
      MultiLabelTask.LabelAccumulator acc = new MultiLabelTask(List.of("u", "v")).accumulator(true);
      acc.add(
          m.create(new float[] {0, 2, -50, 50}, new Shape(2, 2)),
          m.create(new float[] {1, 0, 0, 1}, new Shape(2, 2)));
      float[][] p = acc.probabilities();
      assertEquals(0.5f, p[0][0]);
      assertEquals((float) (1 / (1 + Math.exp(-2.0))), p[0][1]);
      assertEquals((float) Math.exp(-50.0), p[1][0]); // 1.9e-22, not 0: no cancellation
      assertEquals(1.0f, p[1][1]);
      assertArrayEquals(new boolean[][] {{true, false}, {false, true}}, acc.targets());
    }
  }

  @Test
  void thresholdTuningFollowsTheDocumentedRule() {
    float[][] p = {
      {0.1f, 0.97f, 0.9f, 0.3f},
      {0.4f, 0.93f, 0.1f, 0.3f},
      {0.35f, 0.8f, 0.6f, 0.3f},
      {0.8f, 0.62f, 0.3f, 0.3f},
      {0.2f, 0.45f, 0.7f, 0.3f},
      {0.05f, 0.3f, 0.2f, 0.3f},
      {0.15f, 0.2f, 0.4f, 0.3f},
      {0.25f, 0.15f, 0.8f, 0.3f},
      {0.3f, 0.05f, 0.5f, 0.3f}
    };
    boolean[][] y = {
      {false, true, false, true},
      {true, true, false, false},
      {false, false, false, true},
      {true, false, false, false},
      {false, true, false, false},
      {false, false, false, false},
      {false, false, false, false},
      {false, true, false, false},
      {false, false, false, false}
    };
    double[] t = MultiLabelTask.tuneThresholds(p, y);
    // F1 = 2 TP / (2 TP + FP + FN) = 2 TP / (positives + predicted)
    // label 0: sorted .05 .1 .15 .2 .25 .3 .35 | .4 .8 (present: .4 .8): F1 1 at (.35 + .4) / 2
    // = .375, and only there (at 0.5 only .8 is predicted: F1 2/3)
    assertEquals(0.375, t[0], 1e-7);
    // label 1: from the top .97+ .93+ .8 .62 .45+ .3 .2 .15+ .05 (+: present, 4 in all);
    // predicting the top 2 (cut .865), 5 (cut .375) or 8 (cut .1) gives F1 4/6 = 6/9 = 8/12,
    // every other cut less (top 1: 2/5, 3: 4/7, 4 (as 0.5 does): 4/8, 6: 6/10, 7: 6/11);
    // of the three, .375 is the closest to 0.5 (neither the lowest nor the highest)
    assertEquals(0.375, t[1], 1e-7);
    // label 2 is never present: 0.5
    assertEquals(0.5, t[2]);
    // label 3: one distinct probability, so 0.5 is the only candidate
    assertEquals(0.5, t[3]);

    float[][] multiHot = new float[y.length][4];
    for (int i = 0; i < y.length; i++) {
      for (int j = 0; j < 4; j++) {
        multiHot[i][j] = y[i][j] ? 1 : 0;
      }
    }
    assertArrayEquals(t, MultiLabelTask.tuneThresholds(p, multiHot));
  }

  @Test
  void tunedThresholdsOfAKeptPassRaiseEachLabelsF1() {
    MultiLabelTask task = new MultiLabelTask(ABCD);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logits = m.create(METRIC_LOGITS, new Shape(6, 4));
      NDArray targets = m.create(METRIC_TARGETS, new Shape(6, 4));
      MultiLabelTask.LabelAccumulator acc = task.accumulator(true);
      acc.add(logits, targets);
      double[] t = acc.tunedThresholds();
      // a: logits sorted -2 -1 | -.25(present) .75 1(present) 2(present); predicting the top 4
      // gives TP 3, FP 1: F1 6/7, the best (top 5: 6/8, top 3 and 0.5: 4/6, top 2: 4/5)
      assertEquals(
          (MultiLabelTask.sigmoid(-1) + (double) MultiLabelTask.sigmoid(-0.25f)) / 2, t[0]);
      // b: -1.5 -1 -.5 | 0 1.5 3 (the three present): F1 1 at the midpoint and at 0.5, which
      // predicts the logit 0 (probability 0.5): the tie goes to 0.5
      assertEquals(0.5, t[1]);
      assertEquals(0.5, t[2]); // c never present
      // d: -4 -3 -2 -1 | -.5 -.1 (both present): F1 1 only there (0.5 predicts nothing)
      assertEquals((MultiLabelTask.sigmoid(-1) + (double) MultiLabelTask.sigmoid(-0.5f)) / 2, t[3]);
      MultiLabelTask.LabelAccumulator tuned = task.withThresholds(t).accumulator();
      tuned.add(logits, targets);
      Map<String, Double> x = tuned.result().metrics();
      assertEquals(6 / 7.0, x.get("f1/a"), 1e-12);
      assertEquals(1.0, x.get("f1/b"), 1e-12);
      assertEquals(1.0, x.get("f1/d"), 1e-12);
    }
  }

  @Test
  void gradientDescentOnTheDigitsFixtureFollowsTorch() throws IOException {
    // src/test/resources/multilabel/digits-multilabel.csv: 300 digits, labels even,
    // greater_than_4, prime. A linear layer from zeros, full-batch gradient descent with learning
    // rate 1 on pixels / 16: torch's losses before steps 1, 100, 300 and sklearn's micro F1 after
    // step 300 (reference_values.py)
    List<float[]> rows = new ArrayList<>();
    try (InputStream in = getClass().getResourceAsStream("/multilabel/digits-multilabel.csv");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String header = r.readLine();
      assertTrue(header.endsWith(",even,greater_than_4,prime"));
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String[] cells = line.split(",");
        float[] v = new float[cells.length];
        for (int i = 0; i < v.length; i++) {
          v[i] = Float.parseFloat(cells[i]);
        }
        rows.add(v);
      }
    }
    assertEquals(300, rows.size());
    float[] x = new float[300 * 64];
    float[] y = new float[300 * 3];
    for (int i = 0; i < 300; i++) {
      for (int j = 0; j < 64; j++) {
        x[i * 64 + j] = rows.get(i)[j] / 16;
      }
      for (int j = 0; j < 3; j++) {
        y[i * 3 + j] = rows.get(i)[64 + j];
      }
    }
    MultiLabelTask task = new MultiLabelTask(List.of("even", "greater_than_4", "prime"));
    double[] losses = new double[300];
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray features = m.create(x, new Shape(300, 64));
      NDArray targets = m.create(y, new Shape(300, 3));
      NDArray w = m.zeros(new Shape(64, 3));
      NDArray b = m.zeros(new Shape(3));
      for (int step = 0; step < 300; step++) {
        w.setRequiresGradient(true);
        b.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray l = task.loss(features.matMul(w).add(b), targets);
          losses[step] = l.getFloat();
          gc.backward(l);
        }
        NDArray nextW = w.sub(w.getGradient()); // outside the collector: a fresh leaf
        NDArray nextB = b.sub(b.getGradient());
        w.close();
        b.close();
        w = nextW;
        b = nextB;
      }
      assertEquals(0.6931473016738892, losses[0], 1e-6);
      assertEquals(0.3269626796245575, losses[99], 1e-6); // bit-equal here
      assertEquals(0.2568108141422272, losses[299], 1e-6);
      Task.Accumulator acc = task.accumulator();
      acc.add(features.matMul(w).add(b), targets);
      // equal here; a prediction at the edge may flip on another CPU's float summation order:
      // 0.01 allows about 4 flips
      assertEquals(0.9034564958283671, acc.result().get("micro_f1"), 0.01);
    }
  }

  @Test
  void badArgumentsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new MultiLabelTask(List.of()));
    assertThrows(IllegalArgumentException.class, () -> new MultiLabelTask(List.of("a", "a")));
    assertThrows(
        IllegalArgumentException.class, () -> new MultiLabelTask(ABCD, new float[] {1, 2}));
    assertThrows(
        IllegalArgumentException.class,
        () -> new MultiLabelTask(ABCD, null, new double[] {0.5, 0.5, 1.5, 0.5}));
    assertEquals("multilabel", new MultiLabelTask(ABCD).name());
    assertEquals("micro_f1", MultiLabelTask.HEADLINE);
  }
}
