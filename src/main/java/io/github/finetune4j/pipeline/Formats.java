package io.github.finetune4j.pipeline;

import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.recipe.Recipe;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The standard formats an export holds besides the toolkit's own ({@code output.formats}, {@code
 * finetune export --format}): which apply to a model, and writing them. Each format is one entry of
 * {@link #FORMATS}: its name, why a model cannot have it (or null), its writer, and the directory
 * it writes inside the model directory (its name; {@code libs} for {@code djl}, the place DJL
 * Serving gives a model's own jars).
 */
final class Formats {

  /**
   * What decides which formats a model can have.
   *
   * @param family {@code text}, {@code features} or {@code block} (a Java user's own block)
   * @param task the task's name
   * @param onnxRefusal why the model has no ONNX graph the toolkit can write, or null
   */
  record Subject(String family, String task, String onnxRefusal) {}

  /** A format: why a subject cannot have it (null: it can), and how it is written. */
  private interface Format {
    String refusal(Subject s);

    /** Writes the format's files into {@code target} (created), reading the export in modelDir. */
    void write(Path runDir, Path modelDir, Path target, Block block)
        throws IOException, BadInputException;

    /** The directory the format writes inside the model directory: by default its name. */
    default String directory(String name) {
      return name;
    }
  }

  private static final Map<String, Format> FORMATS = new LinkedHashMap<>();
  private static final ObjectMapper JSON = new ObjectMapper();

  static {
    FORMATS.put(
        "onnx",
        new Format() {
          @Override
          public String refusal(Subject s) {
            return s.onnxRefusal();
          }

          @Override
          public void write(Path runDir, Path modelDir, Path target, Block block)
              throws IOException, BadInputException {
            if ("text".equals(s(block))) {
              OnnxExport.writeText(modelDir, target, block);
            } else {
              FeatureOnnxExport.write(modelDir, target, block);
            }
          }
        });
    FORMATS.put(
        "hf",
        new Format() {
          @Override
          public String refusal(Subject s) {
            return "text".equals(s.family())
                ? null
                : "a Hugging Face directory holds a transformer encoder; this is "
                    + ("block".equals(s.family())
                        ? "a block of your own"
                        : "a model of feature vectors");
          }

          @Override
          public void write(Path runDir, Path modelDir, Path target, Block block)
              throws IOException, BadInputException {
            if (runDir == null) {
              throw new BadInputException(
                  List.of(
                      modelDir
                          + ": a Hugging Face directory's model card quotes the run's summary.json,"
                          + " plan.json and recipe.resolved.yaml; give the run directory, not its"
                          + " model/"));
            }
            HfExport.write(runDir, modelDir, target, block);
          }
        });
    FORMATS.put(
        "djl",
        new Format() {
          @Override
          public String refusal(Subject s) {
            if ("block".equals(s.family())) {
              return "its jars carry the toolkit's factories, which rebuild only the toolkit's own"
                  + " models; this is a block of your own, which DJL loads with your code";
            }
            return DjlLibs.unavailable();
          }

          @Override
          public void write(Path runDir, Path modelDir, Path target, Block block)
              throws IOException {
            DjlLibs.write(target);
          }

          /** DJL Serving's place for a model's own jars: {@code libs/} in the model directory. */
          @Override
          public String directory(String name) {
            return DjlLibs.DIR;
          }
        });
  }

  /**
   * The directory a format writes inside the model directory (or {@code --out}): its name, but
   * {@code libs} for {@code djl}, where DJL Serving looks for a model's own jars.
   *
   * @param format the format's name
   * @return the directory's name
   */
  static String directory(String format) {
    return FORMATS.get(format).directory(format);
  }

  /** Whether a format needs the run directory's files, not only the model directory. */
  static boolean needsRun(String format) {
    return "hf".equals(format);
  }

  /** Every format's name, in the order they are written. */
  static final List<String> NAMES = List.copyOf(FORMATS.keySet());

  private Formats() {}

  /**
   * What a model is, for {@link #resolve}.
   *
   * @param recipe the recipe (its task)
   * @param block the model's block (its architecture is enough)
   * @param ownBlock whether it is a Java user's own block
   * @return the subject
   */
  static Subject subject(Recipe recipe, Block block, boolean ownBlock) {
    return subject(ownBlock ? "block" : s(block), TaskKind.of(recipe.task()).name(), block);
  }

  /**
   * What a model is, for {@link #resolve}.
   *
   * @param family {@code text}, {@code features} or {@code block}
   * @param task the task's name
   * @param block the model's block (its architecture is enough)
   * @return the subject
   */
  static Subject subject(String family, String task, Block block) {
    String onnx = null;
    if ("block".equals(family)) {
      onnx = "the model is a block of your own; its graph is known only to your code";
    } else if ("features".equals(family)) {
      try {
        FeatureOnnxExport.check(block);
      } catch (BadInputException e) {
        onnx = String.join("; ", e.problems());
      }
    }
    return new Subject(family, task, onnx);
  }

  private static String s(Block block) {
    return block instanceof TextClassifierBlock ? "text" : "features";
  }

  /**
   * The formats to write: those asked for, each checked, or (none asked) every one that applies.
   *
   * @param asked the formats asked for ({@code output.formats} or {@code --format}), or null
   * @param s what the model is
   * @param where where they were asked for, for messages ({@code output.formats})
   * @return the formats, in {@link #NAMES} order
   * @throws BadInputException naming each format the model cannot have, and why
   */
  static List<String> resolve(List<String> asked, Subject s, String where)
      throws BadInputException {
    List<String> out = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Format> e : FORMATS.entrySet()) {
      String why = e.getValue().refusal(s);
      if (asked == null) {
        if (why == null) {
          out.add(e.getKey());
        }
      } else if (asked.contains(e.getKey())) {
        if (why == null) {
          out.add(e.getKey());
        } else {
          problems.add(where + ": this model cannot be exported as " + e.getKey() + ": " + why);
        }
      }
    }
    if (asked != null) {
      for (String a : asked) {
        if (!FORMATS.containsKey(a)) {
          problems.add(
              where
                  + ": unknown format "
                  + Problems.describe(JSON.getNodeFactory().textNode(a))
                  + "; the formats are "
                  + String.join(", ", NAMES));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(problems);
    }
    return out;
  }

  /**
   * Writes formats, each into its own subdirectory of {@code into} ({@link #directory}); the caller
   * writes the manifest afterwards.
   *
   * @param formats the formats, from {@link #resolve}
   * @param runDir the run directory ({@code summary.json}, {@code recipe.resolved.yaml}), or null
   *     when only a model directory is at hand
   * @param modelDir the toolkit's export, already written
   * @param into the directory that gets one subdirectory per format ({@code modelDir} in a run)
   * @param block the trained block, its parameters loaded
   * @throws IOException when writing fails
   * @throws BadInputException when the export's metadata is invalid
   */
  static void write(List<String> formats, Path runDir, Path modelDir, Path into, Block block)
      throws IOException, BadInputException {
    for (String f : formats) {
      Path target = into.resolve(directory(f));
      try {
        writeOne(f, runDir, modelDir, target, block);
      } catch (IOException e) {
        // a full disk's exception names no file: name the format's directory at least
        throw e instanceof RunFiles.WriteFailedException || e instanceof FileSystemException
            ? e
            : new RunFiles.WriteFailedException(target, e);
      }
    }
  }

  /**
   * Writes one format into a directory.
   *
   * @param format the format's name
   * @param runDir the run directory, or null
   * @param modelDir the toolkit's export
   * @param target the directory to write (created)
   * @param block the trained block
   * @throws IOException when writing fails
   * @throws BadInputException when the export's metadata is invalid
   */
  static void writeOne(String format, Path runDir, Path modelDir, Path target, Block block)
      throws IOException, BadInputException {
    FORMATS.get(format).write(runDir, modelDir, target, block);
  }
}
