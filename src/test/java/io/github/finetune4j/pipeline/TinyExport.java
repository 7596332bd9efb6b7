package io.github.finetune4j.pipeline;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.text.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A real export without training, in well under a second: a one-layer, 8-wide encoder over the
 * MiniLM vocabulary (so the MiniLM tokenizer fits), randomly initialized, written by {@link
 * Exporter#write} with metadata shaped exactly as {@code FineTune.run} writes it.
 */
public final class TinyExport {

  /** The encoder: MiniLM's 30522 ids, 8 wide, 1 layer of 2 heads, 16 feed-forward, 64 positions. */
  public static final BertConfig BERT = new BertConfig(30522, 8, 1, 2, 16, 64, 2, 1e-12);

  /** {@code max_length} of the metadata. */
  public static final int MAX_LENGTH = 48;

  private static final ObjectMapper JSON = new ObjectMapper();

  private TinyExport() {}

  /**
   * Exports a fresh model with classes {@code ham, spam} into {@code runDir/model}.
   *
   * @param runDir the run directory to create
   * @return {@code runDir}
   */
  public static Path write(Path runDir) {
    return write(runDir, List.of("ham", "spam"), 7);
  }

  /**
   * Exports a fresh model into {@code runDir/model}.
   *
   * @param runDir the run directory to create
   * @param classes the class names (the head gets one output per name)
   * @param seed the engine seed of the random weights
   * @return {@code runDir}
   */
  public static Path write(Path runDir, List<String> classes, int seed) {
    return write(runDir, classes, seed, BERT);
  }

  /**
   * Exports a fresh model with another encoder into {@code runDir/model}.
   *
   * @param runDir the run directory to create
   * @param classes the class names (the head gets one output per name)
   * @param seed the engine seed of the random weights
   * @param bert the encoder (its vocabulary must hold the MiniLM tokenizer's ids)
   * @return {@code runDir}
   */
  public static Path write(Path runDir, List<String> classes, int seed, BertConfig bert) {
    return write(runDir, classes, seed, bert, null);
  }

  /**
   * Exports a model whose biases are all NaN (as a diverged run's would be), manifest intact.
   *
   * @param runDir the run directory to create
   * @return {@code runDir}
   */
  public static Path writeDiverged(Path runDir) {
    return write(runDir, List.of("neg", "pos"), 7, BERT, new ConstantInitializer(Float.NaN));
  }

  private static Path write(
      Path runDir, List<String> classes, int seed, BertConfig bert, Initializer bias) {
    Engine.getInstance().setRandomSeed(seed);
    TextClassifierBlock block = new TextClassifierBlock(bert, classes.size(), "mean", 0.1);
    // Weights larger than BERT's 0.02 so that the texts get clearly different probabilities.
    block.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
    if (bias != null) {
      block.setInitializer(bias, Parameter.Type.BIAS);
    }
    try (Model model = Model.newInstance("finetune4j");
        TextTokenizer tokenizer = TextTokenizer.miniLm(MAX_LENGTH)) {
      model.setBlock(block);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
      Exporter.write(runDir.resolve(Exporter.MODEL_DIR), model, tokenizer, metadata(classes, bert));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return runDir;
  }

  /**
   * The metadata, exactly as {@code FineTune.run} builds it.
   *
   * @param classes the class names
   * @return keys {@code bert, classes, pooling, dropout, max_length}
   */
  public static ObjectNode metadata(List<String> classes) {
    return metadata(classes, BERT);
  }

  private static ObjectNode metadata(List<String> classes, BertConfig bert) {
    ObjectNode cfg = JSON.createObjectNode();
    cfg.set("bert", JSON.valueToTree(bert));
    ArrayNode cls = cfg.putArray("classes");
    classes.forEach(cls::add);
    cfg.put("pooling", "mean");
    cfg.put("dropout", 0.1);
    cfg.put("max_length", MAX_LENGTH);
    return cfg;
  }

  /**
   * The model directory of a run directory.
   *
   * @param runDir the run directory
   * @return {@code runDir/model}
   */
  public static Path modelDir(Path runDir) {
    return runDir.resolve(Exporter.MODEL_DIR);
  }

  /**
   * Rewrites the manifest of a model directory after a test changed its files on purpose, so that
   * the checks behind the manifest (metadata, parameter shapes) are reached.
   *
   * @param modelDir the model directory
   */
  public static void reseal(Path modelDir) {
    try {
      Manifest.write(modelDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
