package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tasks' losses and metrics against values worked out by hand (in the comments). */
class TaskTest {

  @Test
  void classificationMetricsFromAConfusionMatrix() {
    try (NDManager m = NDManager.newBaseManager()) {
      ClassificationTask task = new ClassificationTask(List.of("a", "b", "c"));
      // predictions (argmax) 0 1 1 2 0 against truth 0 1 2 2 1
      NDArray logits =
          m.create(
              new float[] {
                5, 0, 0,
                0, 5, 0,
                0, 5, 0,
                0, 0, 5,
                5, 0, 0
              },
              new Shape(5, 3));
      NDArray truth = m.create(new long[] {0, 1, 2, 2, 1});
      Task.Accumulator acc = task.accumulator();
      acc.add(logits.get("0:2"), truth.get("0:2")); // two batches: counts add up
      acc.add(logits.get("2:"), truth.get("2:"));
      Evaluation e = acc.result();
      assertArrayEquals(new long[][] {{1, 0, 0}, {1, 1, 0}, {0, 1, 1}}, e.confusion());
      Map<String, Double> x = e.metrics();
      assertEquals(0.6, x.get("accuracy"), 1e-12); // 3 of 5
      assertEquals(0.5, x.get("precision/a"), 1e-12); // predicted a twice, right once
      assertEquals(1.0, x.get("recall/a"), 1e-12); // the one a found
      assertEquals(2 * 0.5 * 1.0 / 1.5, x.get("f1/a"), 1e-12);
      assertEquals(0.5, x.get("precision/b"), 1e-12);
      assertEquals(0.5, x.get("recall/b"), 1e-12);
      assertEquals(1.0, x.get("precision/c"), 1e-12);
      assertEquals(0.5, x.get("recall/c"), 1e-12);
      assertEquals((2 / 3.0 + 0.5 + 2 / 3.0) / 3, x.get("macro_f1"), 1e-12);
      assertEquals(List.of("accuracy", "macro_f1"), List.copyOf(x.keySet()).subList(0, 2));
    }
  }

  @Test
  void aClassNeverPredictedHasPrecisionZero() {
    Evaluation e = ClassificationTask.evaluation(List.of("x", "y"), new long[][] {{3, 0}, {2, 0}});
    assertEquals(0.0, e.get("precision/y"));
    assertEquals(0.0, e.get("recall/y"));
    assertEquals(0.6, e.get("accuracy"), 1e-12);
  }

  @Test
  void crossEntropyOfEqualLogitsIsLnOfTheClassCount() {
    try (NDManager m = NDManager.newBaseManager()) {
      ClassificationTask task = new ClassificationTask(List.of("a", "b"));
      NDArray l =
          task.loss(
              m.create(new float[] {0, 0, 0, 0}, new Shape(2, 2)), m.create(new long[] {0, 1}));
      assertEquals(Math.log(2), l.getFloat(), 1e-6);
    }
  }

  @Test
  void regressionLossesAndMetrics() {
    try (NDManager m = NDManager.newBaseManager()) {
      // y = 1 2 3 4, prediction 1.5 2 2 5: errors .5 0 -1 1
      NDArray p = m.create(new float[] {1.5f, 2, 2, 5}, new Shape(4, 1));
      NDArray y = m.create(new float[] {1, 2, 3, 4}, new Shape(4, 1));
      RegressionTask mse = new RegressionTask(List.of("y"), "mse", 1.0);
      assertEquals((0.25 + 0 + 1 + 1) / 4, mse.loss(p, y).getFloat(), 1e-7);
      RegressionTask huber = new RegressionTask(List.of("y"), "huber", 1.0);
      // |e| < 1: 0.5 e^2 (0.125, 0); |e| = 1: 1 * (1 - 0.5) = 0.5 twice
      assertEquals((0.125 + 0 + 0.5 + 0.5) / 4, huber.loss(p, y).getFloat(), 1e-7);
      Task.Accumulator acc = mse.accumulator();
      acc.add(p, y);
      Evaluation e = acc.result();
      assertEquals(2.5 / 4, e.get("mae"), 1e-12);
      assertEquals(Math.sqrt(2.25 / 4), e.get("rmse"), 1e-12);
      // mean 2.5, SS_tot = 2.25 + .25 + .25 + 2.25 = 5, SS_res = 2.25
      assertEquals(1 - 2.25 / 5, e.get("r2"), 1e-12);
    }
  }

  @Test
  void severalOutputsAreAveragedUniformly() {
    try (NDManager m = NDManager.newBaseManager()) {
      // output u as above; output v predicted exactly (mae 0, rmse 0, r2 1)
      NDArray p = m.create(new float[] {1.5f, 10, 2, 20, 2, 30, 5, 40}, new Shape(4, 2));
      NDArray y = m.create(new float[] {1, 10, 2, 20, 3, 30, 4, 40}, new Shape(4, 2));
      Task.Accumulator acc = new RegressionTask(List.of("u", "v"), "mse", 1).accumulator();
      acc.add(p, y);
      Evaluation e = acc.result();
      assertEquals(2.5 / 4 / 2, e.get("mae"), 1e-12);
      assertEquals(0.75 / 2, e.get("rmse"), 1e-12);
      assertEquals((0.55 + 1) / 2, e.get("r2"), 1e-12);
      assertEquals(1.0, e.get("r2/v"), 1e-12);
      assertEquals(0.75, e.get("rmse/u"), 1e-12);
    }
  }
}
