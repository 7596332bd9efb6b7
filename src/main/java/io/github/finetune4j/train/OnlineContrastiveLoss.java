package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The online contrastive loss ({@code online_contrastive}): sentence-transformers' {@code
 * OnlineContrastiveLoss}, the {@link ContrastiveLoss} on the hard pairs of the batch only, summed
 * (no factor 0.5, no mean). With the cosine distance {@code d = 1 - cos(u, v)}:
 *
 * <ul>
 *   <li>a dissimilar pair ({@code y = 0}) is hard when its distance is below the largest distance
 *       of a similar pair (below the mean distance of the dissimilar pairs when the batch has at
 *       most one similar pair), and costs {@code relu(margin - d)^2};
 *   <li>a similar pair ({@code y = 1}) is hard when its distance is above the smallest distance of
 *       a dissimilar pair (above the mean distance of the similar pairs when the batch has at most
 *       one dissimilar pair), and costs {@code d^2}.
 * </ul>
 *
 * <p>The pairs are chosen on the distances' values (in double precision, from the embeddings' type;
 * no gradient flows through the choice), then the loss is differentiated through the chosen pairs'
 * distances, as sentence-transformers' boolean indexing does.
 */
public final class OnlineContrastiveLoss implements EmbeddingLoss {

  private static final String[] COLUMNS = {"first sentences", "second sentences"};

  private final double margin;

  /** The loss with margin {@value ContrastiveLoss#DEFAULT_MARGIN}. */
  public OnlineContrastiveLoss() {
    this(ContrastiveLoss.DEFAULT_MARGIN);
  }

  /**
   * Creates the loss.
   *
   * @param margin the distance beyond which a dissimilar pair costs nothing, finite and {@code > 0}
   * @throws IllegalArgumentException for a margin that is not finite and positive
   */
  public OnlineContrastiveLoss(double margin) {
    this.margin = EmbeddingOps.positive("online_contrastive", "margin", margin);
  }

  /**
   * The margin.
   *
   * @return the margin on the cosine distance
   */
  public double margin() {
    return margin;
  }

  @Override
  public String name() {
    return "online_contrastive";
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
    double[] y = ContrastiveLoss.binaryLabels(name(), labels, b);
    NDArray u = embeddings.get(0);
    NDArray d = EmbeddingOps.scalar(u, 1).sub(EmbeddingOps.pairwiseCosine(u, embeddings.get(1)));
    double[] distance;
    try (NDArray values = d.toType(DataType.FLOAT64, true)) {
      distance = values.toDoubleArray();
    }
    boolean[][] hard = hardPairs(distance, y);
    double[] positive = new double[b];
    double[] negative = new double[b];
    for (int i = 0; i < b; i++) {
      positive[i] = hard[0][i] ? 1 : 0;
      negative[i] = hard[1][i] ? 1 : 0;
    }
    NDArray hinge = EmbeddingOps.scalar(u, margin).sub(d).maximum(EmbeddingOps.scalar(u, 0));
    NDArray positiveLoss = EmbeddingOps.constant(u, positive, new Shape(b)).mul(d.square()).sum();
    NDArray negativeLoss =
        EmbeddingOps.constant(u, negative, new Shape(b)).mul(hinge.square()).sum();
    return positiveLoss.add(negativeLoss);
  }

  /**
   * The hard pairs, by sentence-transformers' rule.
   *
   * @param distance the pairs' distances
   * @param y the pairs' labels, 0 or 1
   * @return {@code [0]}: the hard similar pairs, {@code [1]}: the hard dissimilar pairs
   */
  static boolean[][] hardPairs(double[] distance, double[] y) {
    int b = distance.length;
    int similar = 0;
    double maxSimilar = Double.NEGATIVE_INFINITY;
    double sumSimilar = 0;
    double minDissimilar = Double.POSITIVE_INFINITY;
    double sumDissimilar = 0;
    for (int i = 0; i < b; i++) {
      if (y[i] == 1) {
        similar++;
        maxSimilar = Math.max(maxSimilar, distance[i]);
        sumSimilar += distance[i];
      } else {
        minDissimilar = Math.min(minDissimilar, distance[i]);
        sumDissimilar += distance[i];
      }
    }
    int dissimilar = b - similar;
    // poss.max() if len(poss) > 1 else negs.mean(); negs.min() if len(negs) > 1 else poss.mean()
    double negativeBelow = similar > 1 ? maxSimilar : sumDissimilar / dissimilar;
    double positiveAbove = dissimilar > 1 ? minDissimilar : sumSimilar / similar;
    boolean[][] hard = new boolean[2][b];
    for (int i = 0; i < b; i++) {
      if (y[i] == 1) {
        hard[0][i] = distance[i] > positiveAbove;
      } else {
        hard[1][i] = distance[i] < negativeBelow;
      }
    }
    return hard;
  }
}
