package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.data.ImageTransform;
import io.github.finetune4j.data.Standardizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The checked contents of the {@value Exporter#MODEL_CONFIG} of an exported model of feature
 * vectors, as {@link FeatureFamily} writes it:
 *
 * <pre>{@code
 * {"kind": "features", "task": "classification" | "regression",
 *  "module": {"type": "torchscript", "source": "torchscript" | "djl",
 *             "example_shape": [10], "method": "features", "outputs": 32},
 *   or for a DJL-native block
 *  "module": {"type": "djl-block", "source": "djl", "example_shape": [4], "outputs": 16,
 *             "block_factory": "com.example.MyFactory", "arguments": {...},
 *             "features_block": "03LambdaBlock"},
 *  "head": "classifier" | "none", "dropout": 0.1,
 *  "classes": [...]  (classification) | "targets": [...]  (regression)
 *    | "labels": [...], "threshold": 0.5  (multilabel),
 *  "target_mapping": {"scale": [...], "shift": [...]}  (optional: outputs * scale + shift),
 *  "delimiter": ",", "standardizer": {... Standardizer.toJson ...}}   (csv rows), or
 *  "image": {... ImageTransform.toJson ...}}                            (images)
 * }</pre>
 *
 * The feature columns are the standardizer's. A metadata file without {@code kind} is a text
 * classifier's ({@link ModelMetadata}).
 *
 * @param task {@code classification}, {@code regression} or {@code multilabel}
 * @param moduleType the module's format, {@code torchscript} or {@code djl-block}
 * @param exampleShape the module's input shape of one example
 * @param method the exported method run instead of forward, or null
 * @param moduleOutputs the width of the module's own output
 * @param head {@code classifier} or {@code none}
 * @param dropout dropout before the head in training (unused in prediction)
 * @param outputs the class names or the target names, in output order
 * @param scale per output, the factor of the output mapping, or null
 * @param shift per output, the offset of the output mapping, or null
 * @param delimiter the field separator of the csv files
 * @param standardizer fitted on the training split; its feature names are the feature columns (null
 *     for a model of images)
 * @param image how images become inputs, for a model of images (then no standardizer), or null
 * @param blockFactory a DJL-native module's block factory class, or null
 * @param arguments the arguments its factory is given (empty for TorchScript)
 * @param featuresBlock the child a DJL-native module was cut at, or null
 * @param threshold a multi-label model's decision threshold (0.5 otherwise)
 * @param thresholds a multi-label model's per-label thresholds, or null
 */
record FeatureMetadata(
    String task,
    String moduleType,
    long[] exampleShape,
    String method,
    int moduleOutputs,
    String head,
    double dropout,
    List<String> outputs,
    float[] scale,
    float[] shift,
    char delimiter,
    Standardizer standardizer,
    ImageTransform image,
    String blockFactory,
    Map<String, String> arguments,
    String featuresBlock,
    double threshold,
    double[] thresholds) {

  /** The value of {@code kind}. */
  static final String KIND = "features";

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Whether this is a classification.
   *
   * @return true for one
   */
  boolean classification() {
    return task.equals("classification");
  }

  /**
   * The feature columns, in the order the model reads them.
   *
   * @return the names
   */
  List<String> featureColumns() {
    return standardizer == null ? List.of() : standardizer.featureNames();
  }

  /**
   * Whether the model reads images.
   *
   * @return true for one
   */
  boolean images() {
    return image != null;
  }

  /** What {@link #kindOf} says of the metadata of a text classifier (it has no "kind"). */
  static final String TEXT = "text";

  /**
   * The kind of model a metadata file describes: its {@code kind} field, {@value #TEXT} for a JSON
   * object without one (a text classifier's), or null when it cannot be read as a JSON object (the
   * full checks say why).
   *
   * @param file the metadata file
   * @return the kind, or null
   */
  static String kindOf(Path file) {
    try {
      JsonNode root = JSON.readTree(Files.readAllBytes(file));
      if (root == null || !root.isObject()) {
        return null;
      }
      JsonNode kind = root.path("kind");
      return kind.isMissingNode() ? TEXT : kind.isTextual() ? kind.asText() : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Reads and checks a metadata file.
   *
   * @param file the file
   * @return the metadata
   * @throws BadInputException with one sentence, naming the file, per problem
   */
  static FeatureMetadata read(Path file) throws BadInputException {
    JsonNode root = Problems.readJson(file);
    if (root == null || !root.isObject()) {
      throw bad(
          file
              + ": expected the JSON object written at export, got "
              + (root == null ? "nothing" : Problems.describe(root)));
    }
    List<String> problems = new ArrayList<>();
    ExportFormat.check(file, root, problems);
    if (!KIND.equals(root.path("kind").asText(null))) {
      problems.add(
          file
              + ": \"kind\" must be \""
              + KIND
              + "\", got "
              + Problems.describe(root.path("kind")));
    }
    JsonNode task = root.path("task");
    boolean classification = "classification".equals(task.asText(null));
    boolean multilabel = "multilabel".equals(task.asText(null));
    if (!classification && !multilabel && !"regression".equals(task.asText(null))) {
      problems.add(
          file
              + ": \"task\" must be \"classification\", \"regression\" or \"multilabel\", got "
              + Problems.describe(task));
    }
    JsonNode threshold = root.path("threshold");
    if (multilabel
        && (!threshold.isNumber() || !(threshold.asDouble() > 0 && threshold.asDouble() < 1))) {
      problems.add(
          file
              + ": \"threshold\" must be a number in (0, 1) for a multilabel model, got "
              + Problems.describe(threshold));
    }
    JsonNode module = root.path("module");
    String moduleType = module.path("type").asText(null);
    boolean nativeBlock = "djl-block".equals(moduleType);
    if (!"torchscript".equals(moduleType) && !nativeBlock) {
      problems.add(
          file
              + ": \"module.type\" must be \"torchscript\" or \"djl-block\", got "
              + Problems.describe(module.path("type")));
    }
    JsonNode factory = module.path("block_factory");
    if (nativeBlock && (!factory.isTextual() || factory.asText().isBlank())) {
      problems.add(
          file
              + ": \"module.block_factory\" must name the block factory class of a"
              + " djl-block module, got "
              + Problems.describe(factory));
    }
    Map<String, String> arguments = new TreeMap<>();
    JsonNode args = module.path("arguments");
    if (!args.isMissingNode()) {
      if (!args.isObject()) {
        problems.add(
            file
                + ": \"module.arguments\" must be an object of strings, got "
                + Problems.describe(args));
      } else {
        args.fields().forEachRemaining(e -> arguments.put(e.getKey(), e.getValue().asText()));
      }
    }
    JsonNode cut = module.path("features_block");
    if (!cut.isMissingNode() && (!cut.isTextual() || cut.asText().isEmpty())) {
      problems.add(
          file
              + ": \"module.features_block\" must be a child's name, got "
              + Problems.describe(cut));
    }
    long[] example = null;
    JsonNode shape = module.path("example_shape");
    if (!shape.isArray() || shape.isEmpty()) {
      problems.add(
          file
              + ": \"module.example_shape\" must be a list of dimensions, got "
              + Problems.describe(shape));
    } else {
      example = new long[shape.size()];
      for (int i = 0; i < example.length; i++) {
        JsonNode d = shape.get(i);
        if (!d.isIntegralNumber() || d.asLong() < 1) {
          problems.add(
              file
                  + ": \"module.example_shape\" must hold positive whole numbers, got "
                  + Problems.describe(d));
        }
        example[i] = d.asLong();
      }
    }
    JsonNode method = module.path("method");
    if (!method.isMissingNode()
        && (!method.isTextual() || !method.asText().matches("[A-Za-z_][A-Za-z0-9_]*"))) {
      problems.add(
          file + ": \"module.method\" must be a method name, got " + Problems.describe(method));
    }
    JsonNode moduleOutputs = module.path("outputs");
    if (!moduleOutputs.isIntegralNumber()
        || !moduleOutputs.canConvertToInt()
        || moduleOutputs.asInt() < 1) {
      problems.add(
          file
              + ": \"module.outputs\" must be a positive whole number, got "
              + Problems.describe(moduleOutputs));
    }
    JsonNode head = root.path("head");
    if (!"classifier".equals(head.asText(null)) && !"none".equals(head.asText(null))) {
      problems.add(
          file + ": \"head\" must be \"classifier\" or \"none\", got " + Problems.describe(head));
    }
    JsonNode dropout = root.path("dropout");
    if (!dropout.isNumber() || !(dropout.asDouble() >= 0 && dropout.asDouble() < 1)) {
      problems.add(
          file + ": \"dropout\" must be a number in [0, 1), got " + Problems.describe(dropout));
    }
    String field = classification ? "classes" : multilabel ? "labels" : "targets";
    List<String> outputs = names(file, field, root.path(field), classification ? 2 : 1, problems);
    float[][] mapping = null;
    JsonNode map = root.path("target_mapping");
    if (!map.isMissingNode()) {
      mapping = new float[2][];
      int i = 0;
      for (String part : List.of("scale", "shift")) {
        JsonNode values = map.path(part);
        if (!values.isArray() || values.size() != outputs.size()) {
          problems.add(
              file
                  + ": \"target_mapping."
                  + part
                  + "\" must list one number per"
                  + " target, got "
                  + Problems.describe(values));
          i++;
          continue;
        }
        float[] v = new float[values.size()];
        for (int j = 0; j < v.length; j++) {
          if (!values.get(j).isNumber()
              || !Float.isFinite((float) values.get(j).asDouble())
              || part.equals("scale") && !(values.get(j).asDouble() > 0)) {
            problems.add(
                file
                    + ": \"target_mapping."
                    + part
                    + "\" must hold finite numbers"
                    + (part.equals("scale") ? " above 0" : "")
                    + ", got "
                    + Problems.describe(values.get(j)));
          }
          v[j] = (float) values.get(j).asDouble();
        }
        mapping[i++] = v;
      }
    }
    JsonNode delimiter = root.path("delimiter");
    Standardizer standardizer = null;
    ImageTransform image = null;
    if (root.has("image")) {
      try {
        image = ImageTransform.fromJson(root.get("image"));
      } catch (IllegalArgumentException e) {
        problems.add(file + ": \"image\": " + e.getMessage());
      }
      if (example != null
          && (example.length != 3 || (image != null && example[0] != image.channels()))) {
        problems.add(
            file
                + ": \"module.example_shape\" must be [channels, height, width] of the images,"
                + " got "
                + Arrays.toString(example));
      }
    } else {
      if (!delimiter.isTextual() || delimiter.asText().length() != 1) {
        problems.add(
            file + ": \"delimiter\" must be one character, got " + Problems.describe(delimiter));
      }
      try {
        standardizer = Standardizer.fromJson(root.get("standardizer"));
      } catch (IllegalArgumentException e) {
        problems.add(file + ": " + e.getMessage());
      }
    }
    if (standardizer != null && example != null) {
      long size = 1;
      for (long d : example) {
        size *= d;
      }
      if (size != standardizer.featureNames().size()) {
        problems.add(
            file
                + ": \"module.example_shape\" takes "
                + size
                + " values, but the"
                + " standardizer has "
                + standardizer.featureNames().size()
                + " features");
      }
    }
    if ("none".equals(head.asText(null)) && moduleOutputs.asInt() != outputs.size()) {
      problems.add(
          file
              + ": \"head\" is \"none\", so the module's "
              + moduleOutputs.asInt()
              + " outputs must be one per "
              + (classification ? "class" : multilabel ? "label" : "target")
              + " ("
              + outputs.size()
              + ")");
    }
    double[] perLabel =
        multilabel ? ExportFormat.thresholds(file, root, outputs.size(), problems) : null;
    if (!problems.isEmpty()) {
      throw new BadInputException(problems);
    }
    return new FeatureMetadata(
        task.asText(),
        moduleType,
        example,
        method.isMissingNode() ? null : method.asText(),
        moduleOutputs.asInt(),
        head.asText(),
        dropout.asDouble(),
        outputs,
        mapping == null ? null : mapping[0],
        mapping == null ? null : mapping[1],
        image != null ? ',' : delimiter.asText().charAt(0),
        standardizer,
        image,
        nativeBlock ? factory.asText() : null,
        Map.copyOf(arguments),
        cut.isTextual() ? cut.asText() : null,
        multilabel ? threshold.asDouble() : 0.5,
        perLabel);
  }

  private static List<String> names(
      Path file, String field, JsonNode node, int least, List<String> problems) {
    if (!node.isArray()) {
      problems.add(
          file + ": \"" + field + "\" must be a list of names, got " + Problems.describe(node));
      return List.of();
    }
    List<String> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (JsonNode c : node) {
      if (!c.isTextual() || c.asText().isEmpty()) {
        problems.add(
            file + ": \"" + field + "\" must hold non-empty names, got " + Problems.describe(c));
      } else if (!seen.add(c.asText())) {
        problems.add(
            file + ": \"" + field + "\" lists " + Problems.describe(c) + " more than once");
      } else {
        out.add(c.asText());
      }
    }
    if (node.size() < least) {
      problems.add(
          file + ": \"" + field + "\" must list at least " + least + ", got " + node.size());
    }
    return List.copyOf(out);
  }

  private static BadInputException bad(String problem) {
    return new BadInputException(List.of(problem));
  }
}
