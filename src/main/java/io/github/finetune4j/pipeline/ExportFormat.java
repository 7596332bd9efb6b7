package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * The one export metadata format, {@value Exporter#MODEL_CONFIG}: every export written now carries
 * {@code "format": 2}, its {@code "family"} ({@code text}, {@code features}, or {@code block} for a
 * Java user's own block) and its {@code "task"}, beside the family's own fields ({@link
 * ModelMetadata}, {@link FeatureMetadata}). Exports of earlier versions have no {@code format}
 * (version 1: a text classifier without {@code kind}, or {@code kind: features}) and still load.
 */
final class ExportFormat {

  /** The version written now. */
  static final int VERSION = 2;

  private ExportFormat() {}

  /**
   * Stamps a metadata object with the format version, family and task.
   *
   * @param meta the metadata
   * @param family {@code text}, {@code features} or {@code block}
   * @param task the task's name
   */
  static void stamp(ObjectNode meta, String family, String task) {
    meta.put("format", VERSION);
    meta.put("family", family);
    meta.put("task", task);
  }

  /**
   * Checks the format version: absent (1) or one this version reads.
   *
   * @param file the metadata file
   * @param root its contents
   * @param problems where a problem is added
   */
  static void check(Path file, JsonNode root, List<String> problems) {
    JsonNode format = root.path("format");
    if (format.isMissingNode()) {
      return;
    }
    if (!format.isIntegralNumber() || format.asInt() < 1) {
      problems.add(
          file + ": \"format\" must be a version number, got " + Problems.describe(format));
    } else if (format.asInt() > VERSION) {
      problems.add(
          file
              + ": written in export format "
              + format.asInt()
              + " by a newer Finetune4J; this version reads formats 1 to "
              + VERSION);
    }
  }

  /**
   * Refuses an export of a Java user's own block ({@code kind: block}), which no predictor can
   * rebuild without the user's code, saying what it is and how to load it.
   *
   * @param dir the model directory
   * @param metaFile its metadata file
   * @throws BadInputException for such an export
   */
  static void refuseOwnBlock(Path dir, Path metaFile) throws BadInputException {
    JsonNode root;
    try {
      root = Problems.readJson(metaFile);
    } catch (BadInputException e) {
      return; // the full checks say why
    }
    if (root == null || !"block".equals(root.path("kind").asText(null))) {
      return;
    }
    throw new BadInputException(
        List.of(
            dir
                + ": holds the parameters of a block of your own ("
                + root.path("block").asText("a Java class")
                + ", task "
                + root.path("task").asText("unknown")
                + "), exported by the Java API (FineTuning); finetune predict rebuilds only the"
                + " toolkit's own models. Load it in Java with the same architecture: "
                + root.path("load").asText("model.setBlock(...); model.load(dir, \"model\")")));
  }

  /**
   * A multi-label model's per-label {@code thresholds}: absent (null), or one number in [0, 1] per
   * label.
   *
   * @param file the metadata file
   * @param root its contents
   * @param labels how many labels the model has
   * @param problems where a problem is added
   * @return the thresholds, or null
   */
  static double[] thresholds(Path file, JsonNode root, int labels, List<String> problems) {
    JsonNode t = root.path("thresholds");
    if (t.isMissingNode()) {
      return null;
    }
    if (!t.isArray() || t.size() != labels) {
      problems.add(
          file
              + ": \"thresholds\" must list one number per label ("
              + labels
              + "), got "
              + Problems.describe(t));
      return null;
    }
    double[] out = new double[labels];
    for (int i = 0; i < labels; i++) {
      JsonNode v = t.get(i);
      if (!v.isNumber() || !(v.asDouble() >= 0 && v.asDouble() <= 1)) {
        problems.add(
            file + ": \"thresholds\" must hold numbers in [0, 1], got " + Problems.describe(v));
        return null;
      }
      out[i] = v.asDouble();
    }
    return out;
  }
}
