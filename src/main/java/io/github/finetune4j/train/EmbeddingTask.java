package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Training an embedding model (a bi-encoder): the model's outputs are one pooled vector per text, a
 * batch of {@code B} examples of {@code k} texts each gives {@code k * B} of them (see {@link
 * PairBatches}), and the loss is an {@link EmbeddingLoss} on those columns. Evaluation goes by the
 * split: an information-retrieval split ({@link RetrievalBatches}) and pairs are scored by
 * retrieval metrics (for pairs, each distinct anchor is a query over the split's distinct positives
 * and negatives, its relevant documents its positives), scored pairs by the Spearman correlation of
 * the cosine similarity with the score. The untouched model is evaluated too ({@link
 * #comparesToBase()}), since tuning can make an embedding model worse.
 */
public final class EmbeddingTask implements Task {

  /** The metric of scored pairs. */
  public static final String SPEARMAN = "spearman";

  private final EmbeddingLoss loss;
  private final List<RetrievalMetrics.Metric> metrics;
  private final boolean scoredEvaluation;
  private final boolean compareBase;

  /**
   * Creates the task.
   *
   * @param loss the loss
   * @param metrics the retrieval metrics; the first is the headline (unless {@code
   *     scoredEvaluation})
   * @param scoredEvaluation whether the validation split is scored pairs: then Spearman is the
   *     headline
   * @param compareBase whether the untouched model is evaluated too
   */
  public EmbeddingTask(
      EmbeddingLoss loss,
      List<RetrievalMetrics.Metric> metrics,
      boolean scoredEvaluation,
      boolean compareBase) {
    if (metrics.isEmpty()) {
      throw new IllegalArgumentException("name at least one retrieval metric");
    }
    this.loss = loss;
    this.metrics = List.copyOf(metrics);
    this.scoredEvaluation = scoredEvaluation;
    this.compareBase = compareBase;
  }

  /**
   * The loss.
   *
   * @return it
   */
  public EmbeddingLoss embeddingLoss() {
    return loss;
  }

  @Override
  public String name() {
    return "embedding";
  }

  /**
   * Splits the {@code k * B} vectors into {@code k} columns of {@code B} and applies the loss. A
   * batch of one pair has no in-batch negative: its loss is 0 (as sentence-transformers computes
   * it), kept in the graph so that the step runs as any other.
   */
  @Override
  public NDArray loss(NDArray outputs, NDArray targets) {
    int b = (int) targets.getShape().get(0);
    long rows = outputs.getShape().get(0);
    if (b < 1 || rows % b != 0) {
      throw new IllegalArgumentException(
          rows + " vectors do not split into columns of " + b + " examples");
    }
    int k = (int) (rows / b);
    if (loss.dataShape() == EmbeddingLoss.DataShape.PAIRS && b < 2) {
      return outputs.sum().mul(outputs.getManager().zeros(new Shape(), outputs.getDataType()));
    }
    NDList columns = outputs.split(k);
    NDArray labels =
        loss.dataShape() == EmbeddingLoss.DataShape.PAIRS
            ? null
            : targets.toType(outputs.getDataType(), false);
    return loss.loss(columns, labels);
  }

  /** Training reports the loss only. */
  @Override
  public Accumulator accumulator() {
    return new Accumulator() {
      @Override
      public void add(NDArray outputs, NDArray targets) {}

      @Override
      public Evaluation result() {
        return new Evaluation(Map.of(), List.of(), null);
      }

      @Override
      public double[] snapshot() {
        return new double[0];
      }

      @Override
      public void restore(double[] state) {}
    };
  }

  @Override
  public Accumulator accumulator(Batches split) {
    if (split instanceof RetrievalBatches r) {
      return new Retrieval(r.queryCount(), r.size(), r.relevant());
    }
    if (split instanceof PairBatches p && p.scored()) {
      return new ScoredPairs();
    }
    if (split instanceof PairBatches p) {
      return new PairRetrieval(p);
    }
    return accumulator();
  }

  @Override
  public boolean comparesToBase() {
    return compareBase;
  }

  @Override
  public List<String> metricNames() {
    if (scoredEvaluation) {
      return List.of(SPEARMAN);
    }
    return metrics.stream().map(RetrievalMetrics.Metric::name).toList();
  }

  @Override
  public List<String> summaryMetrics() {
    return metricNames();
  }

  @Override
  public Headline headline() {
    return new Headline(metricNames().get(0), true);
  }

  /** Rows of float32 vectors from a batch's outputs. */
  private static float[][] rows(NDArray outputs) {
    NDArray f =
        outputs.getDataType() == DataType.FLOAT32
            ? outputs
            : outputs.toType(DataType.FLOAT32, false);
    int n = (int) f.getShape().get(0);
    int d = (int) f.getShape().get(1);
    float[] flat = f.toFloatArray();
    float[][] out = new float[n][];
    for (int i = 0; i < n; i++) {
      out[i] = java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d);
    }
    return out;
  }

  private static boolean finite(float[][] rows) {
    for (float[] r : rows) {
      if (r == null) {
        return false;
      }
      for (float v : r) {
        if (!Float.isFinite(v)) {
          return false;
        }
      }
    }
    return true;
  }

  /** The metrics of rankings, NaN for every metric when a vector is not finite. */
  private Evaluation score(float[][] queries, float[][] corpus, List<Set<Integer>> relevant) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (!finite(queries) || !finite(corpus)) {
      metrics.forEach(m -> out.put(m.name(), Double.NaN));
    } else {
      int[][] top = RetrievalMetrics.topK(queries, corpus, RetrievalMetrics.maxK(metrics));
      out.putAll(RetrievalMetrics.evaluate(java.util.Arrays.asList(top), relevant, metrics));
    }
    return new Evaluation(out, List.of(), null);
  }

  /** An information-retrieval split: the queries' and documents' vectors by example index. */
  private final class Retrieval implements Accumulator {
    private final int queries;
    private final float[][] vectors;
    private final List<Set<Integer>> relevant;

    Retrieval(int queries, int size, List<Set<Integer>> relevant) {
      this.queries = queries;
      this.vectors = new float[size][];
      this.relevant = relevant;
    }

    @Override
    public void add(NDArray outputs, NDArray targets) {
      float[][] r = rows(outputs);
      long[] idx = targets.toLongArray();
      for (int i = 0; i < idx.length; i++) {
        vectors[(int) idx[i]] = r[i];
      }
    }

    @Override
    public Evaluation result() {
      float[][] q = java.util.Arrays.copyOfRange(vectors, 0, queries);
      float[][] c = java.util.Arrays.copyOfRange(vectors, queries, vectors.length);
      return score(q, c, relevant);
    }
  }

  /**
   * Pairs (or triplets) scored as retrieval: each distinct anchor a query, the distinct positives
   * and negatives the corpus, an anchor's positives its relevant documents.
   */
  private final class PairRetrieval implements Accumulator {
    private final PairBatches split;
    private final Map<Integer, Integer> queryOf = new LinkedHashMap<>();
    private final Map<Integer, Integer> docOf = new HashMap<>();
    private final List<Set<Integer>> relevant = new ArrayList<>();
    private final float[][] queryVectors;
    private final float[][] docVectors;

    PairRetrieval(PairBatches split) {
      this.split = split;
      for (int i = 0; i < split.size(); i++) {
        int q = queryOf.computeIfAbsent(split.textId(0, i), t -> queryOf.size());
        if (q == relevant.size()) {
          relevant.add(new LinkedHashSet<>());
        }
        for (int c = 1; c < split.columns(); c++) {
          docOf.computeIfAbsent(split.textId(c, i), t -> docOf.size());
        }
        relevant.get(q).add(docOf.get(split.textId(1, i)));
      }
      queryVectors = new float[queryOf.size()][];
      docVectors = new float[docOf.size()][];
    }

    @Override
    public void add(NDArray outputs, NDArray targets) {
      float[][] r = rows(outputs);
      long[] idx = targets.toLongArray();
      int b = idx.length;
      for (int i = 0; i < b; i++) {
        int ex = (int) idx[i];
        queryVectors[queryOf.get(split.textId(0, ex))] = r[i];
        for (int c = 1; c < split.columns(); c++) {
          docVectors[docOf.get(split.textId(c, ex))] = r[c * b + i];
        }
      }
    }

    @Override
    public Evaluation result() {
      return score(queryVectors, docVectors, relevant);
    }
  }

  /** Scored pairs: Spearman's correlation of the pairs' cosine similarity with their score. */
  private static final class ScoredPairs implements Accumulator {
    private final List<Double> cosines = new ArrayList<>();
    private final List<Double> scores = new ArrayList<>();

    @Override
    public void add(NDArray outputs, NDArray targets) {
      float[][] r = rows(outputs);
      float[] y = targets.toType(DataType.FLOAT32, false).toFloatArray();
      int b = y.length;
      for (int i = 0; i < b; i++) {
        cosines.add(cosine(r[i], r[b + i]));
        scores.add((double) y[i]);
      }
    }

    private static double cosine(float[] a, float[] b) {
      double dot = 0;
      double na = 0;
      double nb = 0;
      for (int j = 0; j < a.length; j++) {
        dot += (double) a[j] * b[j];
        na += (double) a[j] * a[j];
        nb += (double) b[j] * b[j];
      }
      return dot / (Math.max(Math.sqrt(na), 1e-12) * Math.max(Math.sqrt(nb), 1e-12));
    }

    @Override
    public Evaluation result() {
      double[] x = cosines.stream().mapToDouble(Double::doubleValue).toArray();
      double[] y = scores.stream().mapToDouble(Double::doubleValue).toArray();
      boolean ok = x.length >= 2;
      for (double v : x) {
        ok &= Double.isFinite(v);
      }
      return new Evaluation(
          Map.of(SPEARMAN, ok ? Spearman.correlation(x, y) : Double.NaN), List.of(), null);
    }
  }
}
