package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * The cosine-similarity loss ({@code cosine}): sentence-transformers' {@code CosineSimilarityLoss}
 * with its defaults (the identity as the score transformation, {@code MSELoss}), the loss SetFit
 * trains its encoder with. On scored pairs {@code (u_i, v_i, y_i)} it is the mean over the batch of
 * {@code (cos(u_i, v_i) - y_i)^2}: the cosine of every pair is pulled towards its score (in
 * few-shot training 1 for two texts of one class, 0 for two of different classes). The score is
 * taken as it is, any finite number (a cosine lies in [-1, 1], so a score outside it can never be
 * met).
 *
 * <p>The cosine is the normalized vectors' dot product ({@code torch.nn.functional.normalize}, eps
 * 1e-12) where theirs is {@code torch.cosine_similarity} (eps 1e-8 on the norms): equal except for
 * vectors of norm near 0, as for {@link ContrastiveLoss}.
 */
public final class CosineSimilarityLoss implements EmbeddingLoss {

  private static final String[] COLUMNS = {"first sentences", "second sentences"};

  /** Creates the loss. */
  public CosineSimilarityLoss() {}

  @Override
  public String name() {
    return "cosine";
  }

  @Override
  public DataShape dataShape() {
    return DataShape.SCORED_PAIRS;
  }

  /**
   * The loss of a batch.
   *
   * @param embeddings {@code u [B, D]} and {@code v [B, D]}
   * @param labels {@code [B]}: each pair's target cosine
   * @return a scalar
   * @throws IllegalArgumentException for shapes that do not fit, or labels missing or not finite
   */
  @Override
  public NDArray loss(NDList embeddings, NDArray labels) {
    int b = EmbeddingOps.checkColumns(name(), embeddings, 2, 2, COLUMNS);
    double[] y = EmbeddingOps.labels(name(), labels, b);
    NDArray u = embeddings.get(0);
    NDArray cos = EmbeddingOps.pairwiseCosine(u, embeddings.get(1));
    NDArray target = EmbeddingOps.constant(u, y, new Shape(b));
    return cos.sub(target).square().mean();
  }
}
