package io.github.finetune4j.recipe;

/**
 * What the network is trained to do: one of several kinds, chosen by {@code type:} in the recipe
 * ({@link ClassificationTaskSpec}, the default, {@link RegressionTaskSpec} and {@link
 * MultiLabelTaskSpec}).
 */
@Doc("What the network is trained to do; `type` chooses the kind (default `classification`).")
@Variants(defaultKind = "classification")
public sealed interface TaskSpec
    permits ClassificationTaskSpec, RegressionTaskSpec, MultiLabelTaskSpec, EmbeddingTaskSpec {

  /**
   * The {@code type:} name of this kind, e.g. {@code regression}.
   *
   * @return the kind
   */
  default String kind() {
    return RecipeModel.kindOf(this);
  }

  /**
   * How this kind's examples give what they are trained towards (single-label classification by
   * default).
   *
   * @return the label shape
   */
  default LabelShape labels() {
    return LabelShape.CLASS;
  }

  /**
   * Adds the problems of this kind's own fields (the checks that live with the task), after the
   * per-field checks every record gets; nothing by default.
   *
   * @param classes the recipe's {@code head.classes} as checked so far, or null
   * @param data the recipe's data section, or null
   * @param problems where each problem is added, with its recipe path
   */
  default void check(
      java.util.List<String> classes, DataSpec data, java.util.List<String> problems) {}
}
