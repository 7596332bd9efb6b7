package io.github.finetune4j.pipeline;

import io.github.finetune4j.recipe.BertOnnxModel;
import io.github.finetune4j.recipe.BuiltinModel;
import io.github.finetune4j.recipe.DjlModel;
import io.github.finetune4j.recipe.ModelSpec;
import io.github.finetune4j.recipe.SafetensorsModel;
import io.github.finetune4j.recipe.TorchScriptModel;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The registration of model sources: one entry per kind of {@code model.type} (the recipe record of
 * the kind, and how to make its source: a {@link TextEncoderSource} or a {@link
 * FeatureModelSource}). A kind of the recipe's sealed {@link ModelSpec} that is not registered is
 * refused with exit 2 before anything is loaded.
 */
final class ModelSources {

  private static final Map<Class<? extends ModelSpec>, Function<ModelSpec, ModelSource>> KINDS =
      Map.of(
          BertOnnxModel.class,
          spec ->
              ((BertOnnxModel) spec).bundled() != null
                  ? new BundledMiniLmSource()
                  : new OnnxBertSource((BertOnnxModel) spec),
          SafetensorsModel.class,
          spec -> new SafetensorsBertSource((SafetensorsModel) spec),
          TorchScriptModel.class,
          spec -> new TorchScriptSource((TorchScriptModel) spec),
          DjlModel.class,
          spec -> new DjlSource((DjlModel) spec),
          BuiltinModel.class,
          spec -> new BuiltinSource((BuiltinModel) spec));

  private ModelSources() {}

  /**
   * The source a recipe's model section names.
   *
   * @param spec the model section
   * @return its source
   * @throws BadInputException for a kind this version cannot fine-tune yet
   */
  static ModelSource of(ModelSpec spec) throws BadInputException {
    Function<ModelSpec, ModelSource> make = KINDS.get(spec.getClass());
    if (make == null) {
      throw new BadInputException(
          List.of(
              "model.type '"
                  + spec.kind()
                  + "' is not wired into"
                  + " the pipeline yet; this version fine-tunes bert-onnx and safetensors text encoders"
                  + " and torchscript modules"));
    }
    return make.apply(spec);
  }

  /**
   * Whether a kind is registered.
   *
   * @param kind the recipe record of the kind
   * @return true when it can be fine-tuned
   */
  static boolean registered(Class<? extends ModelSpec> kind) {
    return KINDS.containsKey(kind);
  }

  /** {@code pretrained} or {@code random}, for the kinds that have a known architecture. */
  static String init(ModelSpec spec) {
    if (spec instanceof BertOnnxModel b) {
      return b.init();
    }
    if (spec instanceof SafetensorsModel s) {
      return s.init();
    }
    if (spec instanceof BuiltinModel b) {
      return b.init();
    }
    return "pretrained";
  }
}
