package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.finetune4j.train.EmbeddingLossCases.Case;
import io.github.finetune4j.train.EmbeddingLossCases.Column;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The embedding losses against their definitions, computed here in plain Java double precision
 * (loops over the batch, no DJL); and their checks of bad input. {@link EmbeddingLossesTorchTest}
 * compares the same batches, and the gradients, with torch.
 */
class EmbeddingLossesTest {

  /** Relative tolerance of the float64 DJL run against the double reference. */
  static final double FLOAT64_TOLERANCE = 1e-12;

  /**
   * Relative tolerance of the float32 DJL run, the bound: float32 rounds each cosine to
   * about 6e-8, which the scale (20) turns into about 1e-6 in a logit at worst; the measured
   * differences are below 2.5e-7 relative (docs/decisions.md), and a formula error moves these
   * losses by 1e-4 relative or more.
   */
  static final double FLOAT32_TOLERANCE = 1e-6;

  @Test
  void float64LossesEqualTheDefinitionsInDouble() {
    double worst = 0;
    for (Case c : EmbeddingLossCases.all()) {
      double want = reference(c);
      double got = EmbeddingLossCases.djl(c, DataType.FLOAT64).loss();
      assertEquals(want, got, FLOAT64_TOLERANCE * Math.abs(want), c.id());
      worst = Math.max(worst, Math.abs(got - want) / Math.abs(want));
    }
    System.out.printf("embedding losses, DJL float64 vs Java double: max rel %.3g%n", worst);
  }

  @Test
  void float32LossesEqualTheDefinitionsInDouble() {
    double worst = 0;
    for (Case c : EmbeddingLossCases.all()) {
      double want = reference(c);
      double got = EmbeddingLossCases.djl(c, DataType.FLOAT32).loss();
      assertEquals(want, got, FLOAT32_TOLERANCE * Math.abs(want), c.id());
      worst = Math.max(worst, Math.abs(got - want) / Math.abs(want));
    }
    System.out.printf("embedding losses, DJL float32 vs Java double: max rel %.3g%n", worst);
  }

  @Test
  void theCasesAreNotTrivial() {
    // a loss of 0 or a hard-pair rule that picks nothing would make the comparisons weak
    for (Case c : EmbeddingLossCases.all()) {
      assertTrue(reference(c) > 1e-3, c.id() + " = " + reference(c));
      if (c.loss() instanceof OnlineContrastiveLoss) {
        // the hard-pair rule keeps some pairs of each kind and leaves some out
        double[][] u = c.columns().get(0).rows();
        double[][] v = c.columns().get(1).rows();
        double[] d = new double[u.length];
        for (int i = 0; i < u.length; i++) {
          d[i] = 1 - cos(u[i], v[i]);
        }
        boolean[][] hard = OnlineContrastiveLoss.hardPairs(d, c.labels());
        int kept = 0;
        int keptSimilar = 0;
        for (int i = 0; i < d.length; i++) {
          kept += hard[0][i] || hard[1][i] ? 1 : 0;
          keptSimilar += hard[0][i] ? 1 : 0;
        }
        assertTrue(kept > 0 && kept < d.length, c.id() + ": " + kept + " hard pairs");
        assertTrue(keptSimilar > 0 && keptSimilar < kept, c.id() + ": " + keptSimilar);
      }
    }
  }

  // ---- the definitions, in double, one loop at a time ----

  static double reference(Case c) {
    List<double[][]> cols = new ArrayList<>();
    for (Column col : c.columns()) {
      cols.add(col.rows()); // a [B, k, D] column becomes B*k rows: their order does not matter
    }
    double[] y = c.labels();
    return switch (c.loss().name()) {
      case "mnrl" -> mnrl(cols, scale(c), false);
      case "mnrl_symmetric" -> mnrl(cols, scale(c), true);
      case "cosent" -> cosent(cols.get(0), cols.get(1), y, scale(c));
      case "contrastive" ->
          contrastive(
              cols.get(0), cols.get(1), y, margin(c), (Boolean) c.params().get("size_average"));
      case "online_contrastive" -> onlineContrastive(cols.get(0), cols.get(1), y, margin(c));
      case "cosine" -> cosineSimilarity(cols.get(0), cols.get(1), y);
      default -> throw new AssertionError(c.loss().name());
    };
  }

  private static double scale(Case c) {
    return (Double) c.params().get("scale");
  }

  private static double margin(Case c) {
    return (Double) c.params().get("margin");
  }

  static double cos(double[] a, double[] b) {
    double ab = 0;
    double aa = 0;
    double bb = 0;
    for (int i = 0; i < a.length; i++) {
      ab += a[i] * b[i];
      aa += a[i] * a[i];
      bb += b[i] * b[i];
    }
    return ab / Math.sqrt(aa * bb);
  }

  /** -log softmax(logits)[target], by log-sum-exp shifted by the maximum. */
  static double crossEntropy(double[] logits, int target) {
    double max = Double.NEGATIVE_INFINITY;
    for (double l : logits) {
      max = Math.max(max, l);
    }
    double sum = 0;
    for (double l : logits) {
      sum += Math.exp(l - max);
    }
    return max + Math.log(sum) - logits[target];
  }

  static double mnrl(List<double[][]> cols, double scale, boolean symmetric) {
    double[][] anchors = cols.get(0);
    double[][] positives = cols.get(1);
    List<double[]> candidates = new ArrayList<>(List.of(positives));
    for (int c = 2; c < cols.size(); c++) {
      candidates.addAll(List.of(cols.get(c)));
    }
    int b = anchors.length;
    double forward = 0;
    for (int i = 0; i < b; i++) {
      double[] logits = new double[candidates.size()];
      for (int j = 0; j < logits.length; j++) {
        logits[j] = scale * cos(anchors[i], candidates.get(j));
      }
      forward += crossEntropy(logits, i) / b;
    }
    if (!symmetric) {
      return forward;
    }
    double backward = 0;
    for (int i = 0; i < b; i++) {
      double[] logits = new double[b];
      for (int j = 0; j < b; j++) {
        logits[j] = scale * cos(positives[i], anchors[j]);
      }
      backward += crossEntropy(logits, i) / b;
    }
    return (forward + backward) / 2;
  }

  /** log(1 + sum over y_i > y_j of exp(s_j - s_i)): the form in the CoSENT paper. */
  static double cosent(double[][] u, double[][] v, double[] y, double scale) {
    int b = u.length;
    double[] s = new double[b];
    for (int i = 0; i < b; i++) {
      s[i] = scale * cos(u[i], v[i]);
    }
    double sum = 0;
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < b; j++) {
        if (y[i] > y[j]) {
          sum += Math.exp(s[j] - s[i]);
        }
      }
    }
    return Math.log1p(sum);
  }

  static double contrastive(
      double[][] u, double[][] v, double[] y, double margin, boolean sizeAverage) {
    double total = 0;
    for (int i = 0; i < u.length; i++) {
      double d = 1 - cos(u[i], v[i]);
      double hinge = Math.max(0, margin - d);
      total += 0.5 * (y[i] * d * d + (1 - y[i]) * hinge * hinge);
    }
    return sizeAverage ? total / u.length : total;
  }

  /** sentence-transformers' CosineSimilarityLoss: mean of (cos(u_i, v_i) - y_i)^2. */
  static double cosineSimilarity(double[][] u, double[][] v, double[] y) {
    double total = 0;
    for (int i = 0; i < u.length; i++) {
      double e = cos(u[i], v[i]) - y[i];
      total += e * e;
    }
    return total / u.length;
  }

  static double onlineContrastive(double[][] u, double[][] v, double[] y, double margin) {
    List<Double> similar = new ArrayList<>();
    List<Double> dissimilar = new ArrayList<>();
    for (int i = 0; i < u.length; i++) {
      (y[i] == 1 ? similar : dissimilar).add(1 - cos(u[i], v[i]));
    }
    double negativeThreshold =
        similar.size() > 1
            ? similar.stream().mapToDouble(x -> x).max().getAsDouble()
            : dissimilar.stream().mapToDouble(x -> x).average().orElse(Double.NaN);
    double positiveThreshold =
        dissimilar.size() > 1
            ? dissimilar.stream().mapToDouble(x -> x).min().getAsDouble()
            : similar.stream().mapToDouble(x -> x).average().orElse(Double.NaN);
    double loss = 0;
    for (double d : similar) {
      if (d > positiveThreshold) {
        loss += d * d;
      }
    }
    for (double d : dissimilar) {
      if (d < negativeThreshold) {
        loss += Math.pow(Math.max(0, margin - d), 2);
      }
    }
    return loss;
  }

  @Test
  void gradientsSurviveAGarbageCollectionBeforeTheBackwardPass() {
    // every constant the losses use is libtorch-owned: a collection between forward and backward
    // (which frees Java direct buffers) must leave the gradients bit for bit the same
    for (Case c : EmbeddingLossCases.all()) {
      EmbeddingLossCases.Result plain = EmbeddingLossCases.djl(c, DataType.FLOAT32);
      EmbeddingLossCases.Result collected = EmbeddingLossCases.djl(c, DataType.FLOAT32, true);
      for (int col = 0; col < plain.grads().size(); col++) {
        assertArrayEquals(plain.grads().get(col), collected.grads().get(col), 0.0, c.id());
      }
    }
  }

  // ---- bad input ----

  @Test
  void mnrlRefusesABatchOfOne() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.randomNormal(new Shape(1, 4));
      NDArray p = m.randomNormal(new Shape(1, 4));
      for (EmbeddingLoss loss :
          List.of(new MultipleNegativesRankingLoss(), new MultipleNegativesRankingLoss(20, true))) {
        IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> loss.loss(new NDList(a, p), null));
        assertTrue(e.getMessage().contains("at least 2 pairs"), e.getMessage());
        assertTrue(e.getMessage().contains("a batch of 1"), e.getMessage());
        // with a hard negative too: still refused
        NDArray n = m.randomNormal(new Shape(1, 4));
        assertThrows(IllegalArgumentException.class, () -> loss.loss(new NDList(a, p, n), null));
      }
    }
  }

  @Test
  void mismatchedShapesAreRefusedWithTheirShapes() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.randomNormal(new Shape(4, 5));
      MultipleNegativesRankingLoss mnrl = new MultipleNegativesRankingLoss();
      // positives of another batch size
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> mnrl.loss(new NDList(a, m.randomNormal(new Shape(3, 5))), null));
      assertEquals(
          "mnrl: the positives have shape (3, 5) but the anchors have (4, 5) (each column must be"
              + " [batch, dim] with the same batch and dim)",
          e.getMessage());
      // another dimension
      assertThrows(
          IllegalArgumentException.class,
          () -> mnrl.loss(new NDList(a, m.randomNormal(new Shape(4, 6))), null));
      // negatives [B, k, D] with another dimension, and with another batch
      assertThrows(
          IllegalArgumentException.class,
          () -> mnrl.loss(new NDList(a, a, m.randomNormal(new Shape(4, 2, 6))), null));
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> mnrl.loss(new NDList(a, a, m.randomNormal(new Shape(5, 5))), null));
      assertTrue(
          e.getMessage().startsWith("mnrl: the negatives have shape (5, 5)"), e.getMessage());
      // anchors that are not [batch, dim]
      assertThrows(
          IllegalArgumentException.class,
          () -> mnrl.loss(new NDList(m.randomNormal(new Shape(4, 1, 5)), a), null));
      // one column only
      e = assertThrows(IllegalArgumentException.class, () -> mnrl.loss(new NDList(a), null));
      assertEquals(
          "mnrl takes at least 2 columns of embeddings (anchors, positives, negatives), got 1",
          e.getMessage());
      // int embeddings, and float32 beside float64
      assertThrows(
          IllegalArgumentException.class,
          () -> mnrl.loss(new NDList(a.toType(DataType.INT32, false), a), null));
      assertThrows(
          IllegalArgumentException.class,
          () -> mnrl.loss(new NDList(a, a.toType(DataType.FLOAT64, false)), null));
      // pair losses: a third column, labels of the wrong length, labels missing
      NDArray labels = m.create(new float[] {1, 0, 1, 0});
      for (EmbeddingLoss loss :
          List.of(
              new CoSentLoss(),
              new ContrastiveLoss(),
              new OnlineContrastiveLoss(),
              new CosineSimilarityLoss())) {
        e =
            assertThrows(
                IllegalArgumentException.class, () -> loss.loss(new NDList(a, a, a), labels));
        assertTrue(e.getMessage().contains("takes 2 columns"), e.getMessage());
        e =
            assertThrows(
                IllegalArgumentException.class,
                () -> loss.loss(new NDList(a, a), m.create(new float[] {1, 0, 1})));
        assertEquals(
            loss.name() + ": the labels have shape (3) but the batch has 4 pairs (want [4])",
            e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> loss.loss(new NDList(a, a), null));
        assertEquals(loss.name() + " needs a label per pair, got none", e.getMessage());
        assertThrows(
            IllegalArgumentException.class,
            () -> loss.loss(new NDList(a, m.randomNormal(new Shape(4, 4))), labels));
      }
      // contrastive labels must be 0 or 1; CoSENT scores must be finite
      e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  new ContrastiveLoss()
                      .loss(new NDList(a, a), m.create(new float[] {1, 0, 0.5f, 0})));
      assertEquals("contrastive: the label of pair 2 is 0.5, not 0 or 1", e.getMessage());
      assertThrows(
          IllegalArgumentException.class,
          () ->
              new CoSentLoss()
                  .loss(new NDList(a, a), m.create(new float[] {1, Float.NaN, 0.5f, 0})));
    }
  }

  @Test
  void parametersAreChecked() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new MultipleNegativesRankingLoss(0, false));
    assertEquals("mnrl: scale must be a finite number > 0, got 0.0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new MultipleNegativesRankingLoss(-1, true));
    assertThrows(
        IllegalArgumentException.class,
        () -> new MultipleNegativesRankingLoss(Double.POSITIVE_INFINITY, false));
    assertThrows(IllegalArgumentException.class, () -> new CoSentLoss(Double.NaN));
    e = assertThrows(IllegalArgumentException.class, () -> new ContrastiveLoss(0, true));
    assertEquals("contrastive: margin must be a finite number > 0, got 0.0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new OnlineContrastiveLoss(-0.5));
  }

  @Test
  void namesShapesAndDefaults() {
    assertEquals("mnrl", new MultipleNegativesRankingLoss().name());
    assertEquals(20.0, new MultipleNegativesRankingLoss().scale());
    assertEquals("mnrl_symmetric", new MultipleNegativesRankingLoss(20, true).name());
    assertTrue(new MultipleNegativesRankingLoss().acceptsNegatives());
    assertEquals(EmbeddingLoss.DataShape.PAIRS, new MultipleNegativesRankingLoss().dataShape());
    assertEquals(EmbeddingLoss.DataShape.SCORED_PAIRS, new CoSentLoss().dataShape());
    assertEquals(20.0, new CoSentLoss().scale());
    assertEquals(EmbeddingLoss.DataShape.LABELLED_PAIRS, new ContrastiveLoss().dataShape());
    assertEquals(0.5, new ContrastiveLoss().margin());
    assertTrue(new ContrastiveLoss().sizeAverage());
    assertEquals(0.5, new OnlineContrastiveLoss().margin());
    assertEquals(false, new CoSentLoss().acceptsNegatives());
  }

  @Test
  void theCosineLossByHand() {
    // cosines 1 (same direction, other length) and 0 (orthogonal) against targets 0.5 and 0.25:
    // ((1 - 0.5)^2 + (0 - 0.25)^2) / 2 = 0.15625
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray u = m.create(new float[] {1, 0, 2, 0}, new Shape(2, 2));
      NDArray v = m.create(new float[] {3, 0, 0, 5}, new Shape(2, 2));
      NDArray l =
          new CosineSimilarityLoss().loss(new NDList(u, v), m.create(new float[] {0.5f, 0.25f}));
      assertEquals(0.15625, l.getFloat(), 1e-7);
      assertEquals("cosine", new CosineSimilarityLoss().name());
      assertEquals(EmbeddingLoss.DataShape.SCORED_PAIRS, new CosineSimilarityLoss().dataShape());
    }
  }

  @Test
  void aCoSentBatchOfOneCostsNothing() {
    // no pair of pairs to order: log(1 + empty sum) = 0, as in sentence-transformers
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray u = m.randomNormal(new Shape(1, 4));
      NDArray l = new CoSentLoss().loss(new NDList(u, u.neg()), m.create(new float[] {0.3f}));
      assertEquals(0.0, l.getFloat(), 0.0);
    }
  }
}
