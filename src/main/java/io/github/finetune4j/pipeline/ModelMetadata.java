package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.bert.BertConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checked contents of an exported model's {@value Exporter#MODEL_CONFIG}, as {@code
 * FineTune.run} writes it: {@code bert} (the encoder's sizes), {@code classes}, {@code pooling},
 * {@code dropout}, {@code max_length} and, optionally, {@code text_field} and {@code text_pair}.
 *
 * @param bert the encoder's architecture
 * @param classes the class names (at least two), or a multi-label model's labels (at least one),
 *     all different; none for an embedding model
 * @param pooling {@code mean}, {@code cls} or {@code max}
 * @param dropout the dropout before the head (unused in prediction)
 * @param maxLength the most tokens per text
 * @param textField the JSONL field that holds the text ({@value #DEFAULT_TEXT_FIELD} when not
 *     recorded)
 * @param task {@code classification} (also when not recorded), {@code multilabel} or {@code
 *     embedding}
 * @param threshold a multi-label model's decision threshold (0.5 when not recorded)
 * @param thresholds a multi-label model's per-label thresholds, or null
 * @param normalize whether an embedding model's vectors are L2-normalized (true when not recorded)
 * @param textPair the JSONL field of the second text of a model of text pairs (a cross-encoder), or
 *     null for a model of single texts
 */
record ModelMetadata(
    BertConfig bert,
    List<String> classes,
    String pooling,
    double dropout,
    int maxLength,
    String textField,
    String task,
    double threshold,
    double[] thresholds,
    boolean normalize,
    String textPair) {

  /** The metadata of a classifier of single texts (no normalization or text pair to record). */
  ModelMetadata(
      BertConfig bert,
      List<String> classes,
      String pooling,
      double dropout,
      int maxLength,
      String textField,
      String task,
      double threshold,
      double[] thresholds) {
    this(
        bert,
        classes,
        pooling,
        dropout,
        maxLength,
        textField,
        task,
        threshold,
        thresholds,
        true,
        null);
  }

  /** Text field of JSONL input when the metadata records none. */
  static final String DEFAULT_TEXT_FIELD = "text";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> BERT_INTS =
      List.of(
          "vocabSize",
          "hiddenSize",
          "numLayers",
          "numHeads",
          "intermediateSize",
          "maxPositions",
          "typeVocabSize");
  private static final List<String> BERT_RATES =
      List.of("layerNormEps", "hiddenDropout", "attentionDropout");

  /**
   * Reads and checks a metadata file.
   *
   * @param file the file
   * @return the metadata
   * @throws BadInputException with one sentence, naming the file, per problem
   */
  static ModelMetadata read(Path file) throws BadInputException {
    JsonNode root = Problems.readJson(file);
    if (root == null || root.isMissingNode()) {
      throw bad(file + ": empty, expected the JSON object written at export");
    }
    if (!root.isObject()) {
      throw bad(file + ": expected a JSON object, got " + Problems.describe(root));
    }
    List<String> problems = new ArrayList<>();
    ExportFormat.check(file, root, problems);
    BertConfig bert = bert(file, root.path("bert"), problems);
    JsonNode task = root.path("task");
    boolean embedding = task.isTextual() && "embedding".equals(task.asText());
    boolean labelSet = "multilabel".equals(task.asText(""));
    List<String> classes =
        classes(file, root.path("classes"), embedding ? 0 : labelSet ? 1 : 2, problems);
    JsonNode pooling = root.path("pooling");
    if (!pooling.isTextual() || !List.of("mean", "cls", "max").contains(pooling.asText())) {
      problems.add(
          file
              + ": \"pooling\" must be \"mean\", \"cls\" or \"max\", got "
              + Problems.describe(pooling));
    }
    JsonNode normalize = root.path("normalize");
    if (!normalize.isMissingNode() && !normalize.isBoolean()) {
      problems.add(
          file + ": \"normalize\" must be true or false, got " + Problems.describe(normalize));
    }
    JsonNode dropout = root.path("dropout");
    if (!dropout.isNumber() || !(dropout.asDouble() >= 0 && dropout.asDouble() < 1)) {
      problems.add(
          file + ": \"dropout\" must be a number in [0, 1), got " + Problems.describe(dropout));
    }
    JsonNode maxLength = root.path("max_length");
    int maxPositions = bert == null ? Integer.MAX_VALUE : bert.maxPositions();
    if (!maxLength.isIntegralNumber()
        || !maxLength.canConvertToInt()
        || maxLength.asInt() < 2
        || maxLength.asInt() > maxPositions) {
      problems.add(
          file
              + ": \"max_length\" must be a whole number from 2 to "
              + (bert == null ? "the encoder's positions" : maxPositions)
              + ", got "
              + Problems.describe(maxLength));
    }
    JsonNode textField = root.path("text_field");
    if (!textField.isMissingNode() && (!textField.isTextual() || textField.asText().isEmpty())) {
      problems.add(
          file + ": \"text_field\" must be a field name, got " + Problems.describe(textField));
    }
    JsonNode textPair = root.path("text_pair");
    if (!textPair.isMissingNode() && (!textPair.isTextual() || textPair.asText().isEmpty())) {
      problems.add(
          file + ": \"text_pair\" must be a field name, got " + Problems.describe(textPair));
    }
    if (!task.isMissingNode()
        && !(task.isTextual()
            && List.of("classification", "multilabel", "embedding").contains(task.asText()))) {
      problems.add(
          file
              + ": \"task\" must be \"classification\", \"multilabel\" or \"embedding\", got "
              + Problems.describe(task));
    }
    JsonNode threshold = root.path("threshold");
    if (!threshold.isMissingNode()
        && (!threshold.isNumber() || !(threshold.asDouble() > 0 && threshold.asDouble() < 1))) {
      problems.add(
          file + ": \"threshold\" must be a number in (0, 1), got " + Problems.describe(threshold));
    }
    double[] perLabel = ExportFormat.thresholds(file, root, classes.size(), problems);
    if (!problems.isEmpty()) {
      throw new BadInputException(problems);
    }
    return new ModelMetadata(
        bert,
        classes,
        pooling.asText(),
        dropout.asDouble(),
        maxLength.asInt(),
        textField.isMissingNode() ? DEFAULT_TEXT_FIELD : textField.asText(),
        task.isMissingNode() ? "classification" : task.asText(),
        threshold.isMissingNode() ? 0.5 : threshold.asDouble(),
        perLabel,
        normalize.isMissingNode() || normalize.asBoolean(),
        textPair.isMissingNode() ? null : textPair.asText());
  }

  private static BertConfig bert(Path file, JsonNode bert, List<String> problems) {
    if (!bert.isObject()) {
      problems.add(
          file
              + ": \"bert\" must be an object with the encoder's sizes, got "
              + Problems.describe(bert));
      return null;
    }
    int before = problems.size();
    int[] ints = new int[BERT_INTS.size()];
    for (int i = 0; i < ints.length; i++) {
      JsonNode v = bert.path(BERT_INTS.get(i));
      if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1) {
        problems.add(
            file
                + ": \"bert."
                + BERT_INTS.get(i)
                + "\" must be a positive whole number, got "
                + Problems.describe(v));
      }
      ints[i] = v.asInt();
    }
    double[] rates = new double[BERT_RATES.size()];
    for (int i = 0; i < rates.length; i++) {
      JsonNode v = bert.path(BERT_RATES.get(i));
      if (!v.isNumber()) {
        problems.add(
            file
                + ": \"bert."
                + BERT_RATES.get(i)
                + "\" must be a number, got "
                + Problems.describe(v));
      }
      rates[i] = v.asDouble();
    }
    if (problems.size() > before) {
      return null;
    }
    try {
      return new BertConfig(
          ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], ints[6], rates[0], rates[1],
          rates[2]);
    } catch (IllegalArgumentException e) {
      problems.add(file + ": \"bert\" is not a valid encoder (" + e.getMessage() + ")");
      return null;
    }
  }

  private static List<String> classes(Path file, JsonNode node, int least, List<String> problems) {
    if (!node.isArray()) {
      problems.add(
          file + ": \"classes\" must be a list of class names, got " + Problems.describe(node));
      return List.of();
    }
    List<String> classes = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (JsonNode c : node) {
      if (!c.isTextual() || c.asText().isEmpty()) {
        problems.add(file + ": \"classes\" must hold non-empty names, got " + Problems.describe(c));
      } else if (!seen.add(c.asText())) {
        problems.add(file + ": \"classes\" lists " + Problems.describe(c) + " more than once");
      } else {
        classes.add(c.asText());
      }
    }
    if (node.size() < least) {
      problems.add(
          file
              + ": \"classes\" must list at least "
              + (least == 1 ? "1 label" : least + " classes")
              + ", got "
              + node.size());
    }
    return List.copyOf(classes);
  }

  private static BadInputException bad(String problem) {
    return new BadInputException(List.of(problem));
  }
}
