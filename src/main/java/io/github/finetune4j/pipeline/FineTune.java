package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.model.bert.MiniLmImporter;
import io.github.finetune4j.model.safetensors.BertCheckpoint;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeException;
import io.github.finetune4j.recipe.RecipeReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The one place that turns a {@link Recipe} into objects, and the public facade: plan, run,
 * predict.
 */
public final class FineTune {

  /** The toolkit's name and version, as {@code finetune --version} prints it. */
  public static final String VERSION = Provenance.TOOLKIT;

  /** Name of the exported model inside a run directory. */
  public static final String MODEL_DIR = Exporter.MODEL_DIR;

  static {
    System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
    System.setProperty(
        "ai.djl.pytorch.graph_optimizer",
        System.getProperty("ai.djl.pytorch.graph_optimizer", "false"));
  }

  private FineTune() {}

  /**
   * Validates a recipe built in Java with the same checks as a recipe file (every problem at once,
   * each with its recipe path, e.g. {@code optimizer.lr: must be positive, got -1.0}). Loads no
   * weights and reads no data; call it before {@link #plan} or {@link #run}.
   *
   * @param recipe the recipe, e.g. from {@link Recipe#builder()}
   * @return the validated recipe
   * @throws RecipeException listing every problem
   */
  public static Recipe validate(Recipe recipe) throws RecipeException {
    return RecipeReader.check(recipe);
  }

  /**
   * Builds the model architecture and resolves the plan. A text encoder gets random weights (no
   * weight file is read); a TorchScript file is loaded, since it is the architecture, and the
   * header and first row of the training split are read for the feature columns. Data splits of a
   * kind the model cannot read are refused.
   *
   * @param recipe a validated recipe
   * @return the plan
   * @throws BadInputException when the groups do not partition the parameters, the data does not
   *     fit the model, or a TorchScript file cannot be loaded or its output does not fit the head
   */
  public static Plan plan(Recipe recipe) throws BadInputException {
    return Assembler.plan(recipe);
  }

  /**
   * Runs a recipe end to end: reads data, loads the model, trains by stage, evaluates, exports. Bad
   * input is reported before anything is written; the run is built in {@code DIR.partial} and moved
   * to {@code DIR} only when complete (see {@link RunDirectory} for what may be replaced).
   *
   * @param recipe a validated recipe
   * @param out progress output
   * @param extraSinks sinks added to the run's own (may be empty)
   * @return the summary written to {@code summary.json}
   * @throws BadInputException for unusable data, groups or output directory (exit code 2)
   * @throws RunFailedException when a loss is not finite or too many steps were skipped; the run is
   *     left in {@code DIR.failed} (exit code 1)
   * @throws IOException when the run fails otherwise (exit code 1)
   */
  public static ObjectNode run(Recipe recipe, PrintStream out, List<MetricsSink> extraSinks)
      throws BadInputException, RunFailedException, IOException {
    return run(recipe, null, out, extraSinks);
  }

  /**
   * Runs a recipe read from a file, like {@link #run(Recipe, PrintStream, List)}; the recipe file
   * is also protected: no output directory that contains it is accepted.
   *
   * @param recipe a validated recipe
   * @param recipeFile the file it was read from, or null
   * @param out progress output
   * @param extraSinks sinks added to the run's own (may be empty)
   * @return the summary written to {@code summary.json}
   * @throws BadInputException for unusable data, groups or output directory (exit code 2)
   * @throws RunFailedException when the run failed numerically (exit code 1)
   * @throws IOException when the run fails otherwise (exit code 1)
   */
  public static ObjectNode run(
      Recipe recipe, Path recipeFile, PrintStream out, List<MetricsSink> extraSinks)
      throws BadInputException, RunFailedException, IOException {
    return run(recipe, recipeFile, out, extraSinks, false);
  }

  /**
   * Like {@link #run(Recipe, Path, PrintStream, List)}, or, with {@code resume}, continues the
   * interrupted run in {@code output.dir} from its newest valid checkpoint.
   *
   * @param recipe a validated recipe
   * @param recipeFile the file it was read from, or null
   * @param out progress output
   * @param extraSinks sinks added to the run's own (may be empty)
   * @param resume continue an interrupted run
   * @return the summary written to {@code summary.json}
   * @throws BadInputException for unusable data, groups, output directory, or nothing to resume
   * @throws RunFailedException when the run failed numerically (exit code 1)
   * @throws IOException when the run fails otherwise (exit code 1)
   */
  public static ObjectNode run(
      Recipe recipe, Path recipeFile, PrintStream out, List<MetricsSink> extraSinks, boolean resume)
      throws BadInputException, RunFailedException, IOException {
    return run(recipe, recipeFile, out, extraSinks, resume, false);
  }

  /**
   * Like {@link #run(Recipe, Path, PrintStream, List, boolean)}; a resumed run checks that its data
   * and weight files are those the interrupted run began with, and with {@code acceptChangedInputs}
   * continues on changed ones, recording them in the export's {@code provenance.json} ({@code
   * resumed_with_changed_inputs}).
   *
   * @param recipe a validated recipe
   * @param recipeFile the file it was read from, or null
   * @param out progress output
   * @param extraSinks sinks added to the run's own (may be empty)
   * @param resume continue an interrupted run
   * @param acceptChangedInputs with {@code resume}: continue although an input changed
   * @return the summary written to {@code summary.json}
   * @throws BadInputException for unusable data, groups, output directory, nothing to resume, or
   *     inputs that changed since the interrupted run began (unless accepted)
   * @throws RunFailedException when the run failed numerically (exit code 1)
   * @throws IOException when the run fails otherwise (exit code 1)
   */
  public static ObjectNode run(
      Recipe recipe,
      Path recipeFile,
      PrintStream out,
      List<MetricsSink> extraSinks,
      boolean resume,
      boolean acceptChangedInputs)
      throws BadInputException, RunFailedException, IOException {
    return Assembler.run(
        recipe,
        recipeFile,
        Path.of(recipe.output().dir()),
        out,
        resume,
        spec -> Runner.run(spec, out, extraSinks, acceptChangedInputs));
  }

  /**
   * Runs an LR range test on a recipe's model and data (see {@link FineTuning#lrFind}): nothing is
   * trained or exported; the test's report goes to {@code options.out()}.
   *
   * @param recipe a validated recipe
   * @param recipeFile the file it was read from, or null
   * @param options the sweep
   * @param out progress output
   * @return the summary written to {@code lr_find.json}
   * @throws BadInputException for unusable data, groups, stage or output directory (exit code 2)
   * @throws IOException when writing fails
   */
  public static ObjectNode lrFind(
      Recipe recipe, Path recipeFile, LrFind.Options options, PrintStream out)
      throws BadInputException, IOException {
    try {
      return Assembler.run(
          recipe, recipeFile, options.out(), out, false, spec -> Runner.lrFind(spec, options, out));
    } catch (RunFailedException e) {
      throw new IllegalStateException("an LR range test does not fail a run", e);
    }
  }

  /** Writes the exported model into the directory given. */

  /** Adds what a kind of run records about itself to summary.json. */

  /** Whether the training images are transformed afresh each epoch (nothing can be cached). */

  /** The recipe's feature cache, spilling into {@code spillDir}. */

  /** The recipe's early stopping, or null. */

  /** The checkpoint policy of a run whose recipe asks for checkpoints (else null). */

  /** Writes the failed run's summary and report (best effort) and moves it to DIR.failed. */

  /** The test residuals of a regression run, read by the report. */

  /** Puts a number, or JSON null when it is NaN or infinite (never a string). */

  /**
   * Writes a bundled pre-trained encoder as a Hugging Face checkpoint directory ({@code
   * config.json}, {@code model.safetensors}, {@code tokenizer.json}) that {@code model: {type:
   * safetensors, dir}} reads — e.g. to fine-tune the quickstart's MiniLM from safetensors.
   *
   * @param bundled the bundled model, {@code all-minilm-l6-v2}
   * @param dir a new (or empty) directory
   * @throws BadInputException for an unknown model, or a directory that exists and is not empty
   * @throws IOException when writing fails
   */
  public static void writeCheckpoint(String bundled, Path dir)
      throws BadInputException, IOException {
    if (!"all-minilm-l6-v2".equals(bundled)) {
      throw new BadInputException(
          List.of("--bundled: '" + bundled + "' is not bundled; the one is all-minilm-l6-v2"));
    }
    if (Files.exists(dir) && !(Files.isDirectory(dir) && isEmptyDirectory(dir))) {
      throw new BadInputException(
          List.of(dir + ": exists and is not an empty directory; give a new directory"));
    }
    if (!Files.exists(dir)) {
      String why = RunDirectory.notCreatable(dir);
      if (why != null) {
        throw new BadInputException(List.of(dir + ": cannot be created: " + why));
      }
    }
    Path made = RunDirectory.topmostMissing(dir);
    BundledMiniLmSource source = new BundledMiniLmSource();
    byte[] tokenizer;
    try (InputStream in =
        FineTune.class.getClassLoader().getResourceAsStream(MiniLmImporter.TOKENIZER_RESOURCE)) {
      if (in == null) {
        throw new IOException("the bundled tokenizer is not on the class path");
      }
      tokenizer = in.readAllBytes();
    }
    try {
      BertCheckpoint.write(dir, source.config(), source.weights(), tokenizer);
    } catch (IOException | RuntimeException e) {
      // all or nothing: a full disk leaves no checkpoint that looks complete
      if (made != null) {
        RunDirectory.deleteTree(made);
      } else {
        try (Stream<Path> s = Files.list(dir)) {
          for (Path p : s.toList()) {
            RunDirectory.deleteTree(p);
          }
        }
      }
      if (e instanceof IOException io) {
        throw new IOException(
            "cannot write the checkpoint into "
                + dir
                + " ("
                + RunDirectory.reason(io)
                + "); nothing was left there",
            e);
      }
      throw e;
    }
  }

  private static boolean isEmptyDirectory(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  /**
   * Loads an exported run and classifies texts.
   *
   * @param runDir a run directory (or its {@code model} directory)
   * @param texts the texts
   * @return per text: label and per-class probabilities
   * @throws BadInputException when the directory holds no usable exported model
   * @throws IOException when reading fails
   */
  public static List<Prediction> predict(Path runDir, List<String> texts)
      throws BadInputException, IOException {
    return Predictor.predict(runDir, texts);
  }

  /**
   * Writes standard formats ({@code onnx}, {@code hf}) from a finished run's export: into its
   * {@code model/} directory (listed by its manifest), or into {@code out}.
   *
   * @param runDir a run directory (or its {@code model} directory)
   * @param formats the formats, or null for every one that applies to the model
   * @param out a new or empty directory, or null for the run's {@code model/}
   * @param console progress output
   * @return the directories written
   * @throws BadInputException when the export is missing or damaged, or cannot have a format
   * @throws IOException when writing fails
   */
  public static List<Path> export(Path runDir, List<String> formats, Path out, PrintStream console)
      throws BadInputException, IOException {
    return ExportRun.export(runDir, formats, out, console);
  }

  /** The weights and biases of the layers with running statistics (none without a setup). */

  /** Whether a parameter belongs to a normalization layer (a name segment containing "norm"). */

  /** Whether a parameter is excluded from weight decay by the recipe's exclusion kinds. */
}
