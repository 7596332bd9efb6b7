package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The fixed batches the embedding-loss tests share: seeded values, rounded to float so that the
 * float32 and float64 runs see the same numbers, and a way to run a loss on them with DJL.
 */
final class EmbeddingLossCases {

  private EmbeddingLossCases() {}

  /** A column of embeddings: values in row-major order and the shape. */
  record Column(double[] values, long[] shape) {
    double[][] rows() {
      int d = (int) shape[shape.length - 1];
      double[][] out = new double[values.length / d][d];
      for (int i = 0; i < values.length; i++) {
        out[i / d][i % d] = values[i];
      }
      return out;
    }
  }

  /** A loss on a batch; {@code params} are what the torch script needs besides the data. */
  record Case(
      String id,
      EmbeddingLoss loss,
      List<Column> columns,
      double[] labels,
      Map<String, Object> params) {}

  /** What DJL computed: the loss and the gradient of every column, in double. */
  record Result(double loss, List<double[]> grads) {}

  static Column column(Random r, long... shape) {
    int n = 1;
    for (long s : shape) {
      n *= (int) s;
    }
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return new Column(v, shape);
  }

  /** {@code base + noise * N(0,1)}, rounded to float: a column that resembles {@code base}. */
  static Column near(Random r, Column base, double noise) {
    double[] v = new double[base.values().length];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (base.values()[i] + noise * r.nextGaussian());
    }
    return new Column(v, base.shape());
  }

  static Map<String, Object> params(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  /** Every case, each on its own seeded batch. */
  static List<Case> all() {
    List<Case> cases = new ArrayList<>();
    Random r = new Random(20261208L);
    int b = 6;
    int d = 7;
    Column a = column(r, b, d);
    Column p = near(r, a, 0.8);
    Column n = near(r, a, 1.2);
    Column n3 = column(r, b, 2, d);
    MultipleNegativesRankingLoss mnrl = new MultipleNegativesRankingLoss();
    MultipleNegativesRankingLoss sym = new MultipleNegativesRankingLoss(20, true);
    cases.add(new Case("mnrl pairs", mnrl, List.of(a, p), null, params("scale", 20.0)));
    cases.add(new Case("mnrl triplets", mnrl, List.of(a, p, n), null, params("scale", 20.0)));
    cases.add(
        new Case("mnrl [B,k,D] negatives", mnrl, List.of(a, p, n3), null, params("scale", 20.0)));
    cases.add(
        new Case(
            "mnrl scale 7.5, two negatives columns",
            new MultipleNegativesRankingLoss(7.5, false),
            List.of(a, p, n, n3),
            null,
            params("scale", 7.5)));
    cases.add(new Case("mnrl_symmetric pairs", sym, List.of(a, p), null, params("scale", 20.0)));
    cases.add(
        new Case("mnrl_symmetric triplets", sym, List.of(a, p, n), null, params("scale", 20.0)));

    int pb = 8;
    int pd = 5;
    Column u = column(r, pb, pd);
    Column v = near(r, u, 1.0);
    // scores with ties (0.6 twice, 0.2 twice), as STS gold scores have
    double[] scores = {0.6, 0.1, 0.95, 0.2, 0.6, 0.0, 0.2, 0.75};
    cases.add(new Case("cosent", new CoSentLoss(), List.of(u, v), scores, params("scale", 20.0)));
    cases.add(
        new Case("cosent scale 5", new CoSentLoss(5), List.of(u, v), scores, params("scale", 5.0)));
    double[] y = {1, 0, 1, 1, 0, 0, 1, 0};
    cases.add(
        new Case(
            "contrastive",
            new ContrastiveLoss(),
            List.of(u, v),
            y,
            params("margin", 0.5, "size_average", true)));
    cases.add(
        new Case(
            "contrastive margin 1.2, summed",
            new ContrastiveLoss(1.2, false),
            List.of(u, v),
            y,
            params("margin", 1.2, "size_average", false)));
    cases.add(
        new Case(
            "online_contrastive",
            new OnlineContrastiveLoss(1.0),
            List.of(u, v),
            y,
            params("margin", 1.0)));
    double[] onePositive = {0, 0, 1, 0, 0, 0, 0, 0};
    cases.add(
        new Case(
            "online_contrastive, one similar pair",
            new OnlineContrastiveLoss(1.0),
            List.of(u, v),
            onePositive,
            params("margin", 1.0)));
    cases.add(
        new Case(
            "cosine, 0/1 labels (SetFit's pairs)",
            new CosineSimilarityLoss(),
            List.of(u, v),
            y,
            params()));
    double[] graded = {0.9, 0.05, 1.0, 0.3, 0.5, 0.0, 0.75, 0.2};
    cases.add(
        new Case(
            "cosine, graded scores", new CosineSimilarityLoss(), List.of(u, v), graded, params()));
    return cases;
  }

  /** Runs the case's loss in DJL in the given type, and its backward pass. */
  static Result djl(Case c, DataType type) {
    return djl(c, type, false);
  }

  /**
   * Runs the case's loss in DJL; with {@code collect}, garbage collections run between the forward
   * and the backward pass, which frees any Java buffer an operand still points at.
   */
  static Result djl(Case c, DataType type, boolean collect) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDList cols = new NDList();
      for (Column col : c.columns()) {
        NDArray x = m.create(col.values(), new Shape(col.shape())).toType(type, false);
        x.setRequiresGradient(true);
        cols.add(x);
      }
      NDArray labels = c.labels() == null ? null : m.create(c.labels());
      double value;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray l = c.loss().loss(cols, labels);
        assertEquals(type, l.getDataType(), c.id());
        assertEquals(new Shape(), l.getShape(), c.id());
        value = l.toType(DataType.FLOAT64, false).getDouble();
        if (collect) {
          for (int i = 0; i < 3; i++) {
            System.gc();
            byte[][] churn = new byte[2000][];
            for (int j = 0; j < churn.length; j++) {
              churn[j] = new byte[64]; // reuse what a freed buffer held
            }
          }
          System.runFinalization();
        }
        gc.backward(l);
      }
      List<double[]> grads = new ArrayList<>();
      for (NDArray x : cols) {
        grads.add(x.getGradient().toType(DataType.FLOAT64, false).toDoubleArray());
      }
      return new Result(value, grads);
    }
  }
}
