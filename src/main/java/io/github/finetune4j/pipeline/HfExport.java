package io.github.finetune4j.pipeline;

import ai.djl.nn.Block;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.github.finetune4j.model.bert.HfDirectory;
import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.model.text.TextTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes the Hugging Face directory of a text run ({@link HfDirectory}) with its model card ({@link
 * ModelCard}), from the run directory's files and the trained block: the one entry point for the
 * runner and for {@code finetune export}. It writes no manifest: the caller lists the files.
 */
final class HfExport {

  private static final YAMLMapper YAML = new YAMLMapper();

  private HfExport() {}

  /**
   * Writes {@code hfDir}.
   *
   * @param runDir the run directory: {@code summary.json}, {@code recipe.resolved.yaml}, {@code
   *     plan.json}
   * @param modelDir the exported model: {@value Exporter#MODEL_CONFIG}, {@code tokenizer.json} and
   *     (optional) {@code provenance.json}
   * @param hfDir the directory to write: new, or empty
   * @param block the trained text classifier, its parameters loaded
   * @throws BadInputException when a file of the run is missing or not what the run writes, the
   *     metadata is not a text model's, {@code hfDir} is not empty, or the block's parameters do
   *     not fit the metadata
   * @throws IOException when writing fails
   */
  static void write(Path runDir, Path modelDir, Path hfDir, Block block)
      throws IOException, BadInputException {
    ModelMetadata meta = ModelMetadata.read(modelDir.resolve(Exporter.MODEL_CONFIG));
    JsonNode summary = object(runDir.resolve("summary.json"));
    JsonNode plan = object(runDir.resolve("plan.json"));
    Path recipeFile = runDir.resolve("recipe.resolved.yaml");
    String recipeText = read(recipeFile);
    JsonNode recipe;
    try {
      recipe = YAML.readTree(recipeText);
    } catch (JsonProcessingException e) {
      throw new BadInputException(List.of(recipeFile + ": not valid YAML"));
    }
    if (recipe == null || !recipe.isObject()) {
      throw new BadInputException(List.of(recipeFile + ": not a recipe (expected a mapping)"));
    }
    Path provenanceFile = modelDir.resolve(Provenance.FILE);
    JsonNode provenance =
        Files.isRegularFile(provenanceFile) ? object(provenanceFile) : MissingNode.getInstance();
    Path tokenizerFile = modelDir.resolve(TextTokenizer.FILE_NAME);
    byte[] tokenizer;
    try {
      tokenizer = Files.readAllBytes(tokenizerFile);
    } catch (IOException e) {
      throw new BadInputException(List.of(Problems.unreadable(tokenizerFile, e)));
    }
    if (Files.exists(hfDir)) {
      try (var s = Files.list(hfDir)) {
        if (s.findAny().isPresent()) {
          throw new BadInputException(
              List.of(hfDir + ": exists and is not empty; give a new directory for the export"));
        }
      }
    }
    Map<String, WeightTensor> parameters = parameters(block, meta);
    String card =
        ModelCard.text(new ModelCard.Inputs(meta, summary, plan, recipe, recipeText, provenance));
    HfDirectory hf;
    try {
      hf =
          HfDirectory.builder()
              .setConfig(meta.bert())
              .setParameters(parameters)
              .setLabels(meta.classes())
              .setTask(meta.task())
              .optNormalize(meta.normalize())
              .setPooling(meta.pooling())
              .setMaxLength(meta.maxLength())
              .optThresholds(ModelCard.thresholds(meta))
              .optDropout(meta.dropout())
              .setTokenizerJson(tokenizer)
              .setReadme(card)
              .build();
    } catch (IllegalArgumentException e) {
      throw new BadInputException(List.of(modelDir + ": " + e.getMessage()));
    }
    hf.write(hfDir);
  }

  /** The block's parameters as float32 copies, by block name; each must be initialized. */
  private static Map<String, WeightTensor> parameters(Block block, ModelMetadata meta)
      throws BadInputException {
    Map<String, WeightTensor> out = OnnxExport.weights(block);
    if ("embedding".equals(meta.task())) {
      return out; // no head: checked by HfDirectory
    }
    WeightTensor head = out.get("head.weight");
    long hidden = meta.bert().hiddenSize();
    if (head == null
        || head.shape().length != 2
        || head.shape()[0] != meta.classes().size()
        || head.shape()[1] != hidden) {
      throw new BadInputException(
          List.of(
              "the block is not the text classifier that "
                  + Exporter.MODEL_CONFIG
                  + " describes: it needs head.weight ["
                  + meta.classes().size()
                  + ", "
                  + hidden
                  + "], got "
                  + (head == null ? "none" : Arrays.toString(head.shape()))));
    }
    return out;
  }

  private static JsonNode object(Path file) throws BadInputException {
    JsonNode node = Problems.readJson(file);
    if (node == null || !node.isObject()) {
      throw new BadInputException(
          List.of(
              file + ": expected the JSON object the run writes, got " + Problems.describe(node)));
    }
    return node;
  }

  private static String read(Path file) throws BadInputException {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new BadInputException(List.of(Problems.unreadable(file, e)));
    }
  }
}
