package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * In-batch negatives ({@code mnrl}): sentence-transformers' {@code MultipleNegativesRankingLoss},
 * also known as InfoNCE. For anchors {@code A [B, D]}, positives {@code P [B, D]} and optional hard
 * negatives {@code N} ({@code [B, D]} columns, or one {@code [B, k, D]} column), the candidates are
 * {@code C = [P; N]} and the loss is the mean over {@code i} of the cross-entropy of row {@code i}
 * of {@code scale * cos(A, C)} against target {@code i}: each anchor must pick its own positive out
 * of every positive and negative of the batch.
 *
 * <p>The symmetric variant ({@code MultipleNegativesSymmetricRankingLoss}) averages that loss with
 * the backward one, in which each positive picks its own anchor out of the batch's anchors: the
 * cross-entropy of {@code scale * cos(P, A)} ({@code [B, B]}, the transpose of the forward scores'
 * positive block) against target {@code i}. The negatives, if any, take part in the forward term
 * only, as in sentence-transformers' code.
 *
 * <p>A batch needs at least 2 pairs: with one, the only candidate of the backward term, and of the
 * forward term without negatives, is the right answer, so the loss is 0 and teaches nothing.
 */
public final class MultipleNegativesRankingLoss implements EmbeddingLoss {

  /** sentence-transformers' default scale: 20, a temperature of 0.05. */
  public static final double DEFAULT_SCALE = 20.0;

  private static final String[] COLUMNS = {"anchors", "positives", "negatives"};

  private final double scale;
  private final boolean symmetric;

  /** The loss with scale {@value #DEFAULT_SCALE}, not symmetric. */
  public MultipleNegativesRankingLoss() {
    this(DEFAULT_SCALE, false);
  }

  /**
   * Creates the loss.
   *
   * @param scale the factor on the cosine similarities (1 / temperature), finite and {@code > 0}
   * @param symmetric whether to average with the positive-to-anchor loss
   * @throws IllegalArgumentException for a scale that is not finite and positive
   */
  public MultipleNegativesRankingLoss(double scale, boolean symmetric) {
    this.scale = EmbeddingOps.positive(symmetric ? "mnrl_symmetric" : "mnrl", "scale", scale);
    this.symmetric = symmetric;
  }

  /**
   * The scale.
   *
   * @return the factor on the cosine similarities
   */
  public double scale() {
    return scale;
  }

  /**
   * Whether this is the symmetric variant.
   *
   * @return true for {@code mnrl_symmetric}
   */
  public boolean symmetric() {
    return symmetric;
  }

  /** {@code mnrl}, or {@code mnrl_symmetric}. */
  @Override
  public String name() {
    return symmetric ? "mnrl_symmetric" : "mnrl";
  }

  @Override
  public DataShape dataShape() {
    return DataShape.PAIRS;
  }

  @Override
  public boolean acceptsNegatives() {
    return true;
  }

  /**
   * The loss of a batch.
   *
   * @param embeddings anchors {@code [B, D]}, positives {@code [B, D]}, then any number of
   *     negatives columns ({@code [B, D]} or {@code [B, k, D]})
   * @param labels ignored (may be null), as in sentence-transformers
   * @return a scalar
   * @throws IllegalArgumentException for fewer than 2 columns, shapes that do not fit, or a batch
   *     of fewer than 2 pairs
   */
  @Override
  public NDArray loss(NDList embeddings, NDArray labels) {
    int b = EmbeddingOps.checkColumns(name(), embeddings, 2, Integer.MAX_VALUE, COLUMNS);
    if (b < 2) {
      throw new IllegalArgumentException(
          name()
              + " needs at least 2 pairs in a batch (the other pairs' positives are the"
              + " negatives), got a batch of "
              + b
              + ": raise the batch size, or drop a last batch of one");
    }
    NDArray anchors = embeddings.get(0);
    long dim = anchors.getShape().get(1);
    NDList candidates = new NDList();
    candidates.add(embeddings.get(1));
    for (int c = 2; c < embeddings.size(); c++) {
      NDArray n = embeddings.get(c);
      candidates.add(n.getShape().dimension() == 3 ? n.reshape(new Shape(n.size() / dim, dim)) : n);
    }
    NDArray all = candidates.size() == 1 ? candidates.get(0) : NDArrays.concat(candidates, 0);
    NDArray scores =
        EmbeddingOps.cosineMatrix(anchors, all).mul(EmbeddingOps.scalar(anchors, scale));
    NDArray forward = EmbeddingOps.crossEntropyOnDiagonal(scores);
    if (!symmetric) {
      return forward;
    }
    NDArray backwardScores = scores.get(":, :" + b).transpose();
    NDArray backward = EmbeddingOps.crossEntropyOnDiagonal(backwardScores);
    return forward.add(backward).mul(EmbeddingOps.scalar(anchors, 0.5));
  }
}
