package io.github.finetune4j.pipeline;

import io.github.finetune4j.recipe.ClassificationTaskSpec;
import io.github.finetune4j.recipe.EmbeddingTaskSpec;
import io.github.finetune4j.recipe.LabelShape;
import io.github.finetune4j.recipe.MultiLabelTaskSpec;
import io.github.finetune4j.recipe.RegressionTaskSpec;
import io.github.finetune4j.recipe.TaskSpec;
import io.github.finetune4j.train.Task;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A kind of task ({@code task.type}): everything task-specific outside the loop that the families,
 * the summary and the export ask about — how the data gives its labels, what the outputs are
 * called, and the {@link Task} (loss, metrics, headline) the loop runs. A new kind is one class
 * plus its line in {@link #of}.
 */
interface TaskKind {

  /**
   * The kind of a recipe's task.
   *
   * @param spec the recipe's task
   * @return the kind
   */
  static TaskKind of(TaskSpec spec) {
    Function<TaskSpec, TaskKind> make = KINDS.get(spec.getClass());
    if (make == null) {
      throw new IllegalStateException("task.type '" + spec.kind() + "' is not registered");
    }
    return make.apply(spec);
  }

  /** The registered kinds, by the recipe record of their {@code type}. */
  Map<Class<? extends TaskSpec>, Function<TaskSpec, TaskKind>> KINDS =
      Map.of(
          ClassificationTaskSpec.class,
          spec -> new ClassificationKind(),
          RegressionTaskSpec.class,
          spec -> new RegressionKind((RegressionTaskSpec) spec),
          MultiLabelTaskSpec.class,
          spec -> new MultiLabelKind((MultiLabelTaskSpec) spec),
          EmbeddingTaskSpec.class,
          spec -> new EmbeddingKind((EmbeddingTaskSpec) spec));

  /**
   * The {@code type} name, as {@code summary.json} and the export write it.
   *
   * @return the name
   */
  String name();

  /**
   * How the splits give the labels (the recipe kind's {@link LabelShape}).
   *
   * @return the label shape
   */
  LabelShape labels();

  /**
   * What the outputs are called in {@code summary.json} and the export: {@code classes}, {@code
   * targets} or {@code labels}.
   *
   * @return the key
   */
  String outputsKey();

  /**
   * The loop's task for these outputs.
   *
   * @param outputs the class names, target columns or labels, in output order
   * @return the task
   */
  Task task(List<String> outputs);

  /**
   * Adds what a predictor needs to decode this task's outputs to an export's metadata (e.g. a
   * multi-label model's thresholds, as the trained task has them); nothing by default.
   *
   * @param metadata the export's metadata
   * @param trained the task the run ended with (calibrated, when the task calibrates)
   */
  default void describe(com.fasterxml.jackson.databind.node.ObjectNode metadata, Task trained) {}

  /**
   * What the model's raw outputs become before decoding, computed by the engine as in training's
   * metrics (softmax for a classification, sigmoid per label, the values themselves for a
   * regression).
   *
   * @param outputs the model's outputs {@code [batch, outputs]}
   * @return the activated outputs
   */
  ai.djl.ndarray.NDArray activate(ai.djl.ndarray.NDArray outputs);

  /**
   * Decodes one example's activated outputs.
   *
   * @param text the input text, or null
   * @param activated the activated outputs of a batch, row-major
   * @param row the example's row
   * @param names the output names (classes, labels or targets)
   * @return the prediction
   */
  Prediction decode(String text, float[] activated, int row, List<String> names);

  /**
   * What a task's outputs are called in {@code summary.json} and exports, by the task's name.
   *
   * @param task a task's name
   * @return {@code classes}, {@code targets} or {@code labels}; null for a task of a user's own
   */
  static String outputsKey(String task) {
    return switch (task) {
      case "classification" -> "classes";
      case "regression" -> "targets";
      case "multilabel" -> "labels";
      case "embedding" -> "dimensions";
      default -> null;
    };
  }

  /**
   * The kind that decodes an export, from its metadata's {@code task} and {@code threshold}.
   *
   * @param task {@code classification}, {@code regression} or {@code multilabel}
   * @param threshold a multi-label model's threshold (ignored otherwise)
   * @param thresholds a multi-label model's per-label thresholds, or null for {@code threshold}
   * @return the kind
   */
  static TaskKind ofExport(String task, double threshold, double[] thresholds) {
    return switch (task) {
      case "classification" -> new ClassificationKind();
      case "regression" -> new RegressionKind(RegressionTaskSpec.builder().build());
      case "multilabel" ->
          new MultiLabelKind(
              MultiLabelTaskSpec.builder().optThreshold(threshold).build(), thresholds);
      default -> throw new IllegalArgumentException("unknown task '" + task + "'");
    };
  }
}
