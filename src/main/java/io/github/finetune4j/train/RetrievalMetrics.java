package io.github.finetune4j.train;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Information-retrieval metrics with binary relevance, as sentence-transformers' {@code
 * InformationRetrievalEvaluator} computes them (definitions in {@code docs/decisions.md},
 * "Embedding losses and retrieval metrics"), and the exact cosine search that ranks a corpus for
 * them. Pure Java, in double precision.
 *
 * <p>For one query, with {@code ranked} the corpus indexes in ranked order (best first), {@code R}
 * its set of relevant documents and {@code rel_r = 1} when the document at rank {@code r} (1-based)
 * is in {@code R}:
 *
 * <ul>
 *   <li>{@code ndcg@k = sum_{r <= k} rel_r / log2(r + 1)} divided by the same sum for an ideal
 *       ranking, {@code sum_{r <= min(|R|, k)} 1 / log2(r + 1)};
 *   <li>{@code mrr@k = 1 / r} for the first relevant document at a rank {@code r <= k}, else 0;
 *   <li>{@code recall@k} = the relevant documents in the top k, divided by {@code |R|};
 *   <li>{@code precision@k} = the relevant documents in the top k, divided by {@code k};
 *   <li>{@code map@k} (average precision) = {@code sum_{r <= k, rel_r = 1} precision@r}, divided by
 *       {@code min(k, |R|)};
 *   <li>{@code accuracy@k} = 1 when a relevant document is in the top k, else 0.
 * </ul>
 *
 * {@link #evaluate} reports each as the mean over the queries. Every query must have at least one
 * relevant document (sentence-transformers leaves such queries out silently; here that is the
 * caller's bad input).
 */
public final class RetrievalMetrics {

  /** The metrics reported by default: ndcg@10, mrr@10, recall@1, recall@10, map@100. */
  public static final List<Metric> DEFAULTS =
      List.of(
          new Metric(Kind.NDCG, 10),
          new Metric(Kind.MRR, 10),
          new Metric(Kind.RECALL, 1),
          new Metric(Kind.RECALL, 10),
          new Metric(Kind.MAP, 100));

  private static final double EPS = 1e-12;

  private RetrievalMetrics() {}

  /** A kind of retrieval metric. */
  public enum Kind {
    /** Normalized discounted cumulative gain. */
    NDCG,
    /** Mean reciprocal rank. */
    MRR,
    /** Fraction of the relevant documents found. */
    RECALL,
    /** Fraction of the top k that is relevant. */
    PRECISION,
    /** Mean average precision. */
    MAP,
    /** Fraction of queries with a relevant document in the top k. */
    ACCURACY;

    /**
     * The kind's name in a metric name.
     *
     * @return e.g. {@code ndcg}
     */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A metric at a cutoff.
   *
   * @param kind the kind
   * @param k the cutoff, at least 1
   */
  public record Metric(Kind kind, int k) {

    /**
     * Checks the cutoff.
     *
     * @throws IllegalArgumentException for {@code k < 1}
     */
    public Metric {
      if (kind == null) {
        throw new IllegalArgumentException("a retrieval metric needs a kind");
      }
      if (k < 1) {
        throw new IllegalArgumentException(
            "the cutoff of " + kind.label() + "@k must be at least 1, got " + k);
      }
    }

    /**
     * The metric's name, as {@code summary.json} would show it.
     *
     * @return e.g. {@code ndcg@10}
     */
    public String name() {
      return kind.label() + "@" + k;
    }

    /**
     * Reads a metric name.
     *
     * @param name e.g. {@code ndcg@10}, {@code recall@1} (case-insensitive)
     * @return the metric
     * @throws IllegalArgumentException for a name that is not {@code KIND@K}
     */
    public static Metric parse(String name) {
      int at = name == null ? -1 : name.indexOf('@');
      String kinds = "ndcg, mrr, recall, precision, map, accuracy";
      if (at < 0) {
        throw new IllegalArgumentException(
            "a retrieval metric is KIND@K with KIND one of " + kinds + ", got " + name);
      }
      Kind kind;
      try {
        kind = Kind.valueOf(name.substring(0, at).trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown retrieval metric " + name + " (KIND is one of " + kinds + ")");
      }
      int k;
      try {
        k = Integer.parseInt(name.substring(at + 1).trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "the cutoff of " + name + " must be a whole number, e.g. " + kind.label() + "@10");
      }
      return new Metric(kind, k);
    }
  }

  /**
   * One query's value of a metric.
   *
   * @param metric the metric
   * @param ranked the corpus indexes in ranked order, best first (at least the top k of them; a
   *     shorter list counts as one whose missing ranks hold no relevant document)
   * @param relevant the query's relevant corpus indexes, not empty
   * @return the value, in [0, 1]
   */
  public static double score(Metric metric, int[] ranked, Set<Integer> relevant) {
    if (relevant.isEmpty()) {
      throw new IllegalArgumentException("a query needs at least one relevant document");
    }
    int k = metric.k();
    int n = Math.min(k, ranked.length);
    switch (metric.kind()) {
      case NDCG:
        {
          double dcg = 0;
          for (int r = 0; r < n; r++) {
            if (relevant.contains(ranked[r])) {
              dcg += 1 / log2(r + 2);
            }
          }
          double ideal = 0;
          for (int r = 0; r < Math.min(k, relevant.size()); r++) {
            ideal += 1 / log2(r + 2);
          }
          return dcg / ideal;
        }
      case MRR:
        for (int r = 0; r < n; r++) {
          if (relevant.contains(ranked[r])) {
            return 1.0 / (r + 1);
          }
        }
        return 0;
      case RECALL:
        return (double) hits(ranked, n, relevant) / relevant.size();
      case PRECISION:
        return (double) hits(ranked, n, relevant) / k;
      case MAP:
        {
          int found = 0;
          double sum = 0;
          for (int r = 0; r < n; r++) {
            if (relevant.contains(ranked[r])) {
              found++;
              sum += (double) found / (r + 1);
            }
          }
          return sum / Math.min(k, relevant.size());
        }
      case ACCURACY:
        return hits(ranked, n, relevant) > 0 ? 1 : 0;
      default:
        throw new AssertionError(metric);
    }
  }

  /**
   * The metrics averaged over the queries.
   *
   * @param ranked per query, the corpus indexes in ranked order, best first, without repeats
   * @param relevant per query, its relevant corpus indexes (not empty)
   * @param metrics the metrics to compute
   * @return by {@link Metric#name()}, in the order of {@code metrics}
   * @throws IllegalArgumentException for no queries, lists of different lengths, a query without a
   *     relevant document, or a ranking that repeats a document
   */
  public static Map<String, Double> evaluate(
      List<int[]> ranked, List<? extends Set<Integer>> relevant, Collection<Metric> metrics) {
    if (ranked.size() != relevant.size()) {
      throw new IllegalArgumentException(
          ranked.size() + " rankings but " + relevant.size() + " sets of relevant documents");
    }
    if (ranked.isEmpty()) {
      throw new IllegalArgumentException("no queries to evaluate");
    }
    for (int q = 0; q < ranked.size(); q++) {
      if (relevant.get(q) == null || relevant.get(q).isEmpty()) {
        throw new IllegalArgumentException("query " + q + " has no relevant document");
      }
      Set<Integer> seen = new HashSet<>();
      for (int doc : ranked.get(q)) {
        if (!seen.add(doc)) {
          throw new IllegalArgumentException(
              "the ranking of query " + q + " lists document " + doc + " twice");
        }
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (Metric m : metrics) {
      double sum = 0;
      for (int q = 0; q < ranked.size(); q++) {
        sum += score(m, ranked.get(q), relevant.get(q));
      }
      out.put(m.name(), sum / ranked.size());
    }
    return out;
  }

  /**
   * The largest cutoff of some metrics: how deep {@link #topK} must rank.
   *
   * @param metrics the metrics
   * @return the largest k (1 for none)
   */
  public static int maxK(Collection<Metric> metrics) {
    int k = 1;
    for (Metric m : metrics) {
      k = Math.max(k, m.k());
    }
    return k;
  }

  /**
   * Exact search by cosine similarity: for each query, the indexes of its {@code k} most similar
   * corpus rows, best first. The cosine is {@code q . c / (max(|q|, 1e-12) max(|c|, 1e-12))} in
   * double precision (a zero vector has cosine 0 with everything, as after {@code
   * torch.nn.functional.normalize}). Ties are broken by the lower corpus index first, so the result
   * is deterministic. Cost: {@code O(Q * C * D)} multiply-adds plus {@code O(Q * C * log k)} for
   * the selection, {@code O(C + Q * k)} memory (the score matrix is never held).
   *
   * @param queries {@code [Q][D]}
   * @param corpus {@code [C][D]}
   * @param k how many to keep per query, at least 1 (fewer when the corpus is smaller)
   * @return {@code [Q][min(k, C)]} corpus indexes
   * @throws IllegalArgumentException for rows of different dimensions, non-finite values, or {@code
   *     k < 1}
   */
  public static int[][] topK(float[][] queries, float[][] corpus, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, got " + k);
    }
    int dim = corpus.length > 0 ? corpus[0].length : queries.length > 0 ? queries[0].length : 0;
    double[] corpusNorm = new double[corpus.length];
    for (int c = 0; c < corpus.length; c++) {
      corpusNorm[c] = Math.max(norm("corpus", c, corpus[c], dim), EPS);
    }
    int[][] out = new int[queries.length][];
    double[] scores = new double[corpus.length];
    for (int q = 0; q < queries.length; q++) {
      float[] x = queries[q];
      double qNorm = Math.max(norm("query", q, x, dim), EPS);
      for (int c = 0; c < corpus.length; c++) {
        float[] y = corpus[c];
        double dot = 0;
        for (int j = 0; j < dim; j++) {
          dot += (double) x[j] * y[j];
        }
        scores[c] = dot / (qNorm * corpusNorm[c]);
      }
      out[q] = top(scores, k);
    }
    return out;
  }

  /**
   * The top {@code k} of each row of a score matrix, best first, ties broken by the lower column
   * first. Cost {@code O(Q * C * log k)}.
   *
   * @param scores {@code [Q][C]}, higher is better, no NaN
   * @param k how many to keep per row, at least 1
   * @return {@code [Q][min(k, C)]} column indexes
   */
  public static int[][] topK(double[][] scores, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, got " + k);
    }
    int[][] out = new int[scores.length][];
    for (int q = 0; q < scores.length; q++) {
      for (int c = 0; c < scores[q].length; c++) {
        if (Double.isNaN(scores[q][c])) {
          throw new IllegalArgumentException("score [" + q + "][" + c + "] is NaN");
        }
      }
      out[q] = top(scores[q], k);
    }
    return out;
  }

  /** The top k of one row: a bounded heap whose head is the worst kept (lowest, then latest). */
  private static int[] top(double[] scores, int k) {
    int n = Math.min(k, scores.length);
    PriorityQueue<Integer> kept =
        new PriorityQueue<>(
            Math.max(1, n),
            (a, b) -> {
              int byScore = Double.compare(scores[a], scores[b]);
              return byScore != 0 ? byScore : Integer.compare(b, a);
            });
    for (int c = 0; c < scores.length; c++) {
      if (kept.size() < n) {
        kept.add(c);
      } else if (scores[c] > scores[kept.peek()]) {
        // an equal score never displaces: it comes later, so it has the higher index
        kept.poll();
        kept.add(c);
      }
    }
    int[] out = new int[kept.size()];
    for (int i = out.length - 1; i >= 0; i--) {
      out[i] = kept.poll();
    }
    return out;
  }

  private static double norm(String what, int row, float[] v, int dim) {
    if (v.length != dim) {
      throw new IllegalArgumentException(
          "the " + what + " embedding " + row + " has " + v.length + " values, not " + dim);
    }
    double s = 0;
    for (float f : v) {
      if (!Float.isFinite(f)) {
        throw new IllegalArgumentException(
            "the " + what + " embedding " + row + " has a non-finite value " + f);
      }
      s += (double) f * f;
    }
    return Math.sqrt(s);
  }

  private static int hits(int[] ranked, int n, Set<Integer> relevant) {
    int hits = 0;
    for (int r = 0; r < n; r++) {
      if (relevant.contains(ranked[r])) {
        hits++;
      }
    }
    return hits;
  }

  private static double log2(int x) {
    return Math.log(x) / Math.log(2);
  }

  /**
   * The relevant sets as a list, a convenience for callers holding arrays.
   *
   * @param relevant per query, its relevant corpus indexes
   * @return per query, a set
   */
  public static List<Set<Integer>> sets(int[][] relevant) {
    List<Set<Integer>> out = new ArrayList<>(relevant.length);
    for (int[] r : relevant) {
      Set<Integer> s = new HashSet<>();
      for (int d : r) {
        s.add(d);
      }
      out.add(s);
    }
    return out;
  }
}
