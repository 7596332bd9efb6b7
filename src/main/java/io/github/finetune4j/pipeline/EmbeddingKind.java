package io.github.finetune4j.pipeline;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.recipe.EmbeddingTaskSpec;
import io.github.finetune4j.recipe.LabelShape;
import io.github.finetune4j.train.CoSentLoss;
import io.github.finetune4j.train.ContrastiveLoss;
import io.github.finetune4j.train.EmbeddingLoss;
import io.github.finetune4j.train.EmbeddingTask;
import io.github.finetune4j.train.MultipleNegativesRankingLoss;
import io.github.finetune4j.train.OnlineContrastiveLoss;
import io.github.finetune4j.train.RetrievalMetrics;
import io.github.finetune4j.train.Task;
import java.util.List;

/**
 * An embedding model: the text encoder's pooled vectors are the outputs, trained by an {@link
 * EmbeddingLoss} on pairs and evaluated by retrieval metrics (see {@link EmbeddingTask}). It
 * predicts no labels: {@code finetune embed} gives its vectors.
 */
final class EmbeddingKind implements TaskKind {

  private final EmbeddingTaskSpec spec;

  EmbeddingKind(EmbeddingTaskSpec spec) {
    this.spec = spec;
  }

  @Override
  public String name() {
    return "embedding";
  }

  @Override
  public LabelShape labels() {
    return LabelShape.PAIRS;
  }

  @Override
  public String outputsKey() {
    return "dimensions";
  }

  /** The task, with Spearman as the headline when the splits evaluated are scored pairs. */
  @Override
  public Task task(List<String> outputs) {
    return task(false);
  }

  /**
   * The task.
   *
   * @param scoredEvaluation whether the validation (or else test) split is scored pairs
   * @return the task
   */
  EmbeddingTask task(boolean scoredEvaluation) {
    return new EmbeddingTask(
        loss(spec),
        spec.metrics().stream().map(RetrievalMetrics.Metric::parse).toList(),
        scoredEvaluation,
        spec.compareBase());
  }

  /**
   * The loss a recipe names.
   *
   * @param spec the task
   * @return the loss
   */
  static EmbeddingLoss loss(EmbeddingTaskSpec spec) {
    return switch (spec.loss()) {
      case "mnrl" -> new MultipleNegativesRankingLoss(spec.scale(), false);
      case "mnrl_symmetric" -> new MultipleNegativesRankingLoss(spec.scale(), true);
      case "cosent" -> new CoSentLoss(spec.scale());
      case "contrastive" -> new ContrastiveLoss(spec.margin(), true);
      case "online_contrastive" -> new OnlineContrastiveLoss(spec.margin());
      default -> throw new IllegalArgumentException("unknown loss '" + spec.loss() + "'");
    };
  }

  @Override
  public void describe(ObjectNode metadata, Task trained) {
    metadata.put("normalize", spec.normalize());
    metadata.put("loss", spec.loss());
  }

  /** The vectors, L2-normalized when the recipe says so. */
  @Override
  public NDArray activate(NDArray outputs) {
    if (!spec.normalize()) {
      return outputs;
    }
    NDArray norm = outputs.norm(new int[] {1}, true);
    return outputs.div(norm.maximum(1e-12f));
  }

  @Override
  public Prediction decode(String text, float[] activated, int row, List<String> names) {
    throw new UnsupportedOperationException(
        "an embedding model predicts no labels; finetune embed gives its vectors");
  }
}
