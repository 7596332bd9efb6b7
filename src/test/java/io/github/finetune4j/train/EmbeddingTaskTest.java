package io.github.finetune4j.train;

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
import com.fasterxml.jackson.databind.JsonNode;
import io.github.finetune4j.train.RetrievalMetrics.Metric;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EmbeddingTask} against values computed apart from it: the loss of a {@code [k * B, d]}
 * output against MultipleNegativesRankingLoss and CoSENT written out here in double precision (and
 * against torch float64, whose values {@code src/test/python/embedding_task_reference.py} printed);
 * the retrieval accumulator against that script's re-implementation of sentence-transformers'
 * InformationRetrievalEvaluator formulas; the pair-retrieval accumulator against metrics worked by
 * hand on vectors at chosen angles; the scored-pairs accumulator against {@code
 * scipy.stats.spearmanr}. The data are small integers from a generator both sides implement ({@link
 * Lcg}), so every dot product and squared norm is exact and ties are ties on both sides.
 */
class EmbeddingTaskTest {

  static final Path SCRIPT = Path.of("src/test/python/embedding_task_reference.py");

  // printed by embedding_task_reference.py (torch float64)
  static final double TORCH_MNRL_K2 = 3.7181828239797636;
  static final double TORCH_MNRL_K3 = 13.805602185848482;
  static final double TORCH_MNRL_SYMMETRIC_K2 = 3.0025770229685245;
  static final double TORCH_COSENT = 12.455614585482964;
  static final float[] COSENT_SCORES = {0f, 0.5f, 0.5f, 1f};

  // printed by embedding_task_reference.py (sentence-transformers' formulas, stable-sort ties)
  static final Map<String, Double> REFERENCE_RETRIEVAL = new LinkedHashMap<>();

  static {
    REFERENCE_RETRIEVAL.put("ndcg@10", 0.5966888305579612);
    REFERENCE_RETRIEVAL.put("mrr@10", 0.542142857142857);
    REFERENCE_RETRIEVAL.put("recall@1", 0.25);
    REFERENCE_RETRIEVAL.put("recall@10", 0.8583333333333334);
    REFERENCE_RETRIEVAL.put("map@100", 0.5015247252747252);
    REFERENCE_RETRIEVAL.put("ndcg@3", 0.4921615661919902);
    REFERENCE_RETRIEVAL.put("precision@3", 0.28333333333333327);
    REFERENCE_RETRIEVAL.put("accuracy@3", 0.75);
    REFERENCE_RETRIEVAL.put("map@10", 0.48144841269841265);
    REFERENCE_RETRIEVAL.put("mrr@100", 0.5457142857142857);
    REFERENCE_RETRIEVAL.put("ndcg@100", 0.6410719330823119);
  }

  // printed by embedding_task_reference.py (scipy.stats.spearmanr, average ranks for ties)
  static final double SCIPY_SPEARMAN = 0.45859982146770123;

  /** The loss in float64 is the hand computation to rounding. */
  static final double FLOAT64_LOSS = 1e-12;

  /** The loss in float32, the training type, relative to the value. */
  static final double FLOAT32_LOSS = 1e-6;

  /** Retrieval metrics and Spearman, computed in double from the same vectors. */
  static final double METRICS = 1e-12;

  @TempDir Path tmp;

  // ------------------------------------------------------------------ (a) the loss

  @Test
  void mnrlOnTwoAndThreeColumnsEqualsTheHandComputedLoss() {
    double[][] rows2 = Lcg.matrix(1, 8, 6, 4.0);
    double[][] rows3 = Lcg.matrix(2, 12, 6, 4.0);
    double hand2 = handMnrl(rows2, 4, false);
    double hand3 = handMnrl(rows3, 4, false);
    double handSym = handMnrl(rows2, 4, true);
    // the two references, written apart, agree first
    assertEquals(TORCH_MNRL_K2, hand2, 1e-12);
    assertEquals(TORCH_MNRL_K3, hand3, 1e-12);
    assertEquals(TORCH_MNRL_SYMMETRIC_K2, handSym, 1e-12);
    // the hard negatives of k = 3 add candidates: a different (larger) loss than its pairs alone
    assertTrue(hand3 > handMnrl(Arrays.copyOf(rows3, 8), 4, false));

    EmbeddingTask mnrl = task(new MultipleNegativesRankingLoss(20, false));
    EmbeddingTask sym = task(new MultipleNegativesRankingLoss(20, true));
    double worst = 0;
    for (DataType type : List.of(DataType.FLOAT64, DataType.FLOAT32)) {
      double tol = type == DataType.FLOAT64 ? FLOAT64_LOSS : FLOAT32_LOSS;
      worst = Math.max(worst, checkLoss(mnrl, rows2, pairLabels(4), type, hand2, tol, "k=2"));
      worst = Math.max(worst, checkLoss(mnrl, rows3, pairLabels(4), type, hand3, tol, "k=3"));
      worst = Math.max(worst, checkLoss(sym, rows2, pairLabels(4), type, handSym, tol, "sym"));
    }
    System.out.printf("EmbeddingTask mnrl loss: worst relative difference %.3g%n", worst);
  }

  @Test
  void cosentOnScoredPairsEqualsTheHandComputedLoss() {
    double[][] rows = Lcg.matrix(3, 8, 6, 4.0);
    double hand = handCosent(rows, 4, COSENT_SCORES);
    assertEquals(TORCH_COSENT, hand, 1e-12 * hand);
    EmbeddingTask cosent = task(new CoSentLoss(20));
    double worst = 0;
    for (DataType type : List.of(DataType.FLOAT64, DataType.FLOAT32)) {
      double tol = type == DataType.FLOAT64 ? FLOAT64_LOSS : FLOAT32_LOSS;
      worst =
          Math.max(
              worst,
              checkLoss(cosent, rows, m -> m.create(COSENT_SCORES), type, hand, tol, "cosent"));
    }
    System.out.printf("EmbeddingTask cosent loss: worst relative difference %.3g%n", worst);
  }

  @Test
  void rowsThatDoNotSplitIntoColumnsAreRefused() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray out = m.create(new float[7 * 3], new Shape(7, 3));
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  task(new MultipleNegativesRankingLoss()).loss(out, m.create(new long[] {0, 1})));
      assertEquals("7 vectors do not split into columns of 2 examples", e.getMessage());
    }
  }

  // ------------------------------------------------------------------ (b) one pair

  @Test
  void aBatchOfOnePairGivesZeroAndAZeroGradient() {
    for (boolean symmetric : new boolean[] {false, true}) {
      for (int k : new int[] {2, 3}) {
        EmbeddingTask t = task(new MultipleNegativesRankingLoss(20, symmetric));
        try (NDManager m = NDManager.newBaseManager()) {
          NDArray out = m.create(new float[] {1, 2, 3, -1, 0.5f, 2, 0, 4, -3}).reshape(3, 3);
          out = out.get(":" + k); // k rows: anchor, positive (, negative)
          out.setRequiresGradient(true);
          double value;
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = t.loss(out, m.create(new long[] {0}));
            assertEquals(new Shape(), loss.getShape());
            value = loss.getFloat();
            gc.backward(loss);
          }
          String what = "symmetric " + symmetric + ", k " + k;
          assertEquals(0.0, value, 0.0, what);
          float[] grad = out.getGradient().toFloatArray();
          assertEquals(3 * k, grad.length, what);
          for (float g : grad) {
            assertTrue(Float.isFinite(g), what + ": gradient " + Arrays.toString(grad));
            assertEquals(0f, g, 0f, what + ": gradient " + Arrays.toString(grad));
          }
        }
      }
    }
  }

  // ------------------------------------------------------------------ (c) retrieval split

  @Test
  void retrievalAccumulatorEqualsTheEvaluatorFormulas() {
    RetrievalData d = RetrievalData.make();
    List<Metric> metrics =
        REFERENCE_RETRIEVAL.keySet().stream().map(RetrievalMetrics.Metric::parse).toList();
    EmbeddingTask t = new EmbeddingTask(new MultipleNegativesRankingLoss(), metrics, false, true);
    int n = d.queries.length + d.corpus.length;
    long[][] ids = new long[n][];
    for (int i = 0; i < n; i++) {
      ids[i] = new long[] {101, 7 + i % 5, 102};
    }
    RetrievalBatches split = new RetrievalBatches(ids, d.queries.length, d.relevant);
    Task.Accumulator acc = t.accumulator(split);
    List<Integer> order = new ArrayList<>(IntStream.range(0, n).boxed().toList());
    Collections.shuffle(order, new Random(5));
    try (NDManager m = NDManager.newBaseManager()) {
      feedByIndex(m, acc, order, 7, i -> i < d.queries.length ? d.queries[i] : d.corpus[i - 20]);
    }
    Map<String, Double> got = acc.result().metrics();
    assertEquals(List.copyOf(REFERENCE_RETRIEVAL.keySet()), List.copyOf(got.keySet()));
    double worst = 0;
    for (Map.Entry<String, Double> e : REFERENCE_RETRIEVAL.entrySet()) {
      double g = got.get(e.getKey());
      assertEquals(e.getValue(), g, METRICS, e.getKey());
      worst = Math.max(worst, Math.abs(g - e.getValue()));
    }
    System.out.printf("EmbeddingTask retrieval metrics: max abs difference %.3g%n", worst);

    // a vector never fed (here the last document) makes every metric NaN, not a silent zero
    Task.Accumulator partial = t.accumulator(split);
    try (NDManager m = NDManager.newBaseManager()) {
      feedByIndex(
          m,
          partial,
          order.stream().filter(i -> i != n - 1).toList(),
          7,
          i -> i < d.queries.length ? d.queries[i] : d.corpus[i - 20]);
    }
    partial.result().metrics().values().forEach(v -> assertTrue(v.isNaN(), "NaN"));
  }

  // ------------------------------------------------------------------ (d) pairs as retrieval

  /** Unit vectors at angles: queries A 0, B 90, C 180 degrees; documents P1 30, P2 100, ... */
  private static final Map<String, double[]> AT = new LinkedHashMap<>();

  static {
    String[] names = {"A", "B", "C", "P1", "P2", "P3", "N1"};
    double[] degrees = {0, 90, 180, 30, 100, 170, 15};
    for (int i = 0; i < names.length; i++) {
      double r = Math.toRadians(degrees[i]);
      AT.put(names[i], new double[] {Math.cos(r), Math.sin(r)});
    }
  }

  @Test
  void pairsAreScoredWithEachDistinctAnchorAQueryOverTheDistinctPositives() {
    // A has two positives (both relevant), B shares P1 with A (one corpus entry, P1, P2, P3)
    String[][] examples = {{"A", "P1"}, {"A", "P2"}, {"B", "P1"}, {"C", "P3"}};
    // by hand: A ranks P1 (30 deg), P2 (100), P3 (170): relevant at ranks 1 and 2
    //          B ranks P2 (10 deg off), P1 (60), P3 (80): relevant P1 at rank 2
    //          C ranks P3 (10 deg off), ...: relevant at rank 1
    double log3 = Math.log(3) / Math.log(2);
    Map<String, Double> want = new LinkedHashMap<>();
    want.put("ndcg@10", (1 + 1 / log3 + 1) / 3);
    want.put("mrr@10", (1 + 0.5 + 1) / 3);
    want.put("recall@1", (0.5 + 0 + 1) / 3);
    want.put("recall@10", 1.0);
    want.put("map@100", (1 + 0.5 + 1) / 3);
    want.put("precision@2", (1 + 0.5 + 0.5) / 3);
    assertMetrics(want, pairMetrics(examples, want.keySet(), new int[][] {{2, 0}, {3, 1}}));
  }

  @Test
  void tripletsAddTheirNegativesToTheCorpusOnceEach() {
    // corpus P1, N1, P2, P3: N1 is the negative of three examples, P3 the negative of B's example
    // and the positive of C's, P1 the positive of A's and B's
    String[][] examples = {
      {"A", "P1", "N1"}, {"A", "P2", "N1"}, {"B", "P1", "P3"}, {"C", "P3", "N1"}
    };
    // by hand: A ranks N1 (15 deg), P1 (30), P2 (100), P3 (170): relevant at ranks 2 and 3
    //          B ranks P2 (10 deg off), P1 (60), N1 (75), P3 (80): relevant P1 at rank 2
    //          C ranks P3 (10 deg off), P2 (80), P1 (150), N1 (165): relevant at rank 1
    double log3 = Math.log(3) / Math.log(2);
    double ndcgA = (1 / log3 + 1 / 2.0) / (1 + 1 / log3);
    Map<String, Double> want = new LinkedHashMap<>();
    want.put("ndcg@10", (ndcgA + 1 / log3 + 1) / 3);
    want.put("mrr@10", (0.5 + 0.5 + 1) / 3);
    want.put("recall@1", (0 + 0 + 1) / 3.0);
    want.put("recall@10", 1.0);
    want.put("map@100", ((1 / 2.0 + 2 / 3.0) / 2 + 0.5 + 1) / 3);
    want.put("accuracy@1", 1 / 3.0);
    assertMetrics(want, pairMetrics(examples, want.keySet(), new int[][] {{3, 0}, {1, 2}}));
  }

  // ------------------------------------------------------------------ (e) scored pairs

  @Test
  void scoredPairsGiveScipysSpearmanWithTies() {
    Lcg lcg = new Lcg(77);
    int n = 24;
    double[][] a = new double[n][];
    double[][] b = new double[n][];
    float[] y = new float[n];
    for (int i = 0; i < 20; i++) {
      a[i] = lcg.row(5, 1);
      b[i] = lcg.row(5, 1);
      y[i] = (float) (lcg.raw() % 5 / 4.0);
    }
    for (int i = 20; i < n; i++) { // tied cosines and tied scores
      a[i] = a[i - 20];
      b[i] = b[i - 20];
      y[i] = y[i - 20];
    }
    long[][][] ids = new long[2][n][];
    int[][] textIds = new int[2][n];
    for (int c = 0; c < 2; c++) {
      for (int i = 0; i < n; i++) {
        ids[c][i] = new long[] {101, 102};
        textIds[c][i] = c * n + i % 20;
      }
    }
    PairBatches split = new PairBatches(ids, textIds, y);
    EmbeddingTask t = new EmbeddingTask(new CoSentLoss(), RetrievalMetrics.DEFAULTS, true, true);
    Task.Accumulator acc = t.accumulator(split);
    int[] order = {
      5, 21, 0, 13, 7, 22, 9, 1, 18, 3, 11, 23, 2, 16, 4, 20, 8, 14, 6, 19, 10, 17, 12, 15
    };
    try (NDManager m = NDManager.newBaseManager()) {
      for (int start = 0; start < n; start += 5) {
        int[] idx = Arrays.copyOfRange(order, start, Math.min(n, start + 5));
        double[][] rows = new double[2 * idx.length][];
        float[] scores = new float[idx.length];
        for (int i = 0; i < idx.length; i++) {
          rows[i] = a[idx[i]];
          rows[idx.length + i] = b[idx[i]];
          scores[i] = y[idx[i]];
        }
        acc.add(floats(m, rows, DataType.FLOAT32), m.create(scores));
      }
    }
    Map<String, Double> got = acc.result().metrics();
    assertEquals(List.of(EmbeddingTask.SPEARMAN), List.copyOf(got.keySet()));
    double rho = got.get(EmbeddingTask.SPEARMAN);
    assertEquals(SCIPY_SPEARMAN, rho, METRICS);
    System.out.printf(
        "EmbeddingTask spearman %.17g vs scipy %.17g (diff %.3g)%n",
        rho, SCIPY_SPEARMAN, Math.abs(rho - SCIPY_SPEARMAN));

    // one pair has no correlation: NaN
    Task.Accumulator one = t.accumulator(split);
    try (NDManager m = NDManager.newBaseManager()) {
      one.add(floats(m, new double[][] {a[0], b[0]}, DataType.FLOAT32), m.create(new float[] {1}));
    }
    assertTrue(one.result().metrics().get(EmbeddingTask.SPEARMAN).isNaN());
  }

  // ------------------------------------------------------------------ (f) names and headline

  @Test
  void metricNamesHeadlineAndBaseComparison() {
    List<Metric> metrics = List.of(Metric.parse("mrr@10"), Metric.parse("ndcg@5"));
    EmbeddingTask retrieval =
        new EmbeddingTask(new MultipleNegativesRankingLoss(), metrics, false, true);
    assertEquals("embedding", retrieval.name());
    assertEquals(List.of("mrr@10", "ndcg@5"), retrieval.metricNames());
    assertEquals(List.of("mrr@10", "ndcg@5"), retrieval.summaryMetrics());
    assertEquals(new Task.Headline("mrr@10", true), retrieval.headline());
    assertTrue(retrieval.comparesToBase());
    assertTrue(retrieval.higherIsBetter("ndcg@5"));

    EmbeddingTask scored = new EmbeddingTask(new CoSentLoss(), metrics, true, false);
    assertEquals(List.of("spearman"), scored.metricNames());
    assertEquals(new Task.Headline("spearman", true), scored.headline());
    assertFalse(scored.comparesToBase());

    EmbeddingTask defaults =
        new EmbeddingTask(
            new MultipleNegativesRankingLoss(), RetrievalMetrics.DEFAULTS, false, true);
    assertEquals(
        List.of("ndcg@10", "mrr@10", "recall@1", "recall@10", "map@100"), defaults.metricNames());
    assertEquals(new Task.Headline("ndcg@10", true), defaults.headline());

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new EmbeddingTask(new MultipleNegativesRankingLoss(), List.of(), false, true));
    assertEquals("name at least one retrieval metric", e.getMessage());

    // training reports the loss only: the plain accumulator has no metrics
    try (NDManager m = NDManager.newBaseManager()) {
      Task.Accumulator train = retrieval.accumulator();
      train.add(m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2)), m.create(new long[] {0}));
      assertEquals(Map.of(), train.result().metrics());
    }
  }

  // ------------------------------------------------------------------ the reference itself

  @Test
  void theReferenceScriptStillPrintsTheseConstants() throws Exception {
    PythonReference.require("python3-torch python3-scipy", "numpy", "scipy", "torch");
    JsonNode ref = PythonReference.run(SCRIPT, Map.of(), tmp);
    assertEquals(TORCH_MNRL_K2, ref.get("mnrl_k2").asDouble(), 0);
    assertEquals(TORCH_MNRL_K3, ref.get("mnrl_k3").asDouble(), 0);
    assertEquals(TORCH_MNRL_SYMMETRIC_K2, ref.get("mnrl_symmetric_k2").asDouble(), 0);
    assertEquals(TORCH_COSENT, ref.get("cosent").asDouble(), 0);
    assertEquals(SCIPY_SPEARMAN, ref.get("spearman").asDouble(), 0);
    assertEquals(20, ref.get("distinct_cosines").asInt(), "the cosines have ties");
    for (Map.Entry<String, Double> e : REFERENCE_RETRIEVAL.entrySet()) {
      assertEquals(e.getValue(), ref.get("retrieval").get(e.getKey()).asDouble(), 0, e.getKey());
    }
    RetrievalData d = RetrievalData.make();
    for (int q = 0; q < d.relevant.size(); q++) {
      Set<Integer> want = new LinkedHashSet<>();
      ref.get("relevant").get(q).forEach(x -> want.add(x.asInt()));
      assertEquals(want, d.relevant.get(q), "the same data on both sides: query " + q);
    }
  }

  // ------------------------------------------------------------------ helpers

  private static void assertMetrics(Map<String, Double> want, Map<String, Double> got) {
    assertEquals(List.copyOf(want.keySet()), List.copyOf(got.keySet()));
    for (String name : want.keySet()) {
      assertEquals(want.get(name), got.get(name), 1e-14, name);
    }
  }

  private static EmbeddingTask task(EmbeddingLoss loss) {
    return new EmbeddingTask(loss, RetrievalMetrics.DEFAULTS, false, true);
  }

  private static Function<NDManager, NDArray> pairLabels(int b) {
    return m -> m.create(IntStream.range(0, b).asLongStream().toArray());
  }

  /** Runs the task's loss; returns the relative difference from {@code want}. */
  private static double checkLoss(
      EmbeddingTask t,
      double[][] rows,
      Function<NDManager, NDArray> labels,
      DataType type,
      double want,
      double relTol,
      String what) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray loss = t.loss(floats(m, rows, type), labels.apply(m));
      assertEquals(type, loss.getDataType(), what);
      assertEquals(new Shape(), loss.getShape(), what);
      double got = loss.toType(DataType.FLOAT64, false).getDouble();
      double rel = Math.abs(got - want) / Math.abs(want);
      assertTrue(
          rel <= relTol, what + " " + type + ": " + got + " vs " + want + " (rel " + rel + ")");
      return rel;
    }
  }

  private static NDArray floats(NDManager m, double[][] rows, DataType type) {
    int d = rows[0].length;
    double[] flat = new double[rows.length * d];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, flat, i * d, d);
    }
    return m.create(flat, new Shape(rows.length, d)).toType(type, false);
  }

  private static void feedByIndex(
      NDManager m, Task.Accumulator acc, List<Integer> order, int batch, IntVector vectors) {
    for (int start = 0; start < order.size(); start += batch) {
      List<Integer> idx = order.subList(start, Math.min(order.size(), start + batch));
      double[][] rows = idx.stream().map(vectors::at).toArray(double[][]::new);
      long[] labels = idx.stream().mapToLong(Integer::longValue).toArray();
      acc.add(floats(m, rows, DataType.FLOAT32), m.create(labels));
    }
  }

  @FunctionalInterface
  private interface IntVector {
    double[] at(int i);
  }

  /**
   * The pair-retrieval metrics of examples given by name ({@link #AT}), fed in the given batches
   * (example indexes): per batch, the anchors, then the positives, then the negatives.
   */
  private static Map<String, Double> pairMetrics(
      String[][] examples, Set<String> metricNames, int[][] batches) {
    int k = examples[0].length;
    int n = examples.length;
    Map<String, Integer> textIds = new LinkedHashMap<>();
    long[][][] ids = new long[k][n][];
    int[][] tid = new int[k][n];
    for (int c = 0; c < k; c++) {
      for (int i = 0; i < n; i++) {
        ids[c][i] = new long[] {101, 102};
        tid[c][i] = textIds.computeIfAbsent(examples[i][c], x -> textIds.size());
      }
    }
    PairBatches split = new PairBatches(ids, tid, null);
    List<Metric> metrics = metricNames.stream().map(Metric::parse).toList();
    Task.Accumulator acc =
        new EmbeddingTask(new MultipleNegativesRankingLoss(), metrics, false, true)
            .accumulator(split);
    try (NDManager m = NDManager.newBaseManager()) {
      for (int[] batch : batches) {
        double[][] rows = new double[k * batch.length][];
        for (int c = 0; c < k; c++) {
          for (int i = 0; i < batch.length; i++) {
            rows[c * batch.length + i] = AT.get(examples[batch[i]][c]);
          }
        }
        long[] labels = Arrays.stream(batch).asLongStream().toArray();
        acc.add(floats(m, rows, DataType.FLOAT32), m.create(labels));
      }
    }
    return acc.result().metrics();
  }

  /** MultipleNegativesRankingLoss of {@code rows} = [anchors; positives; negatives...], by hand. */
  static double handMnrl(double[][] rows, int b, boolean symmetric) {
    int candidates = rows.length - b;
    double forward = 0;
    for (int i = 0; i < b; i++) {
      double[] logits = new double[candidates];
      for (int j = 0; j < candidates; j++) {
        logits[j] = 20 * cosine(rows[i], rows[b + j]);
      }
      forward += logSumExp(logits) - logits[i];
    }
    forward /= b;
    if (!symmetric) {
      return forward;
    }
    double backward = 0;
    for (int j = 0; j < b; j++) { // positive j picks its anchor among the anchors
      double[] logits = new double[b];
      for (int i = 0; i < b; i++) {
        logits[i] = 20 * cosine(rows[b + j], rows[i]);
      }
      backward += logSumExp(logits) - logits[j];
    }
    return (forward + backward / b) / 2;
  }

  /** CoSENT: log(1 + sum over y_i < y_j of exp(s_i - s_j)), s = 20 cos(u, v), by hand. */
  static double handCosent(double[][] rows, int b, float[] y) {
    double[] s = new double[b];
    for (int i = 0; i < b; i++) {
      s[i] = 20 * cosine(rows[i], rows[b + i]);
    }
    List<Double> terms = new ArrayList<>(List.of(0.0));
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < b; j++) {
        if (y[i] < y[j]) {
          terms.add(s[i] - s[j]);
        }
      }
    }
    return logSumExp(terms.stream().mapToDouble(Double::doubleValue).toArray());
  }

  private static double logSumExp(double[] x) {
    double max = Arrays.stream(x).max().orElseThrow();
    double sum = 0;
    for (double v : x) {
      sum += Math.exp(v - max);
    }
    return max + Math.log(sum);
  }

  private static double cosine(double[] a, double[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return dot / (Math.sqrt(na) * Math.sqrt(nb));
  }

  /** 20 queries and 60 documents as embedding_task_reference.py's retrieval_data makes them. */
  private record RetrievalData(double[][] queries, double[][] corpus, List<Set<Integer>> relevant) {
    static RetrievalData make() {
      Lcg lcg = new Lcg(2112);
      int dim = 8;
      double[][] corpus = new double[60][];
      for (int c = 0; c < 50; c++) {
        corpus[c] = lcg.row(dim, 1);
      }
      for (int c = 50; c < 60; c++) {
        corpus[c] = corpus[c - 50].clone(); // exact ties: the lower index ranks first
      }
      double[][] queries = new double[20][];
      List<Set<Integer>> relevant = new ArrayList<>();
      for (int q = 0; q < 20; q++) {
        long n = 1 + lcg.raw() % 3;
        Set<Integer> rel = new LinkedHashSet<>();
        while (rel.size() < n) {
          rel.add((int) (lcg.raw() % 60));
        }
        relevant.add(rel);
        double[] v = lcg.row(dim, 1);
        for (int doc : rel) {
          for (int j = 0; j < dim; j++) {
            v[j] += corpus[doc][j];
          }
        }
        queries[q] = v;
      }
      return new RetrievalData(queries, corpus, relevant);
    }
  }

  /**
   * The generator both sides implement: state = state * 6364136223846793005 + 1442695040888963407
   * (mod 2^64), raw = state >>> 33, small = raw % 21 - 10.
   */
  static final class Lcg {
    private long state;

    Lcg(long seed) {
      state = seed;
    }

    long raw() {
      state = state * 6364136223846793005L + 1442695040888963407L;
      return state >>> 33;
    }

    int small() {
      return (int) (raw() % 21) - 10;
    }

    double[] row(int dim, double divisor) {
      double[] out = new double[dim];
      for (int j = 0; j < dim; j++) {
        out[j] = small() / divisor;
      }
      return out;
    }

    static double[][] matrix(long seed, int rows, int dim, double divisor) {
      Lcg lcg = new Lcg(seed);
      double[][] out = new double[rows][];
      for (int i = 0; i < rows; i++) {
        out[i] = lcg.row(dim, divisor);
      }
      return out;
    }
  }
}
