package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * The contrastive loss ({@code contrastive}): sentence-transformers' {@code ContrastiveLoss} with
 * its default metric, the cosine distance {@code d_i = 1 - cos(u_i, v_i)}. Per pair {@code 0.5 *
 * (y_i * d_i^2 + (1 - y_i) * relu(margin - d_i)^2)}: a similar pair ({@code y = 1}) is pulled
 * together, a dissimilar one ({@code y = 0}) pushed until its distance reaches the margin; the mean
 * over the batch ({@code size_average = true}, the default) or the sum.
 */
public final class ContrastiveLoss implements EmbeddingLoss {

  /** sentence-transformers' default margin: 0.5. */
  public static final double DEFAULT_MARGIN = 0.5;

  private static final String[] COLUMNS = {"first sentences", "second sentences"};

  private final double margin;
  private final boolean sizeAverage;

  /** The loss with margin {@value #DEFAULT_MARGIN}, averaged over the batch. */
  public ContrastiveLoss() {
    this(DEFAULT_MARGIN, true);
  }

  /**
   * Creates the loss.
   *
   * @param margin the distance beyond which a dissimilar pair costs nothing, finite and {@code > 0}
   * @param sizeAverage the mean over the batch when true, the sum when false
   * @throws IllegalArgumentException for a margin that is not finite and positive
   */
  public ContrastiveLoss(double margin, boolean sizeAverage) {
    this.margin = EmbeddingOps.positive("contrastive", "margin", margin);
    this.sizeAverage = sizeAverage;
  }

  /**
   * The margin.
   *
   * @return the margin on the cosine distance
   */
  public double margin() {
    return margin;
  }

  /**
   * Whether the loss is averaged over the batch.
   *
   * @return true for the mean, false for the sum
   */
  public boolean sizeAverage() {
    return sizeAverage;
  }

  @Override
  public String name() {
    return "contrastive";
  }

  @Override
  public DataShape dataShape() {
    return DataShape.LABELLED_PAIRS;
  }

  /**
   * The loss of a batch.
   *
   * @param embeddings {@code u [B, D]} and {@code v [B, D]}
   * @param labels {@code [B]}, each 0 or 1
   * @return a scalar
   * @throws IllegalArgumentException for shapes that do not fit, or labels missing or not 0/1
   */
  @Override
  public NDArray loss(NDList embeddings, NDArray labels) {
    int b = EmbeddingOps.checkColumns(name(), embeddings, 2, 2, COLUMNS);
    double[] y = binaryLabels(name(), labels, b);
    NDArray u = embeddings.get(0);
    NDArray one = EmbeddingOps.scalar(u, 1);
    NDArray d = one.sub(EmbeddingOps.pairwiseCosine(u, embeddings.get(1)));
    double[] notY = new double[b];
    for (int i = 0; i < b; i++) {
      notY[i] = 1 - y[i];
    }
    NDArray similar = EmbeddingOps.constant(u, y, new Shape(b));
    NDArray dissimilar = EmbeddingOps.constant(u, notY, new Shape(b));
    NDArray hinge = EmbeddingOps.scalar(u, margin).sub(d).maximum(EmbeddingOps.scalar(u, 0));
    NDArray perPair =
        similar
            .mul(d.square())
            .add(dissimilar.mul(hinge.square()))
            .mul(EmbeddingOps.scalar(u, 0.5));
    return sizeAverage ? perPair.mean() : perPair.sum();
  }

  /** The labels, checked to be 0 or 1. */
  static double[] binaryLabels(String loss, NDArray labels, int batch) {
    double[] y = EmbeddingOps.labels(loss, labels, batch);
    for (int i = 0; i < y.length; i++) {
      if (y[i] != 0 && y[i] != 1) {
        throw new IllegalArgumentException(
            loss + ": the label of pair " + i + " is " + y[i] + ", not 0 or 1");
      }
    }
    return y;
  }
}
