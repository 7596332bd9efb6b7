package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * CoSENT ({@code cosent}): sentence-transformers' {@code CoSENTLoss} on scored pairs {@code (u_i,
 * v_i, y_i)}. With {@code s_i = scale * cos(u_i, v_i)}, the loss is {@code log(1 + sum over (i, j)
 * with y_i < y_j of exp(s_i - s_j))}: every pair of pairs whose similarities are in the wrong order
 * (the less similar pair scored higher) costs; only the order of the labels matters, not their
 * values. Written as sentence-transformers writes it: the pairs not counted get {@code -1e12}
 * added, and the loss is the log-sum-exp of {@code [0, s_i - s_j ...]}.
 *
 * <p>A batch of one has no pair of pairs: its loss is 0 (log 1), as in sentence-transformers.
 */
public final class CoSentLoss implements EmbeddingLoss {

  /** sentence-transformers' default scale: 20. */
  public static final double DEFAULT_SCALE = 20.0;

  private static final String[] COLUMNS = {"first sentences", "second sentences"};
  private static final double EXCLUDED = 1e12;

  private final double scale;

  /** The loss with scale {@value #DEFAULT_SCALE}. */
  public CoSentLoss() {
    this(DEFAULT_SCALE);
  }

  /**
   * Creates the loss.
   *
   * @param scale the factor on the cosine similarities, finite and {@code > 0}
   * @throws IllegalArgumentException for a scale that is not finite and positive
   */
  public CoSentLoss(double scale) {
    this.scale = EmbeddingOps.positive("cosent", "scale", scale);
  }

  /**
   * The scale.
   *
   * @return the factor on the cosine similarities
   */
  public double scale() {
    return scale;
  }

  @Override
  public String name() {
    return "cosent";
  }

  @Override
  public DataShape dataShape() {
    return DataShape.SCORED_PAIRS;
  }

  /**
   * The loss of a batch.
   *
   * @param embeddings {@code u [B, D]} and {@code v [B, D]}
   * @param labels the pairs' scores {@code [B]}, finite
   * @return a scalar
   * @throws IllegalArgumentException for shapes that do not fit, or labels missing or not finite
   */
  @Override
  public NDArray loss(NDList embeddings, NDArray labels) {
    int b = EmbeddingOps.checkColumns(name(), embeddings, 2, 2, COLUMNS);
    double[] y = EmbeddingOps.labels(name(), labels, b);
    NDArray u = embeddings.get(0);
    NDArray s =
        EmbeddingOps.pairwiseCosine(u, embeddings.get(1)).mul(EmbeddingOps.scalar(u, scale));
    // differences[i, j] = s_i - s_j
    NDArray differences = s.reshape(new Shape(b, 1)).sub(s.reshape(new Shape(1, b)));
    double[] excluded = new double[b * b];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < b; j++) {
        excluded[i * b + j] = y[i] < y[j] ? 0 : EXCLUDED;
      }
    }
    NDArray counted = differences.sub(EmbeddingOps.constant(u, excluded, new Shape(b, b)));
    NDArray zero = EmbeddingOps.constant(u, new double[] {0}, new Shape(1));
    NDArray all = NDArrays.concat(new NDList(zero, counted.reshape(new Shape((long) b * b))), 0);
    // log-sum-exp of [0, ...] = -log_softmax(...)[0], computed stably by the engine
    return all.logSoftmax(0).get(0).neg();
  }
}
