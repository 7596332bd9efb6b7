package io.github.finetune4j.recipe;

/**
 * Where the pre-trained network comes from: one of several kinds, chosen by {@code type:} in the
 * recipe ({@link BertOnnxModel}, {@link SafetensorsModel}, {@link TorchScriptModel}, {@link
 * DjlModel}).
 */
@Doc(
    "The pre-trained network to start from; `type` chooses the kind, the other keys are its fields.")
@Variants(
    retired =
        @Variants.Retired(
            key = "source",
            message =
                "replaced by model.type; write `model: {type: bert-onnx, bundled:"
                    + " all-minilm-l6-v2}`"))
public sealed interface ModelSpec
    permits BertOnnxModel, SafetensorsModel, TorchScriptModel, DjlModel, BuiltinModel {

  /**
   * The {@code type:} name of this kind, e.g. {@code bert-onnx}.
   *
   * @return the kind
   */
  default String kind() {
    return RecipeModel.kindOf(this);
  }
}
