package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.finetune4j.train.RetrievalMetrics.Kind;
import io.github.finetune4j.train.RetrievalMetrics.Metric;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RetrievalMetrics} and {@link Spearman} against scikit-learn, scipy and numpy ({@code
 * src/test/python/retrieval_metrics_reference.py}) on seeded random data: NDCG@k against {@code
 * sklearn.metrics.ndcg_score}, MAP over the whole ranking against {@code
 * label_ranking_average_precision_score}, the other metrics against numpy written from
 * sentence-transformers' definitions, the exact cosine top-k (with exact ties from duplicated
 * corpus rows) against numpy's stable sort, and Spearman against {@code scipy.stats.spearmanr}.
 * Needs python3 with numpy, scipy and scikit-learn ({@code python3-sklearn}).
 */
class RetrievalMetricsPythonTest {

  static final Path SCRIPT = Path.of("src/test/python/retrieval_metrics_reference.py");
  static final int[] KS = {1, 3, 5, 10, 40};

  @TempDir Path tmp;

  @Test
  void metricsTopKAndSpearmanEqualThePythonLibraries() throws Exception {
    PythonReference.require("python3-sklearn python3-scipy", "numpy", "scipy", "sklearn");
    Random r = new Random(2112);
    int queries = 25;
    int docs = 40;
    double[][] scores = new double[queries][docs];
    List<Set<Integer>> relevant = new ArrayList<>();
    List<int[]> relevantLists = new ArrayList<>();
    for (int q = 0; q < queries; q++) {
      for (int c = 0; c < docs; c++) {
        scores[q][c] = r.nextDouble(); // distinct: 53 random bits each
      }
      int n = 1 + r.nextInt(5);
      Set<Integer> set = new TreeSet<>();
      while (set.size() < n) {
        set.add(r.nextInt(docs));
      }
      relevant.add(set);
      relevantLists.add(set.stream().mapToInt(Integer::intValue).toArray());
    }
    int dim = 8;
    float[][] qv = new float[12][dim];
    float[][] cv = new float[30][dim];
    for (float[][] m : List.of(qv, cv)) {
      for (float[] row : m) {
        for (int j = 0; j < dim; j++) {
          row[j] = (float) r.nextGaussian();
        }
      }
    }
    for (int c = 20; c < 30; c++) {
      cv[c] = cv[c - 20].clone(); // exact ties: the lower index must come first
    }
    cv[25] = qv[3].clone(); // query 3's best match lies among the duplicates' range
    cv[7] = qv[3].clone(); // ... and ties with index 7
    double[] x = new double[60];
    double[] y = new double[60];
    for (int i = 0; i < x.length; i++) {
      x[i] = Math.round(r.nextGaussian() * 4) / 4.0; // coarse: ties
      y[i] = Math.round((x[i] + r.nextGaussian()) * 2) / 2.0;
    }
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("scores", scores);
    input.put("relevant", relevantLists);
    input.put("ks", KS);
    input.put("queries", qv);
    input.put("corpus", cv);
    input.put("topk", 10);
    input.put("x", x);
    input.put("y", y);
    JsonNode ref = PythonReference.run(SCRIPT, input, tmp);

    List<int[]> ranked = List.of(RetrievalMetrics.topK(scores, docs));
    for (int[] row : ranked) {
      assertEquals(docs, row.length);
    }
    List<Metric> metrics = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      for (int k : KS) {
        metrics.add(new Metric(kind, k));
      }
    }
    Map<String, Double> ours = RetrievalMetrics.evaluate(ranked, relevant, metrics);
    double worstSklearn = 0;
    double worstNumpy = 0;
    for (int k : KS) {
      double want = ref.get("ndcg").get(String.valueOf(k)).asDouble();
      double got = ours.get("ndcg@" + k);
      assertEquals(want, got, 1e-12, "ndcg@" + k + " vs sklearn.metrics.ndcg_score");
      worstSklearn = Math.max(worstSklearn, Math.abs(want - got));
    }
    double lrap = ref.get("lrap").asDouble();
    assertEquals(lrap, ours.get("map@40"), 1e-12, "map@40 vs label_ranking_average_precision");
    worstSklearn = Math.max(worstSklearn, Math.abs(lrap - ours.get("map@40")));
    for (var it = ref.get("numpy").fields(); it.hasNext(); ) {
      var e = it.next();
      double got = ours.get(e.getKey());
      assertEquals(e.getValue().asDouble(), got, 1e-12, e.getKey() + " vs numpy");
      worstNumpy = Math.max(worstNumpy, Math.abs(e.getValue().asDouble() - got));
    }
    // the metrics are not all 0 or 1 (a weak comparison otherwise)
    assertTrue(ours.get("ndcg@10") > 0.05 && ours.get("ndcg@10") < 0.95, ours.toString());

    int[][] top = RetrievalMetrics.topK(qv, cv, 10);
    for (int q = 0; q < qv.length; q++) {
      int[] want = new int[10];
      for (int i = 0; i < 10; i++) {
        want[i] = ref.get("topk").get(q).get(i).asInt();
      }
      assertArrayEquals(want, top[q], "query " + q);
    }
    assertEquals(7, top[3][0]); // tied with 25 at cosine 1: the lower index first
    assertEquals(25, top[3][1]);

    double rho = Spearman.correlation(x, y);
    double want = ref.get("spearman").asDouble();
    assertEquals(want, rho, 1e-12, "spearman vs scipy.stats.spearmanr");
    System.out.printf(
        "retrieval metrics: max abs diff vs sklearn %.3g, vs numpy %.3g; spearman %.6f vs scipy"
            + " %.6f (diff %.3g)%n",
        worstSklearn, worstNumpy, rho, want, Math.abs(rho - want));
  }
}
