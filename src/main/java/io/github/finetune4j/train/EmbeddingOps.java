package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * What the embedding losses share: engine-owned constants, cosine similarities as
 * sentence-transformers computes them, cross-entropy against the diagonal, and the checks of a
 * batch's columns and labels.
 */
final class EmbeddingOps {

  /** The {@code eps} of {@code torch.nn.functional.normalize}, which sentence-transformers uses. */
  static final double NORMALIZE_EPS = 1e-12;

  private EmbeddingOps() {}

  /**
   * A 0-dim constant in {@code like}'s type, device and manager, in engine-owned storage: never a
   * Java {@code Number} operand (docs/decisions.md, "Memory safety with DJL").
   */
  static NDArray scalar(NDArray like, double value) {
    return constant(like, new double[] {value}, new Shape());
  }

  /** A constant array in {@code like}'s type, device and manager, in engine-owned storage. */
  static NDArray constant(NDArray like, double[] values, Shape shape) {
    try (NDArray raw = like.getManager().create(values, shape)) {
      // duplicate: a copy that libtorch allocated, not a view of the Java direct buffer
      NDArray owned = raw.duplicate().toDevice(like.getDevice(), false);
      return owned.toType(like.getDataType(), false);
    }
  }

  /**
   * Each row divided by its Euclidean norm, or by {@link #NORMALIZE_EPS} when the norm is smaller
   * ({@code torch.nn.functional.normalize(x, p=2, dim=1)}): a zero row stays zero.
   */
  static NDArray normalize(NDArray x) {
    return x.normalize(2, 1, NORMALIZE_EPS);
  }

  /** {@code [n, m]}: the cosine of every row of {@code a} with every row of {@code b}. */
  static NDArray cosineMatrix(NDArray a, NDArray b) {
    return normalize(a).matMul(normalize(b).transpose());
  }

  /** {@code [n]}: the cosine of row {@code i} of {@code a} with row {@code i} of {@code b}. */
  static NDArray pairwiseCosine(NDArray a, NDArray b) {
    return normalize(a).mul(normalize(b)).sum(new int[] {1});
  }

  /**
   * The mean cross-entropy of the rows of {@code scores} ({@code [n, m]}, {@code m >= n}) against
   * target {@code i} for row {@code i}: {@code torch.nn.CrossEntropyLoss()(scores, arange(n))}.
   */
  static NDArray crossEntropyOnDiagonal(NDArray scores) {
    long n = scores.getShape().get(0);
    long m = scores.getShape().get(1);
    NDArray eye =
        scores
            .getManager()
            .eye((int) n, (int) m, 0, scores.getDataType(), scores.getDevice()); // libtorch-owned
    return scores.logSoftmax(1).mul(eye).sum(new int[] {1}).mean().neg();
  }

  /**
   * Checks the columns of a batch: at least {@code min}, at most {@code max}, each a floating
   * {@code [batch, dim]} array of one data type (a negatives column, where {@code negatives}, may
   * also be {@code [batch, k, dim]}), all of one batch size and one dimension.
   *
   * @return the batch size
   */
  static int checkColumns(String loss, NDList columns, int min, int max, String[] names) {
    if (columns == null || columns.size() < min || columns.size() > max) {
      String want =
          min == max
              ? String.valueOf(min)
              : max == Integer.MAX_VALUE ? "at least " + min : min + " to " + max;
      throw new IllegalArgumentException(
          loss
              + " takes "
              + want
              + " columns of embeddings ("
              + String.join(", ", names)
              + "), got "
              + (columns == null ? "none" : columns.size()));
    }
    NDArray first = columns.get(0);
    Shape s0 = first.getShape();
    DataType type = first.getDataType();
    for (int c = 0; c < columns.size(); c++) {
      NDArray x = columns.get(c);
      String name = c < 2 || columns.size() == 3 ? names[c] : names[2] + " #" + (c - 1);
      Shape s = x.getShape();
      boolean grouped = c >= 2 && s.dimension() == 3;
      if (!x.getDataType().isFloating()) {
        throw new IllegalArgumentException(
            loss + ": the " + name + " are " + x.getDataType() + ", not floating point");
      }
      if (x.getDataType() != type) {
        throw new IllegalArgumentException(
            loss
                + ": the "
                + name
                + " are "
                + x.getDataType()
                + " but the "
                + names[0]
                + " are "
                + type);
      }
      boolean fits =
          (s.dimension() == 2 || grouped)
              && s.get(0) == s0.get(0)
              && s.get(s.dimension() - 1) == s0.get(s0.dimension() - 1);
      if (c == 0 && s.dimension() != 2) {
        fits = false;
      }
      if (!fits || s.get(s.dimension() - 1) < 1) {
        throw new IllegalArgumentException(
            loss
                + ": the "
                + name
                + " have shape "
                + s
                + (c == 0
                    ? ", not [batch, dim]"
                    : " but the "
                        + names[0]
                        + " have "
                        + s0
                        + " (each column must be [batch, dim]"
                        + (c >= 2 ? " or [batch, k, dim]" : "")
                        + " with the same batch and dim)"));
      }
    }
    if (s0.get(0) < 1) {
      throw new IllegalArgumentException(loss + ": the batch is empty");
    }
    return (int) s0.get(0);
  }

  /** The labels as doubles, checked: {@code [batch]} (or {@code [batch, 1]}), finite. */
  static double[] labels(String loss, NDArray labels, int batch) {
    if (labels == null) {
      throw new IllegalArgumentException(loss + " needs a label per pair, got none");
    }
    if (labels.size() != batch || labels.getShape().dimension() > 2) {
      throw new IllegalArgumentException(
          loss
              + ": the labels have shape "
              + labels.getShape()
              + " but the batch has "
              + batch
              + " pairs (want ["
              + batch
              + "])");
    }
    double[] y;
    if (labels.getDataType() == DataType.FLOAT64) {
      y = labels.toDoubleArray();
    } else {
      try (NDArray d = labels.toType(DataType.FLOAT64, true)) {
        y = d.toDoubleArray();
      }
    }
    for (int i = 0; i < y.length; i++) {
      if (!Double.isFinite(y[i])) {
        throw new IllegalArgumentException(loss + ": the label of pair " + i + " is " + y[i]);
      }
    }
    return y;
  }

  /** A positive, finite parameter, or an exception naming it. */
  static double positive(String loss, String parameter, double value) {
    if (!(value > 0) || !Double.isFinite(value)) {
      throw new IllegalArgumentException(
          loss + ": " + parameter + " must be a finite number > 0, got " + value);
    }
    return value;
  }
}
