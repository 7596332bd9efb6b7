package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.bert.HfDirectory;
import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.model.safetensors.BertCheckpoint;
import io.github.finetune4j.model.safetensors.CheckpointFormatException;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.recipe.HeadSpec;
import io.github.finetune4j.recipe.SafetensorsModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code model: {type: safetensors, dir}}: a Hugging Face BERT-family checkpoint directory ({@code
 * config.json}, {@code model.safetensors}, {@code tokenizer.json}), F32/F16/BF16.
 *
 * <p>A checkpoint with a classifier ({@code classifier.weight}, {@code classifier.bias}), such as a
 * Finetune4J Hugging Face export, keeps it as the head with {@code head.replace: none}: its outputs
 * must be the recipe's classes, in number and, where {@code config.json} has {@code id2label}, in
 * name and order; a checkpoint with a pooler (a {@code BertForSequenceClassification}) is refused
 * there, since its classifier reads the pooler's output, which this model does not have. With
 * {@code head.replace: classifier} the classifier is left out and a note says so.
 */
final class SafetensorsBertSource implements TextEncoderSource {

  private final SafetensorsModel spec;

  SafetensorsBertSource(SafetensorsModel spec) {
    this.spec = spec;
  }

  @Override
  public String describe() {
    return "safetensors " + spec.dir();
  }

  @Override
  public BertConfig config() throws BadInputException {
    try {
      return BertCheckpoint.readConfig(Path.of(spec.dir()).resolve(BertCheckpoint.CONFIG_FILE));
    } catch (IOException e) {
      throw bad(e);
    }
  }

  @Override
  public TextTokenizer tokenizer(int maxLength) throws BadInputException {
    try {
      return TextTokenizer.fromFile(
          Path.of(spec.dir()).resolve(BertCheckpoint.TOKENIZER_FILE), maxLength);
    } catch (IOException | RuntimeException e) {
      throw new BadInputException(
          List.of(
              "model.dir: "
                  + spec.dir()
                  + ": "
                  + BertCheckpoint.TOKENIZER_FILE
                  + " is not a usable tokenizer ("
                  + e.getMessage()
                  + ")"));
    }
  }

  @Override
  public Map<String, WeightTensor> weights() throws BadInputException {
    try (BertCheckpoint checkpoint = BertCheckpoint.open(Path.of(spec.dir()))) {
      return checkpoint.weights();
    } catch (IOException e) {
      throw bad(e);
    }
  }

  /**
   * Checks, reading only the files' headers, that the checkpoint's classifier can be the recipe's
   * head when {@code head.replace} is {@code none}; nothing to check otherwise.
   *
   * @param head the recipe's head
   * @throws BadInputException naming the recipe field and both sides of each difference
   */
  void checkHead(HeadSpec head) throws BadInputException {
    if (!"none".equals(head.replace())) {
      return;
    }
    Path dir = Path.of(spec.dir());
    int outputs;
    boolean pooler;
    try (BertCheckpoint checkpoint = BertCheckpoint.open(dir)) {
      outputs = checkpoint.classifierOutputs();
      pooler = checkpoint.hasPooler();
    } catch (IOException e) {
      throw bad(e);
    }
    if (outputs == 0) {
      throw new BadInputException(
          List.of(
              "head.replace: 'none' keeps the checkpoint's own classifier, but "
                  + dir.resolve(BertCheckpoint.WEIGHTS_FILE)
                  + " has none (no "
                  + HfDirectory.CLASSIFIER_WEIGHT
                  + " and "
                  + HfDirectory.CLASSIFIER_BIAS
                  + "); use head.replace: classifier to put a new head on"));
    }
    if (pooler) {
      throw new BadInputException(
          List.of(
              "head.replace: 'none' keeps the checkpoint's own classifier, but "
                  + dir
                  + " has a pooler (pooler.dense.*, as BertForSequenceClassification saves it):"
                  + " its classifier reads the pooler's output, which this model does not have;"
                  + " use head.replace: classifier to put a new head on"));
    }
    List<String> labels = labels(dir.resolve(BertCheckpoint.CONFIG_FILE));
    List<String> classes = head.classes() == null ? List.of() : head.classes();
    if (outputs != classes.size()) {
      throw new BadInputException(
          List.of(
              "head.classes: "
                  + classes.size()
                  + " classes "
                  + classes
                  + ", but the classifier of "
                  + dir
                  + " has "
                  + outputs
                  + " outputs"
                  + (labels == null ? "" : " " + labels + " (id2label of its config.json)")
                  + "; head.replace: none keeps that classifier"));
    }
    if (labels != null && !labels.equals(classes)) {
      throw new BadInputException(
          List.of(
              "head.classes: "
                  + classes
                  + " differ from the labels of the classifier of "
                  + dir
                  + ", "
                  + labels
                  + " (id2label of its config.json); head.replace: none keeps that classifier,"
                  + " whose outputs are in that order: list them the same way"));
    }
  }

  /**
   * A line for the console about the head, or null: the checkpoint was fine-tuned with another
   * pooling than the recipe's ({@code finetune4j.pooling} of its config.json), or its classifier is
   * left out ({@code head.replace: classifier}).
   *
   * @param head the recipe's head
   * @return the line, or null
   * @throws BadInputException when the checkpoint cannot be read
   */
  String headNote(HeadSpec head) throws BadInputException {
    Path dir = Path.of(spec.dir());
    String pooling =
        readConfig(dir.resolve(BertCheckpoint.CONFIG_FILE))
            .path(HfDirectory.FINETUNE4J_KEY)
            .path("pooling")
            .asText(null);
    if (pooling != null && !pooling.equals(head.pooling())) {
      return "Warning: head.pooling is '"
          + head.pooling()
          + "', but "
          + dir
          + " was fine-tuned with '"
          + pooling
          + "' pooling (finetune4j.pooling of its config.json)";
    }
    if (!"none".equals(head.replace())) {
      int outputs;
      try (BertCheckpoint checkpoint = BertCheckpoint.open(dir)) {
        outputs = checkpoint.classifierOutputs();
      } catch (IOException e) {
        throw bad(e);
      }
      if (outputs > 0) {
        return "Note: the classifier of "
            + dir
            + " ("
            + outputs
            + " outputs) is left out: head.replace: classifier puts a new head on (none keeps"
            + " it)";
      }
    }
    return null;
  }

  /**
   * The checkpoint's classifier as the head's parameters.
   *
   * @return {@code head.weight} and {@code head.bias}
   * @throws BadInputException when the checkpoint cannot be read or has no classifier
   */
  Map<String, WeightTensor> keptHead() throws BadInputException {
    try (BertCheckpoint checkpoint = BertCheckpoint.open(Path.of(spec.dir()))) {
      Map<String, WeightTensor> c = checkpoint.classifier();
      if (c.isEmpty()) {
        throw new BadInputException(
            List.of("model.dir: " + spec.dir() + ": the checkpoint has no classifier to keep"));
      }
      Map<String, WeightTensor> out = new LinkedHashMap<>();
      out.put("head.weight", c.get(HfDirectory.CLASSIFIER_WEIGHT));
      out.put("head.bias", c.get(HfDirectory.CLASSIFIER_BIAS));
      return out;
    } catch (IOException e) {
      throw bad(e);
    }
  }

  /** The labels of {@code id2label} in id order, or null when the config has none. */
  private static List<String> labels(Path configFile) throws BadInputException {
    JsonNode id2label = readConfig(configFile).path("id2label");
    if (id2label.isMissingNode() || id2label.isNull()) {
      return null;
    }
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < id2label.size(); i++) {
      JsonNode label = id2label.path(Integer.toString(i));
      if (!label.isTextual()) {
        throw new BadInputException(
            List.of(
                "model.dir: "
                    + configFile
                    + ": id2label must map the ids 0 to "
                    + (id2label.size() - 1)
                    + " to label names, got "
                    + Problems.describe(id2label)));
      }
      labels.add(label.asText());
    }
    return labels;
  }

  private static JsonNode readConfig(Path configFile) throws BadInputException {
    JsonNode root = Problems.readJson(configFile);
    if (root == null || !root.isObject()) {
      throw new BadInputException(List.of("model.dir: " + configFile + ": not a JSON object"));
    }
    return root;
  }

  /** One line per problem: a config.json with several wrong fields gives several lines. */
  private BadInputException bad(IOException e) {
    List<String> problems =
        e instanceof CheckpointFormatException c ? c.problems() : List.of(e.getMessage());
    return new BadInputException(problems.stream().map(p -> "model.dir: " + p).toList());
  }
}
