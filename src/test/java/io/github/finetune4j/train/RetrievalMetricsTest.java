package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.train.RetrievalMetrics.Kind;
import io.github.finetune4j.train.RetrievalMetrics.Metric;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link RetrievalMetrics} and {@link Spearman} on examples worked out by hand (the arithmetic is
 * in the comments); {@link RetrievalMetricsPythonTest} compares them with scikit-learn and scipy.
 */
class RetrievalMetricsTest {

  // query A ranks 3, 1, 7, 0, 5, 2; its relevant documents are 1, 5 and 8 (8 is not retrieved):
  // hits at ranks 2 and 5.
  private static final int[] RANKED_A = {3, 1, 7, 0, 5, 2};
  private static final Set<Integer> RELEVANT_A = Set.of(1, 5, 8);
  // query B ranks 4, 2, 9; its one relevant document, 4, is first.
  private static final int[] RANKED_B = {4, 2, 9};
  private static final Set<Integer> RELEVANT_B = Set.of(4);

  private static double a(String metric) {
    return RetrievalMetrics.score(Metric.parse(metric), RANKED_A, RELEVANT_A);
  }

  @Test
  void oneQueryByHand() {
    // DCG@10 = 1/log2(3) + 1/log2(6) = 0.6309297535714575 + 0.38685280723454163 = 1.0177825608...
    // IDCG@10 = 1/log2(2) + 1/log2(3) + 1/log2(4) = 1 + 0.6309297535714575 + 0.5 = 2.1309297535...
    // NDCG@10 = 1.0177825608059992 / 2.1309297535714578 = 0.4776237035032179
    assertEquals(0.4776237035032179, a("ndcg@10"), 1e-15);
    // NDCG@3: only the hit at rank 2 counts, the ideal is the same three ones: 0.6309.../2.1309...
    assertEquals(0.2960819109658652, a("ndcg@3"), 1e-15);
    // NDCG@1: no hit at rank 1
    assertEquals(0.0, a("ndcg@1"));
    // MRR: first hit at rank 2 -> 1/2; not within the top 1 -> 0
    assertEquals(0.5, a("mrr@10"));
    assertEquals(0.0, a("mrr@1"));
    // Recall@k: hits in the top k over |R| = 3: top 1 none, top 2 one, top 10 two (8 never found)
    assertEquals(0.0, a("recall@1"));
    assertEquals(1.0 / 3, a("recall@2"), 1e-15);
    assertEquals(2.0 / 3, a("recall@10"), 1e-15);
    // Precision@k: hits over k: 2/5 at 5, 2/10 at 10 (the ranking is shorter than 10)
    assertEquals(0.4, a("precision@5"), 1e-15);
    assertEquals(0.2, a("precision@10"), 1e-15);
    // MAP@100: (precision@2 + precision@5) / min(100, 3) = (1/2 + 2/5) / 3 = 0.3
    assertEquals(0.3, a("map@100"), 1e-15);
    // MAP@2: precision@2 / min(2, 3) = 0.5 / 2 = 0.25
    assertEquals(0.25, a("map@2"), 1e-15);
    // Accuracy@k: any hit in the top k
    assertEquals(0.0, a("accuracy@1"));
    assertEquals(1.0, a("accuracy@2"));
  }

  @Test
  void theDefaultsAveragedOverTwoQueries() {
    // query B is perfect: every metric is 1 for it
    Map<String, Double> m =
        RetrievalMetrics.evaluate(
            List.of(RANKED_A, RANKED_B),
            List.of(RELEVANT_A, RELEVANT_B),
            RetrievalMetrics.DEFAULTS);
    assertEquals(
        List.of("ndcg@10", "mrr@10", "recall@1", "recall@10", "map@100"), List.copyOf(m.keySet()));
    assertEquals((0.4776237035032179 + 1) / 2, m.get("ndcg@10"), 1e-15); // 0.7388118517516089
    assertEquals((0.5 + 1) / 2, m.get("mrr@10"), 1e-15);
    assertEquals((0.0 + 1) / 2, m.get("recall@1"), 1e-15);
    assertEquals((2.0 / 3 + 1) / 2, m.get("recall@10"), 1e-15);
    assertEquals((0.3 + 1) / 2, m.get("map@100"), 1e-15);
    assertEquals(100, RetrievalMetrics.maxK(RetrievalMetrics.DEFAULTS));
  }

  @Test
  void exactCosineSearchBreaksTiesByTheLowerIndex() {
    float[][] corpus = {
      {1, 0}, // 0: cos 1 with the query
      {0, 1}, // 1: cos 0
      {2, 0}, // 2: cos 1 as well (another length, same direction): a tie with 0
      {-1, 0}, // 3: cos -1
      {1, 1}, // 4: cos 1/sqrt(2)
      {0, 0}, // 5: a zero vector: cos 0, a tie with 1
    };
    float[][] queries = {{3, 0}, {0, 0}};
    int[][] top = RetrievalMetrics.topK(queries, corpus, 5);
    // 0 and 2 tie at 1 (0 first), then 4, then 1 and 5 tie at 0 (1 first); 3 is last, cut
    assertArrayEquals(new int[] {0, 2, 4, 1, 5}, top[0]);
    // a zero query ties with everything: the corpus order
    assertArrayEquals(new int[] {0, 1, 2, 3, 4}, top[1]);
    // k above the corpus size gives the whole corpus
    assertEquals(6, RetrievalMetrics.topK(queries, corpus, 100)[0].length);
    // the score-matrix form, same rule
    assertArrayEquals(
        new int[] {2, 0, 3}, RetrievalMetrics.topK(new double[][] {{0.5, 0.1, 0.9, 0.5}}, 3)[0]);
  }

  @Test
  void badInputIsRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RetrievalMetrics.evaluate(
                    List.of(RANKED_A, RANKED_B),
                    List.of(RELEVANT_A, Set.of()),
                    RetrievalMetrics.DEFAULTS));
    assertEquals("query 1 has no relevant document", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RetrievalMetrics.evaluate(
                    List.of(new int[] {1, 2, 1}), List.of(Set.of(1)), RetrievalMetrics.DEFAULTS));
    assertEquals("the ranking of query 0 lists document 1 twice", e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> RetrievalMetrics.evaluate(List.of(RANKED_A), List.of(), RetrievalMetrics.DEFAULTS));
    assertThrows(
        IllegalArgumentException.class,
        () -> RetrievalMetrics.evaluate(List.of(), List.of(), RetrievalMetrics.DEFAULTS));
    e = assertThrows(IllegalArgumentException.class, () -> Metric.parse("ndcg@0"));
    assertEquals("the cutoff of ndcg@k must be at least 1, got 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Metric.parse("hits@10"));
    assertTrue(e.getMessage().startsWith("unknown retrieval metric hits@10"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Metric.parse("ndcg"));
    assertThrows(IllegalArgumentException.class, () -> Metric.parse("ndcg@ten"));
    assertEquals(new Metric(Kind.RECALL, 1), Metric.parse("Recall@1"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RetrievalMetrics.topK(new float[][] {{1, 0}}, new float[][] {{1, 0, 0}}, 1));
    assertEquals("the query embedding 0 has 2 values, not 3", e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> RetrievalMetrics.topK(new float[][] {{Float.NaN, 0}}, new float[][] {{1, 0}}, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> RetrievalMetrics.topK(new float[][] {{1, 0}}, new float[][] {{1, 0}}, 0));
  }

  @Test
  void spearmanByHand() {
    IllegalArgumentException e;
    // x = 1, 2, 2, 3 has ranks 1, 2.5, 2.5, 4 (the tie shares ranks 2 and 3); y ranks 1, 3, 2, 4.
    // Both rank means are 2.5: dx = -1.5, 0, 0, 1.5; dy = -1.5, 0.5, -0.5, 1.5.
    // sum dx dy = 2.25 + 0 + 0 + 2.25 = 4.5; sum dx^2 = 4.5; sum dy^2 = 5.
    // rho = 4.5 / sqrt(4.5 * 5) = 0.9486832980505138
    double[] x = {1, 2, 2, 3};
    double[] y = {10, 30, 20, 40};
    assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, Spearman.ranks(x));
    assertEquals(0.9486832980505138, Spearman.correlation(x, y), 1e-15);
    // a monotone map does not change it; reversing one sample flips the sign
    assertEquals(1.0, Spearman.correlation(y, new double[] {1, 9, 4, 16}), 1e-15);
    assertEquals(-1.0, Spearman.correlation(y, new double[] {4, 2, 3, 1}), 1e-15);
    // a constant sample has no ranking: NaN, as scipy
    assertTrue(Double.isNaN(Spearman.correlation(x, new double[] {5, 5, 5, 5})));
    e = assertThrows(IllegalArgumentException.class, () -> Spearman.correlation(x, new double[3]));
    assertEquals("Spearman needs paired samples, got 4 and 3 values", e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> Spearman.correlation(new double[1], new double[1]));
    assertThrows(
        IllegalArgumentException.class,
        () -> Spearman.correlation(new double[] {1, Double.NaN}, new double[] {1, 2}));
  }
}
