package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A loss on the sentence embeddings of a batch, differentiable through DJL's autograd: what an
 * embedding task computes once the encoder has pooled each text to a vector. One class per loss,
 * each matching a sentence-transformers loss (definitions and versions in {@code
 * docs/decisions.md}, "Embedding losses and retrieval metrics"): {@link
 * MultipleNegativesRankingLoss} ({@code mnrl}, and its symmetric variant), {@link CoSentLoss}
 * ({@code cosent}), {@link ContrastiveLoss} ({@code contrastive}) and {@link OnlineContrastiveLoss}
 * ({@code online_contrastive}).
 *
 * <p>The embeddings come in columns, as sentence-transformers' {@code compute_loss_from_embeddings}
 * takes them: column 0 holds the first text of every example (anchor, or first sentence), column 1
 * the second (positive, or second sentence), and further columns, where {@link
 * #acceptsNegatives()}, hard negatives. The loss is computed in the embeddings' own data type
 * (float32 in training, float64 where a caller asks for it) on their manager, so its temporaries
 * live as long as the step's manager; no operand is a Java {@code Number} (see {@code
 * docs/decisions.md}, "Memory safety with DJL").
 *
 * <p>Bad input (wrong number of columns, shapes that do not fit, labels out of range, a batch too
 * small) is an {@link IllegalArgumentException} whose message is one sentence a caller can show the
 * user as it stands.
 */
public interface EmbeddingLoss {

  /**
   * The loss's name, as a recipe would write it (e.g. {@code mnrl}).
   *
   * @return the name
   */
  String name();

  /**
   * The data this loss trains on.
   *
   * @return the shape of an example
   */
  DataShape dataShape();

  /**
   * Whether columns after the first two (hard negatives) are accepted.
   *
   * @return false unless the loss uses negatives
   */
  default boolean acceptsNegatives() {
    return false;
  }

  /**
   * The loss of a batch: a scalar array, in the embeddings' data type, that the loop
   * differentiates.
   *
   * @param embeddings the columns, each {@code [batch, dim]} (a negatives column may also be {@code
   *     [batch, k, dim]})
   * @param labels {@code [batch]}: the pair's score ({@link DataShape#SCORED_PAIRS}) or its 0/1
   *     label ({@link DataShape#LABELLED_PAIRS}); {@code null} for {@link DataShape#PAIRS}
   * @return a scalar
   * @throws IllegalArgumentException when the columns or labels do not fit the loss
   */
  NDArray loss(NDList embeddings, NDArray labels);

  /** The data an embedding loss trains on. */
  enum DataShape {
    /** (anchor, positive) pairs, optionally with hard negatives (triplets); no label. */
    PAIRS,
    /** (a, b) pairs with a similarity score; only the scores' order within a batch matters. */
    SCORED_PAIRS,
    /** (a, b) pairs labelled 1 (similar) or 0 (dissimilar). */
    LABELLED_PAIRS
  }
}
