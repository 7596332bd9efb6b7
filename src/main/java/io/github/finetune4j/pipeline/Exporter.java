package io.github.finetune4j.pipeline;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.model.FeatureModelFactory;
import io.github.finetune4j.model.TextClassifierFactory;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.recipe.RecipeReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a fine-tuned model into a run's {@code model/} directory: DJL's {@code model-0000.params},
 * {@code finetune4j-model.json} (architecture, classes, pooling, max length), the tokenizer and,
 * last, {@code manifest.json} (name, size and SHA-256 of each of those files; see {@link
 * Manifest}), which {@link Predictor} checks before it loads anything. A model of feature vectors
 * has no tokenizer; its TorchScript module is also written on its own as {@value #TORCHSCRIPT_FILE}
 * (see {@link #writeFeatures}).
 */
final class Exporter {

  /** Name of the exported model directory inside a run directory. */
  static final String MODEL_DIR = "model";

  /** DJL model name (the params file is {@code MODEL_NAME-0000.params}). */
  static final String MODEL_NAME = "model";

  /** DJL's model-directory properties (engine, block and translator factories). */
  static final String SERVING_PROPERTIES = "serving.properties";

  /** The metadata file. */
  static final String MODEL_CONFIG = TextClassifierFactory.METADATA;

  /** The fine-tuned TorchScript module of a model of feature vectors, as torch.jit.save writes. */
  static final String TORCHSCRIPT_FILE = "model.pt";

  private Exporter() {}

  /**
   * Writes the model, its tokenizer, its metadata and then their manifest.
   *
   * @param modelDir the directory to create
   * @param model the trained model
   * @param tokenizer its tokenizer
   * @param config the metadata
   * @throws IOException when writing fails
   */
  static void write(Path modelDir, Model model, TextTokenizer tokenizer, ObjectNode config)
      throws IOException {
    Files.createDirectories(modelDir);
    model.save(modelDir, MODEL_NAME);
    tokenizer.save(modelDir);
    Files.writeString(modelDir.resolve(MODEL_CONFIG), RecipeReader.toJson(config));
    writeServingProperties(modelDir, TextClassifierFactory.class.getName());
    // Last, after every other file: a directory with a manifest was exported completely.
    Manifest.write(modelDir);
  }

  /**
   * Plain DJL loads the directory: {@code Criteria} reads these and asks the factory for the block
   * and the translator. The form DJL's model converter writes ({@code engine}, {@code
   * option.modelName}, then the arguments, {@code translatorFactory} among them): {@code
   * option.modelName} names the parameter file's prefix, so the directory still loads under another
   * name (without it DJL looks for {@code <directory name>-0000.params}).
   */
  private static void writeServingProperties(Path modelDir, String factory) throws IOException {
    Files.writeString(
        modelDir.resolve(SERVING_PROPERTIES),
        "engine=PyTorch\noption.modelName="
            + MODEL_NAME
            + "\nblockFactory="
            + factory
            + "\ntranslatorFactory="
            + factory
            + "\n");
  }

  /**
   * Writes a model of feature vectors: DJL's parameter file (which holds the module — a TorchScript
   * module serialized by DJL's {@code PtSymbolBlock}, or a DJL-native block's parameters — and the
   * new head's), for a TorchScript module the fine-tuned module alone as {@value #TORCHSCRIPT_FILE}
   * (in inference mode; {@code torch.jit.load} and DJL's {@code Criteria} read it), the metadata,
   * and then the manifest.
   *
   * @param modelDir the directory to create
   * @param model the trained model
   * @param module its module
   * @param config the metadata (see {@link FeatureMetadata})
   * @throws IOException when writing fails
   */
  static void writeFeatures(Path modelDir, Model model, Block module, ObjectNode config)
      throws IOException {
    Files.createDirectories(modelDir);
    if (module instanceof PtSymbolBlock pt) {
      JniUtils.enableInferenceMode(pt);
    }
    model.save(modelDir, MODEL_NAME);
    if (module instanceof PtSymbolBlock pt) {
      try (OutputStream os = Files.newOutputStream(modelDir.resolve(TORCHSCRIPT_FILE))) {
        JniUtils.writeModule(pt, os, false);
      }
    }
    Files.writeString(modelDir.resolve(MODEL_CONFIG), RecipeReader.toJson(config));
    writeServingProperties(modelDir, FeatureModelFactory.class.getName());
    Manifest.write(modelDir);
  }
}
