package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Multi-label classification: each example has any number of {@code L} labels. Outputs are logits
 * {@code [batch, L]}, one independent sigmoid per label; targets are a float multi-hot array {@code
 * [batch, L]} (1 where the label is present; a target counts as present when it is at least 0.5).
 *
 * <p>Loss: the mean binary cross-entropy with logits over all {@code batch × L} entries, as torch's
 * {@code BCEWithLogitsLoss(pos_weight=w, reduction="mean")}: per entry {@code (1 − y) x + (1 + (w −
 * 1) y) (log(1 + e^−|x|) + max(−x, 0))}, which never overflows (computed in the outputs' type).
 * Without {@code pos_weight}, {@code w = 1}.
 *
 * <p>Metrics at the task's thresholds (a label is predicted when its sigmoid probability, rounded
 * to float, is at least the label's threshold; 0.5 by default): {@code micro_f1} (F1 of the true
 * positives, false positives and false negatives summed over labels), {@code macro_f1} (unweighted
 * mean of the labels' F1), {@code subset_accuracy} (share of examples whose whole label set is
 * right), {@code hamming_loss} (share of wrong example-label entries; lower is better), and per
 * label {@code precision/NAME}, {@code recall/NAME}, {@code f1/NAME}. As scikit-learn's {@code
 * zero_division=0}: a label never predicted has precision 0, a label never present recall 0, and an
 * F1 with an empty denominator is 0. {@link #HEADLINE} is the one metric to report first.
 *
 * <p>{@link #tuneThresholds(float[][], boolean[][])} chooses per-label thresholds on a validation
 * split, from the probabilities and targets that an {@link #accumulator(boolean) accumulator that
 * keeps them} saw; {@link #withThresholds} applies them.
 */
public final class MultiLabelTask implements Task {

  /** The headline metric of a multi-label run (higher is better). */
  public static final String HEADLINE = "micro_f1";

  /** The metrics of this task where lower is better (for early stopping's {@code auto} mode). */
  public static final Set<String> LOWER_IS_BETTER = Set.of("hamming_loss");

  /** The threshold of every label unless set otherwise. */
  public static final double DEFAULT_THRESHOLD = 0.5;

  private final List<String> labels;
  private final float[] posWeight;
  private final double[] thresholds;
  private boolean tune;

  /**
   * Creates the task with no positive weights and every threshold at {@value #DEFAULT_THRESHOLD}.
   *
   * @param labels the label names, by output index (at least one, distinct)
   */
  public MultiLabelTask(List<String> labels) {
    this(labels, null, null);
  }

  /**
   * Creates the task with every threshold at {@value #DEFAULT_THRESHOLD}.
   *
   * @param labels the label names, by output index (at least one, distinct)
   * @param posWeight per label, the weight of a present label's loss term (torch's {@code
   *     pos_weight}; finite and positive), or null for none
   */
  public MultiLabelTask(List<String> labels, float[] posWeight) {
    this(labels, posWeight, null);
  }

  /**
   * Creates the task.
   *
   * @param labels the label names, by output index (at least one, distinct)
   * @param posWeight per label, the weight of a present label's loss term (torch's {@code
   *     pos_weight}; finite and positive), or null for none
   * @param thresholds per label, the probability from which the label is predicted (in [0, 1]), or
   *     null for {@value #DEFAULT_THRESHOLD} everywhere
   */
  public MultiLabelTask(List<String> labels, float[] posWeight, double[] thresholds) {
    if (labels.isEmpty()) {
      throw new IllegalArgumentException("a multi-label task needs at least one label");
    }
    if (new HashSet<>(labels).size() != labels.size()) {
      throw new IllegalArgumentException("the label names are not distinct: " + labels);
    }
    this.labels = List.copyOf(labels);
    int k = labels.size();
    if (posWeight != null) {
      if (posWeight.length != k) {
        throw new IllegalArgumentException(
            "pos_weight has " + posWeight.length + " values for " + k + " labels");
      }
      for (float w : posWeight) {
        if (!(w > 0) || Float.isInfinite(w)) {
          throw new IllegalArgumentException(
              "pos_weight must be finite and positive, got " + Arrays.toString(posWeight));
        }
      }
    }
    this.posWeight = posWeight == null ? null : posWeight.clone();
    if (thresholds == null) {
      thresholds = new double[k];
      Arrays.fill(thresholds, DEFAULT_THRESHOLD);
    }
    if (thresholds.length != k) {
      throw new IllegalArgumentException(
          thresholds.length + " thresholds for " + k + " labels: " + Arrays.toString(thresholds));
    }
    for (double t : thresholds) {
      if (!(t >= 0 && t <= 1)) {
        throw new IllegalArgumentException(
            "thresholds must lie in [0, 1], got " + Arrays.toString(thresholds));
      }
    }
    this.thresholds = thresholds.clone();
  }

  /**
   * The same task (labels, positive weights) with other thresholds, e.g. those of {@link
   * #tuneThresholds(float[][], boolean[][])}.
   *
   * @param thresholds per label, in [0, 1]
   * @return a new task
   */
  public MultiLabelTask withThresholds(double[] thresholds) {
    return new MultiLabelTask(labels, posWeight, thresholds);
  }

  /**
   * The same task, whose thresholds the loop tunes on the validation split once training has ended
   * ({@link #tuneThresholds(float[][], boolean[][])} on the final weights' probabilities); the test
   * split is then scored, and the model exported, with the tuned thresholds.
   *
   * @return a new task
   */
  public MultiLabelTask tunedOnValidation() {
    MultiLabelTask t = new MultiLabelTask(labels, posWeight, thresholds);
    t.tune = true;
    return t;
  }

  /** Lower is better for the Hamming loss ({@link #LOWER_IS_BETTER}) and the loss. */
  @Override
  public boolean higherIsBetter(String metric) {
    return !metric.equals("loss") && !LOWER_IS_BETTER.contains(metric);
  }

  @Override
  public boolean calibrates() {
    return tune;
  }

  /** The thresholds by label. */
  @Override
  public java.util.Map<String, Object> calibration() {
    java.util.Map<String, Double> byLabel = new java.util.LinkedHashMap<>();
    for (int i = 0; i < labels.size(); i++) {
      byLabel.put(labels.get(i), thresholds[i]);
    }
    return java.util.Map.of("thresholds", byLabel);
  }

  @Override
  public Task.Accumulator calibrationAccumulator() {
    return accumulator(true);
  }

  /** The task at the thresholds tuned on the validation pass (which must have kept its rows). */
  @Override
  public Task calibrate(Task.Accumulator validation) {
    return withThresholds(((LabelAccumulator) validation).tunedThresholds());
  }

  /**
   * The label names.
   *
   * @return by output index
   */
  public List<String> labels() {
    return labels;
  }

  /**
   * The positive weights.
   *
   * @return a copy, by label, or null when there are none
   */
  public float[] posWeight() {
    return posWeight == null ? null : posWeight.clone();
  }

  /**
   * The thresholds at which the metrics are taken.
   *
   * @return a copy, by label
   */
  public double[] thresholds() {
    return thresholds.clone();
  }

  /** The headline: micro-averaged F1 (higher is better). */
  @Override
  public Headline headline() {
    return new Headline(HEADLINE, true);
  }

  /** The labels, in output order. */
  @Override
  public List<String> outputs() {
    return labels();
  }

  @Override
  public String name() {
    return "multilabel";
  }

  @Override
  public List<String> metricNames() {
    List<String> names =
        new ArrayList<>(List.of("micro_f1", "macro_f1", "subset_accuracy", "hamming_loss"));
    for (String l : labels) {
      names.addAll(List.of("precision/" + l, "recall/" + l, "f1/" + l));
    }
    return names;
  }

  @Override
  public NDArray loss(NDArray outputs, NDArray targets) {
    int k = labels.size();
    Shape shape = outputs.getShape();
    if (shape.dimension() != 2 || shape.get(1) != k || targets.size() != outputs.size()) {
      throw new IllegalArgumentException(
          "outputs "
              + shape
              + " and targets "
              + targets.getShape()
              + " must both be [batch, "
              + k
              + "]");
    }
    NDManager m = outputs.getManager();
    DataType type = outputs.getDataType();
    // Only engine-owned operands: autograd keeps the operands of a product for the backward pass,
    // and a Number operand (x.mul(2f)) or an array made from a Java buffer may be freed before it
    // (docs/decisions.md, "Memory safety with DJL"). In the outputs' type: DJL's toType cuts the
    // autograd graph, so no detour through double precision.
    NDArray x = outputs;
    NDArray y = targets.toType(type, false).reshape(shape);
    NDArray zero = m.zeros(new Shape(), type, outputs.getDevice());
    NDArray one = m.ones(new Shape(), type, outputs.getDevice());
    // softplus(-x) = log(1 + e^-x) = log(1 + e^-|x|) + max(-x, 0): no overflow for any x
    NDArray softplusNeg = x.abs().neg().exp().add(one).log().add(x.neg().maximum(zero));
    NDArray perEntry;
    if (posWeight == null) {
      perEntry = one.sub(y).mul(x).add(softplusNeg);
    } else {
      NDArray logWeight;
      try (NDArray w = m.create(posWeight, new Shape(k))) {
        NDArray owned = w.duplicate().toType(type, false); // a copy in engine-owned storage
        logWeight = owned.sub(one).mul(y).add(one); // 1 + (w - 1) y, broadcast over the batch
      }
      perEntry = one.sub(y).mul(x).add(logWeight.mul(softplusNeg));
    }
    return perEntry.mean();
  }

  @Override
  public LabelAccumulator accumulator() {
    return new LabelAccumulator(false);
  }

  /**
   * A fresh accumulator that, when asked to, also keeps every probability and target it sees (for
   * {@link #tuneThresholds}: a float and a boolean per label and example).
   *
   * @param keep whether to keep the probabilities and targets
   * @return the accumulator
   */
  public LabelAccumulator accumulator(boolean keep) {
    return new LabelAccumulator(keep);
  }

  /**
   * The probability of a logit, {@code 1 / (1 + e^−x)} in double precision without overflow,
   * rounded to float: the value the metrics compare with a threshold.
   *
   * @param logit the logit
   * @return the probability
   */
  public static float sigmoid(float logit) {
    double x = logit;
    return (float) (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
  }

  /**
   * The metrics of one pass: per-label counts of true positives, false positives and false
   * negatives, exact matches, and optionally the probabilities and targets themselves.
   */
  public final class LabelAccumulator implements Task.Accumulator {

    private final boolean keep;
    private final double[] at = thresholds.clone();
    private final long[] tp = new long[labels.size()];
    private final long[] fp = new long[labels.size()];
    private final long[] fn = new long[labels.size()];
    private long n;
    private long exact;
    private final List<float[]> keptProbabilities = new ArrayList<>();
    private final List<boolean[]> keptTargets = new ArrayList<>();

    private LabelAccumulator(boolean keep) {
      this.keep = keep;
    }

    /**
     * Whether this accumulator keeps the probabilities and targets it sees.
     *
     * @return true when it does
     */
    public boolean keeps() {
      return keep;
    }

    @Override
    public void add(NDArray outputs, NDArray targets) {
      int k = labels.size();
      float[] logits = outputs.toType(DataType.FLOAT32, false).toFloatArray();
      float[] truth = targets.toType(DataType.FLOAT32, false).toFloatArray();
      if (logits.length != truth.length || logits.length % k != 0) {
        throw new IllegalArgumentException(
            "outputs "
                + outputs.getShape()
                + " do not match targets "
                + targets.getShape()
                + " for "
                + k
                + " label(s)");
      }
      for (int row = 0; row < logits.length; row += k) {
        float[] p = new float[k];
        boolean[] y = new boolean[k];
        for (int j = 0; j < k; j++) {
          p[j] = sigmoid(logits[row + j]);
          y[j] = truth[row + j] >= 0.5f;
        }
        count(p, y);
        if (keep) {
          keptProbabilities.add(p);
          keptTargets.add(y);
        }
      }
    }

    private void count(float[] p, boolean[] y) {
      boolean allRight = true;
      for (int j = 0; j < p.length; j++) {
        boolean predicted = p[j] >= at[j];
        if (predicted && y[j]) {
          tp[j]++;
        } else if (predicted) {
          fp[j]++;
          allRight = false;
        } else if (y[j]) {
          fn[j]++;
          allRight = false;
        }
      }
      n++;
      if (allRight) {
        exact++;
      }
    }

    /**
     * The probabilities seen, one row per example in the order added.
     *
     * @return a copy, {@code [examples][labels]}
     * @throws IllegalStateException when this accumulator does not keep them
     */
    public float[][] probabilities() {
      requireKept();
      return keptProbabilities.stream().map(float[]::clone).toArray(float[][]::new);
    }

    /**
     * The targets seen (present or not), one row per example in the order added.
     *
     * @return a copy, {@code [examples][labels]}
     * @throws IllegalStateException when this accumulator does not keep them
     */
    public boolean[][] targets() {
      requireKept();
      return keptTargets.stream().map(boolean[]::clone).toArray(boolean[][]::new);
    }

    /**
     * {@link #tuneThresholds(float[][], boolean[][])} of everything seen.
     *
     * @return per label, the threshold that maximises its F1
     * @throws IllegalStateException when this accumulator does not keep the probabilities
     */
    public double[] tunedThresholds() {
      requireKept();
      return tuneThresholds(probabilities(), targets());
    }

    private void requireKept() {
      if (!keep) {
        throw new IllegalStateException(
            "this accumulator does not keep probabilities: use accumulator(true)");
      }
    }

    @Override
    public Evaluation result() {
      int k = labels.size();
      Map<String, Double> m = new LinkedHashMap<>();
      Map<String, Double> perLabel = new LinkedHashMap<>();
      long tpSum = 0;
      long fpSum = 0;
      long fnSum = 0;
      double f1Sum = 0;
      for (int j = 0; j < k; j++) {
        tpSum += tp[j];
        fpSum += fp[j];
        fnSum += fn[j];
        double precision = tp[j] + fp[j] == 0 ? 0.0 : (double) tp[j] / (tp[j] + fp[j]);
        double recall = tp[j] + fn[j] == 0 ? 0.0 : (double) tp[j] / (tp[j] + fn[j]);
        double f1 = f1(tp[j], fp[j], fn[j]);
        f1Sum += f1;
        String l = labels.get(j);
        perLabel.put("precision/" + l, precision);
        perLabel.put("recall/" + l, recall);
        perLabel.put("f1/" + l, f1);
      }
      m.put("micro_f1", n == 0 ? Double.NaN : f1(tpSum, fpSum, fnSum));
      m.put("macro_f1", n == 0 ? Double.NaN : f1Sum / k);
      m.put("subset_accuracy", n == 0 ? Double.NaN : (double) exact / n);
      m.put("hamming_loss", n == 0 ? Double.NaN : (double) (fpSum + fnSum) / ((double) n * k));
      if (n > 0) {
        m.putAll(perLabel);
      }
      return new Evaluation(m, List.of(), null);
    }

    /**
     * Layout: examples, exact matches, kept rows {@code r}, then per label true positives, false
     * positives, false negatives, then (kept rows only) {@code r × L} probabilities and {@code r ×
     * L} targets (0/1), row by row.
     */
    @Override
    public double[] snapshot() {
      int k = labels.size();
      int r = keptProbabilities.size();
      double[] out = new double[3 + 3 * k + 2 * r * k];
      int i = 0;
      out[i++] = n;
      out[i++] = exact;
      out[i++] = r;
      for (long[] a : new long[][] {tp, fp, fn}) {
        for (long v : a) {
          out[i++] = v;
        }
      }
      for (float[] p : keptProbabilities) {
        for (float v : p) {
          out[i++] = v;
        }
      }
      for (boolean[] y : keptTargets) {
        for (boolean v : y) {
          out[i++] = v ? 1 : 0;
        }
      }
      return out;
    }

    /**
     * Restores a {@link #snapshot()} into this fresh accumulator; kept rows in the state are
     * restored only when this accumulator keeps rows.
     */
    @Override
    public void restore(double[] state) {
      int k = labels.size();
      int i = 0;
      n = (long) state[i++];
      exact = (long) state[i++];
      int r = (int) state[i++];
      if (state.length != 3 + 3 * k + 2 * r * k) {
        throw new IllegalArgumentException(
            "a state of " + state.length + " values is no snapshot of " + k + " label(s)");
      }
      for (long[] a : new long[][] {tp, fp, fn}) {
        for (int j = 0; j < k; j++) {
          a[j] = (long) state[i++];
        }
      }
      keptProbabilities.clear();
      keptTargets.clear();
      if (keep) {
        for (int row = 0; row < r; row++) {
          float[] p = new float[k];
          for (int j = 0; j < k; j++) {
            p[j] = (float) state[i++];
          }
          keptProbabilities.add(p);
        }
        for (int row = 0; row < r; row++) {
          boolean[] y = new boolean[k];
          for (int j = 0; j < k; j++) {
            y[j] = state[i++] != 0;
          }
          keptTargets.add(y);
        }
      }
    }
  }

  private static double f1(long tp, long fp, long fn) {
    long denominator = 2 * tp + fp + fn;
    return denominator == 0 ? 0.0 : 2.0 * tp / denominator;
  }

  /**
   * Chooses per-label thresholds on a validation split. For each label separately:
   *
   * <ul>
   *   <li>the candidates are the midpoints between consecutive distinct values of the label's
   *       sorted probabilities, and 0.5;
   *   <li>at a candidate {@code t} the label is predicted where the probability is at least {@code
   *       t} (as the metrics do), and the label's F1 is {@code 2 TP / (2 TP + FP + FN)};
   *   <li>the candidate with the highest F1 wins; among equal F1s the candidate closest to 0.5, and
   *       of two equally close the smaller;
   *   <li>a label never present in {@code targets} keeps 0.5 (its F1 is 0 at every threshold).
   * </ul>
   *
   * With no examples the result is empty (the label count is unknown). Computed by one sort and
   * sweep per label.
   *
   * @param probabilities {@code [examples][labels]}, e.g. {@link LabelAccumulator#probabilities()}
   * @param targets {@code [examples][labels]}, true where the label is present
   * @return per label, the chosen threshold
   */
  public static double[] tuneThresholds(float[][] probabilities, boolean[][] targets) {
    if (probabilities.length != targets.length) {
      throw new IllegalArgumentException(
          probabilities.length + " rows of probabilities for " + targets.length + " of targets");
    }
    if (probabilities.length == 0) {
      return new double[0];
    }
    int k = probabilities[0].length;
    double[] out = new double[k];
    for (int j = 0; j < k; j++) {
      float[] p = new float[probabilities.length];
      boolean[] y = new boolean[probabilities.length];
      for (int i = 0; i < p.length; i++) {
        if (probabilities[i].length != k || targets[i].length != k) {
          throw new IllegalArgumentException("row " + i + " does not have " + k + " labels");
        }
        p[i] = probabilities[i][j];
        y[i] = targets[i][j];
      }
      out[j] = tuneThreshold(p, y);
    }
    return out;
  }

  /**
   * {@link #tuneThresholds(float[][], boolean[][])} with float targets, a label being present where
   * its target is at least 0.5.
   *
   * @param probabilities {@code [examples][labels]}
   * @param targets {@code [examples][labels]}, multi-hot
   * @return per label, the chosen threshold
   */
  public static double[] tuneThresholds(float[][] probabilities, float[][] targets) {
    boolean[][] present = new boolean[targets.length][];
    for (int i = 0; i < targets.length; i++) {
      present[i] = new boolean[targets[i].length];
      for (int j = 0; j < targets[i].length; j++) {
        present[i][j] = targets[i][j] >= 0.5f;
      }
    }
    return tuneThresholds(probabilities, present);
  }

  /** One label's threshold, by the rule of {@link #tuneThresholds(float[][], boolean[][])}. */
  private static double tuneThreshold(float[] p, boolean[] y) {
    int n = p.length;
    long positives = 0;
    for (boolean v : y) {
      positives += v ? 1 : 0;
    }
    if (positives == 0) {
      return DEFAULT_THRESHOLD;
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(p[a], p[b]));
    // above[i]: positives among order[i..n-1], i.e. at or above the i-th smallest probability
    long[] above = new long[n + 1];
    for (int i = n - 1; i >= 0; i--) {
      above[i] = above[i + 1] + (y[order[i]] ? 1 : 0);
    }
    double best = DEFAULT_THRESHOLD;
    double bestF1 = f1At(p, order, above, positives, DEFAULT_THRESHOLD);
    for (int i = 1; i < n; i++) {
      float lo = p[order[i - 1]];
      float hi = p[order[i]];
      if (lo == hi) {
        continue;
      }
      double t = ((double) lo + hi) / 2; // exact in double; predicted: order[i..n-1]
      long tp = above[i];
      long fp = (n - i) - tp;
      double f1 = f1(tp, fp, positives - tp);
      double d = Math.abs(t - DEFAULT_THRESHOLD);
      double bestD = Math.abs(best - DEFAULT_THRESHOLD);
      if (f1 > bestF1 || (f1 == bestF1 && (d < bestD || (d == bestD && t < best)))) {
        best = t;
        bestF1 = f1;
      }
    }
    return best;
  }

  /** A label's F1 when predicted at probabilities of at least t. */
  private static double f1At(float[] p, Integer[] order, long[] above, long positives, double t) {
    int from = 0; // the first sorted index with p >= t
    int to = p.length;
    while (from < to) {
      int mid = (from + to) >>> 1;
      if (p[order[mid]] >= t) {
        to = mid;
      } else {
        from = mid + 1;
      }
    }
    long tp = above[from];
    long fp = (p.length - from) - tp;
    return f1(tp, fp, positives - tp);
  }
}
