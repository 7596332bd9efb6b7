package io.github.finetune4j.recipe;

/**
 * What the network is trained to do: one of several kinds, chosen by {@code type:} in the recipe
 * ({@link ClassificationTaskSpec}, the default, {@link RegressionTaskSpec} and {@link
 * MultiLabelTaskSpec}).
 */
@Doc("What the network is trained to do; `type` chooses the kind (default `classification`).")
@Variants(defaultKind = "classification")
public sealed interface TaskSpec
    permits ClassificationTaskSpec, RegressionTaskSpec, MultiLabelTaskSpec {

  /**
   * The {@code type:} name of this kind, e.g. {@code regression}.
   *
   * @return the kind
   */
  default String kind() {
    return RecipeModel.kindOf(this);
  }
}
