package io.github.finetune4j.pipeline;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.model.NormLayers;
import io.github.finetune4j.model.Segmented;
import io.github.finetune4j.model.bert.MiniLmImporter;
import io.github.finetune4j.model.safetensors.BertCheckpoint;
import io.github.finetune4j.monitor.ConsoleSink;
import io.github.finetune4j.monitor.HtmlReport;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.MonitorSet;
import io.github.finetune4j.monitor.ReportException;
import io.github.finetune4j.monitor.WarningDetector;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.optim.UpdateRule;
import io.github.finetune4j.params.GroupRule;
import io.github.finetune4j.params.GroupingException;
import io.github.finetune4j.params.ParamGroup;
import io.github.finetune4j.params.ParamGroups;
import io.github.finetune4j.policy.NormMode;
import io.github.finetune4j.policy.StagePlan;
import io.github.finetune4j.recipe.BertOnnxModel;
import io.github.finetune4j.recipe.BuiltinModel;
import io.github.finetune4j.recipe.ClipSpec;
import io.github.finetune4j.recipe.EarlyStoppingSpec;
import io.github.finetune4j.recipe.GroupSpec;
import io.github.finetune4j.recipe.ModelSpec;
import io.github.finetune4j.recipe.NamePattern;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeException;
import io.github.finetune4j.recipe.RecipeReader;
import io.github.finetune4j.recipe.SafetensorsModel;
import io.github.finetune4j.recipe.SourceSpec;
import io.github.finetune4j.recipe.WeightDecaySpec;
import io.github.finetune4j.train.Batches;
import io.github.finetune4j.train.Checkpoint;
import io.github.finetune4j.train.CheckpointPolicy;
import io.github.finetune4j.train.ClassificationTask;
import io.github.finetune4j.train.EarlyStopping;
import io.github.finetune4j.train.FaultPolicy;
import io.github.finetune4j.train.FeatureCachePolicy;
import io.github.finetune4j.train.FineTuner;
import io.github.finetune4j.train.NormSetup;
import io.github.finetune4j.train.RegressionTask;
import io.github.finetune4j.train.RunResult;
import io.github.finetune4j.train.Task;
import io.github.finetune4j.train.TrainSetup;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
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

  static final ObjectMapper JSON = new ObjectMapper();

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
    ModelSource model = ModelSources.of(recipe.model());
    requireInputs(recipe, model);
    if (model instanceof FeatureModelSource features) {
      return TabularPipeline.plan(recipe, features);
    }
    return TextPipeline.plan(recipe, (TextEncoderSource) model);
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
    return perform(
        recipe,
        recipeFile,
        Path.of(recipe.output().dir()),
        out,
        resume,
        ft -> ft.run(out, extraSinks));
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
      return perform(recipe, recipeFile, options.out(), out, false, ft -> ft.lrFind(options, out));
    } catch (RunFailedException e) {
      throw new IllegalStateException("an LR range test does not fail a run", e);
    }
  }

  /** Checks the output directory and inputs, then builds the run and hands it to {@code action}. */
  private static ObjectNode perform(
      Recipe recipe,
      Path recipeFile,
      Path outputDir,
      PrintStream out,
      boolean resume,
      FineTuning.Action action)
      throws BadInputException, RunFailedException, IOException {
    long wallStart = System.nanoTime();
    List<Path> inputs = new ArrayList<>(dataFiles(recipe));
    if (recipeFile != null) {
      inputs.add(recipeFile);
    }
    List<String> outputProblems =
        RunDirectory.check(outputDir, recipe.output().overwrite(), inputs);
    if (!outputProblems.isEmpty()) {
      throw new BadInputException(outputProblems);
    }
    ModelSource modelSource = ModelSources.of(recipe.model());
    requireInputs(recipe, modelSource);
    if (modelSource instanceof FeatureModelSource features) {
      return TabularPipeline.run(recipe, recipeFile, features, out, action, wallStart, resume);
    }
    return TextPipeline.run(
        recipe, recipeFile, (TextEncoderSource) modelSource, out, action, wallStart, resume);
  }

  /** The files of the recipe's data splits, which no output directory may replace. */
  static List<Path> dataFiles(Recipe recipe) {
    List<Path> files = new ArrayList<>();
    for (SourceSpec split :
        Arrays.asList(recipe.data().train(), recipe.data().valid(), recipe.data().test())) {
      if (split != null && split.path() != null) {
        files.add(Path.of(split.path()));
      }
    }
    return files;
  }

  /**
   * The batches of a run's splits (valid and test may be null).
   *
   * @param train the training split
   * @param valid the validation split, or null
   * @param test the test split, or null
   */
  record Splits(Batches train, Batches valid, Batches test) {}

  /** Writes the exported model into the directory given. */
  interface Export {
    void write(Path modelDir) throws IOException;
  }

  /** Adds what a kind of run records about itself to summary.json. */
  interface Describe {
    void into(ObjectNode summary);
  }

  /**
   * What a run trains, whichever kind of model and data it is: the model, its block and parameters,
   * the groups, norm policy and plan, the task, the splits and the export.
   */
  record Training(
      Model model,
      Block block,
      Map<String, Parameter> params,
      ParamGroups groups,
      NormSetup norms,
      Plan plan,
      Task task,
      Splits splits,
      Export export,
      Describe describe,
      List<Path> data,
      UpdateRule rule,
      Checkpoint resume,
      List<Checkpoint.Extra> checkpointFiles) {}

  /**
   * Trains, evaluates, exports and completes (or fails) the run directory, writing {@code
   * resolvedRecipe} as {@code recipe.resolved.yaml}; the same for every kind of run ({@link
   * FineTuning#run} calls it).
   */
  static ObjectNode train(
      Recipe recipe,
      String resolvedRecipe,
      Training t,
      RunDirectory dir,
      PrintStream out,
      List<MetricsSink> extraSinks,
      long wallStart)
      throws RunFailedException, IOException {
    Path partial = dir.partial();
    ObjectNode summary = JSON.createObjectNode();
    summary.put("status", "running");
    summary.put("recipe_description", recipe.description());
    RunResult result = null;
    Plan plan = t.plan();
    try {
      Files.writeString(partial.resolve("recipe.resolved.yaml"), resolvedRecipe);
      Files.writeString(partial.resolve("plan.json"), RecipeReader.toJson(plan.toJson()));

      Splits splits = t.splits();
      // The progress sink first: a signal that arrives while the console prints step N must
      // report step N, not N - 1.
      List<MetricsSink> sinks = new ArrayList<>(List.of(ActiveRun.progressSink()));
      sinks.addAll(
          Sinks.forRun(
              partial,
              out,
              recipe.monitor(),
              out == System.out && ConsoleSink.isTerminal(),
              t.resume() != null));
      sinks.addAll(extraSinks);
      TrainSetup setup =
          setup(recipe, t, sinks)
              .optCheckpoints(
                  checkpoints(recipe, resolvedRecipe, partial, t.resume(), t.checkpointFiles()))
              .optFeatureCache(featureCache(recipe, partial))
              .build();
      try (NDManager trainManager = t.model().getNDManager().newSubManager();
          FineTuner tuner = new FineTuner(setup, trainManager)) {
        result = tuner.run();
      } finally {
        new MonitorSet(sinks).close();
      }
      fillSummary(summary, recipe, result, t);
      writeResiduals(partial, result, t);
      ArrayNode fresh = summary.putArray("new_groups");
      newGroups(recipe, t.groups()).forEach(fresh::add);
      if (result.succeeded()) {
        Path modelDir = partial.resolve(MODEL_DIR);
        t.export().write(modelDir);
        Provenance.write(modelDir, recipe, resolvedRecipe, t.data());
        Manifest.write(modelDir); // again: it lists the provenance too
        summary.put("status", "completed");
      } else {
        summary.put("status", "failed");
        summary.put("failure", result.fault().message());
        number(summary, "failed_at_step", result.fault().step());
        number(summary, "weights_of_step", result.fault().goodStep());
        if (result.fault().restoredFrom() != null) {
          summary.put("weights_restored_from", result.fault().restoredFrom());
        }
      }
    } catch (IOException | RuntimeException e) {
      summary.put("status", "failed");
      summary.put(
          "failure", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
      finishFailed(dir, recipe, summary, wallStart);
      throw e;
    }
    if (!result.succeeded()) {
      Path where = finishFailed(dir, recipe, summary, wallStart);
      throw new RunFailedException(result.fault().message(), where, summary);
    }
    if (t.resume() != null) {
      summary.put("resumed_from_step", t.resume().step());
    }
    summary.put("wall_seconds", (System.nanoTime() - wallStart) / 1e9);
    Files.writeString(partial.resolve("summary.json"), RecipeReader.toJson(summary));
    writeReport(recipe, partial);
    if (!recipe.output().keepCheckpoints()) {
      RunDirectory.deleteTree(partial.resolve(Checkpoint.FOLDER)); // not in the result unless asked
    }
    dir.complete();
    return summary;
  }

  /**
   * What a bit-identical rerun depends on: the seed (it drives initialization, the data order, and
   * — re-seeded before every step — dropout), the engine and its thread counts (a different number
   * of intra-op threads can change the order of float sums), the graph optimizer setting, and the
   * CPU (another instruction set can round differently).
   */
  static ObjectNode determinism(Recipe recipe) {
    ObjectNode d = JSON.createObjectNode();
    d.put("seed", recipe.train().seed());
    d.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
    d.put("intra_op_threads", JniUtils.getNumThreads());
    d.put("inter_op_threads", JniUtils.getNumInteropThreads());
    d.put(
        "graph_optimizer",
        Boolean.parseBoolean(System.getProperty("ai.djl.pytorch.graph_optimizer")));
    d.put("cpu", cpuModel());
    d.put("os_arch", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    d.put(
        "promise",
        "the same recipe, seed, thread counts, engine and CPU give bit-identical weights; a run"
            + " resumed from a checkpoint gives the same as one never interrupted");
    return d;
  }

  private static String cpuModel() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).strip())
          .findFirst()
          .orElse(System.getProperty("os.arch"));
    } catch (IOException | RuntimeException e) {
      return System.getProperty("os.arch");
    }
  }

  /**
   * The training setup a recipe asks for, every part but checkpoints: what {@link #train} runs, and
   * what an LR range test starts from.
   */
  static TrainSetup.Builder setup(Recipe recipe, Training t, List<MetricsSink> sinks) {
    return TrainSetup.builder()
        .setBlock(t.block())
        .setParams(t.params())
        .setGroups(t.groups())
        .setStages(Policies.stages(recipe))
        .setRule(t.rule() != null ? t.rule() : Policies.rule(recipe.optimizer()))
        .setHyper(hyperPerParam(recipe, t.plan()))
        .setTrain(t.splits().train())
        .setTask(t.task())
        .optSchedule(Policies.schedule(recipe.schedule()), "stage".equals(recipe.schedule().per()))
        .optResetStateOnUnfreeze(
            recipe.unfreeze() != null && "reset".equals(recipe.unfreeze().state()))
        .optPinned(
            t.plan().rows().stream()
                .filter(r -> "freeze_all".equals(r.norm()))
                .map(PlanRow::name)
                .collect(Collectors.toSet()))
        .optClip(
            clip(recipe).globalNorm() == null ? 0 : clip(recipe).globalNorm(),
            clip(recipe).value() == null ? 0 : clip(recipe).value())
        .optValid(t.splits().valid())
        .optTest(t.splits().test())
        .optBatchSize(recipe.data().batchSize())
        .optShuffle(recipe.data().shuffle())
        .optSeed(recipe.train().seed())
        .optEvalEveryEpoch(recipe.train().evalEveryEpoch())
        .optEvery(recipe.monitor().every())
        .optWarnings(new WarningDetector(recipe.monitor().driftBounds()))
        .optSinks(sinks)
        .optNorms(t.norms())
        .optFaults(
            "skip".equals(recipe.train().onNonfinite())
                ? FaultPolicy.skip(recipe.train().maxSkippedSteps())
                : FaultPolicy.stop())
        .optAccumulate(recipe.train().accumulate())
        .optEarlyStopping(earlyStopping(recipe))
        .optFeatureCache(featureCache(recipe, Path.of(System.getProperty("java.io.tmpdir"))));
  }

  /** Whether the training images are transformed afresh each epoch (nothing can be cached). */
  private static boolean augmented(Recipe recipe) {
    return recipe.data().image() != null
        && recipe.data().image().augment() != null
        && recipe.data().image().augment().any();
  }

  /** The recipe's feature cache, spilling into {@code spillDir}. */
  static FeatureCachePolicy featureCache(Recipe recipe, Path spillDir) {
    return new FeatureCachePolicy(
        recipe.train().featureCache() ? FeatureCachePolicy.Mode.AUTO : FeatureCachePolicy.Mode.OFF,
        recipe.train().featureCacheMb() * (1L << 20),
        spillDir);
  }

  /** The recipe's early stopping, or null. */
  private static EarlyStopping earlyStopping(Recipe recipe) {
    EarlyStoppingSpec es = recipe.train().earlyStopping();
    return es == null
        ? null
        : new EarlyStopping(
            es.metric(), es.maximize(), es.patience(), es.minDelta(), es.restoreBest());
  }

  /**
   * Problems of the recipe's early stopping with this task and validation split: there must be a
   * split to score, and the metric must be one the task reports.
   */
  static List<String> earlyStoppingProblems(Recipe recipe, Task task, boolean hasValid) {
    EarlyStoppingSpec es = recipe.train().earlyStopping();
    List<String> problems = new ArrayList<>();
    if (es == null) {
      return problems;
    }
    if (!hasValid) {
      problems.add(
          "train.early_stopping: needs a validation split to score the epochs on (data.valid,"
              + " data.train.valid_fraction, or FineTuning.Builder.optValid)");
    }
    if (!es.metric().equals("loss") && !task.metricNames().contains(es.metric())) {
      List<String> names = new ArrayList<>(List.of("loss"));
      names.addAll(task.metricNames());
      problems.add(
          "train.early_stopping.metric: '"
              + es.metric()
              + "' is not a validation metric of this "
              + task.name()
              + " task; one of "
              + names);
    }
    return problems;
  }

  /** The checkpoint policy of a run whose recipe asks for checkpoints (else null). */
  private static CheckpointPolicy checkpoints(
      Recipe recipe,
      String recipeText,
      Path partial,
      Checkpoint resume,
      List<Checkpoint.Extra> files) {
    Integer every = recipe.train().checkpointEvery();
    if (every == null) {
      if (resume != null) {
        throw new IllegalStateException("a resumed run needs train.checkpoint_every");
      }
      return null;
    }
    ObjectNode extras = JSON.createObjectNode();
    extras.put("recipe_sha256", Provenance.sha256Hex(recipeText));
    return new CheckpointPolicy(
        partial.resolve(Checkpoint.FOLDER),
        every,
        recipe.train().keepCheckpoints(),
        extras,
        resume,
        ActiveRun::stopRequested,
        ActiveRun::stopped,
        files);
  }

  /** Writes the failed run's summary and report (best effort) and moves it to DIR.failed. */
  static Path finishFailed(RunDirectory dir, Recipe recipe, ObjectNode summary, long wallStart) {
    summary.put("wall_seconds", (System.nanoTime() - wallStart) / 1e9);
    try {
      Files.writeString(dir.partial().resolve("summary.json"), RecipeReader.toJson(summary));
      writeReport(recipe, dir.partial());
    } catch (IOException | RuntimeException e) {
      // the metrics are on disk already; the summary and report are a convenience here
    }
    try {
      return dir.fail();
    } catch (IOException e) {
      return dir.partial();
    }
  }

  private static void writeReport(Recipe recipe, Path runDir) throws IOException {
    if (recipe.monitor().sinks().contains("html") && recipe.monitor().sinks().contains("jsonl")) {
      try {
        HtmlReport.write(runDir);
      } catch (ReportException e) {
        throw new IOException("cannot write the report: " + e.getMessage(), e);
      }
    }
  }

  /**
   * For a regression, {@value #RESIDUALS_FILE}: the first target's test predictions and values (the
   * first {@link io.github.finetune4j.train.Evaluation#MAX_POINTS} examples), for the report's
   * residual plot.
   */
  private static void writeResiduals(Path runDir, RunResult result, Training t) throws IOException {
    if (!(t.task() instanceof RegressionTask r) || result.test().predicted() == null) {
      return;
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("target", r.targets().get(0));
    ArrayNode p = o.putArray("predicted");
    ArrayNode a = o.putArray("actual");
    for (int i = 0; i < result.test().predicted().length; i++) {
      p.add(result.test().predicted()[i]);
      a.add(result.test().actual()[i]);
    }
    Files.writeString(runDir.resolve(RESIDUALS_FILE), RecipeReader.toJson(o));
  }

  /** The test residuals of a regression run, read by the report. */
  static final String RESIDUALS_FILE = HtmlReport.RESIDUALS_FILE;

  private static void fillSummary(ObjectNode summary, Recipe recipe, RunResult result, Training t) {
    boolean classification = t.task() instanceof ClassificationTask;
    summary.put("task", t.task().name());
    if (classification) {
      number(summary, "test_accuracy", result.testAccuracy());
    }
    number(summary, "test_loss", result.testLoss());
    ObjectNode metrics = summary.putObject("test_metrics");
    result.test().metrics().forEach((k, v) -> number(metrics, k, v));
    if (result.test().confusion() != null) {
      ObjectNode cm = summary.putObject("confusion_matrix");
      cm.put("rows", "true class");
      cm.put("columns", "predicted class");
      ArrayNode names = cm.putArray("classes");
      result.test().classes().forEach(names::add);
      ArrayNode counts = cm.putArray("counts");
      for (long[] row : result.test().confusion()) {
        ArrayNode r = counts.addArray();
        for (long c : row) {
          r.add(c);
        }
      }
    }
    summary.put("test_examples", t.splits().test() == null ? 0 : t.splits().test().size());
    summary.put("train_examples", t.splits().train().size());
    t.describe().into(summary);
    summary.put("steps", result.steps());
    summary.put("skipped_steps", result.skippedSteps());
    number(summary, "train_seconds", result.trainSeconds());
    if (!result.epochs().isEmpty()) {
      var last = result.epochs().get(result.epochs().size() - 1);
      number(summary, "final_train_loss", last.trainLoss());
      if (classification) {
        number(summary, "final_valid_accuracy", last.validAccuracy());
      }
      ObjectNode valid = summary.putObject("final_valid_metrics");
      last.valid().forEach((k, v) -> number(valid, k, v));
    }
    if (result.earlyStop() != null) {
      EarlyStopping.Outcome es = result.earlyStop();
      ObjectNode e = summary.putObject("early_stopping");
      e.put("metric", es.metric());
      e.put("best_epoch", es.bestEpoch());
      number(e, "best_value", es.bestValue());
      if (es.stoppedAfterEpoch() > 0) {
        e.put("stopped_after_epoch", es.stoppedAfterEpoch());
      } else {
        e.putNull("stopped_after_epoch");
      }
      e.put("restored_best", es.restored());
    }
    if (recipe.train().accumulate() > 1) {
      summary.put("accumulate", recipe.train().accumulate());
    }
    ArrayNode caches = summary.putArray("feature_cache");
    for (RunResult.CacheUse c : result.featureCaches()) {
      ObjectNode o = caches.addObject();
      o.put("stage", c.stage()).put("split", c.split()).put("after", c.after());
      o.put("examples", c.examples()).put("heap_bytes", c.heapBytes());
      o.put("file_bytes", c.fileBytes());
      number(o, "seconds", c.seconds());
    }
    summary.put("rule", t.rule() != null ? t.rule().name() : recipe.optimizer().type());
    summary.put("seed", recipe.train().seed());
    summary.put("djl_version", Engine.getDjlVersion());
    summary.put(
        "engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
    summary.set("determinism", determinism(recipe));
  }

  /**
   * The groups whose weights are new (no pre-trained values): every group of a random-init run,
   * else the groups made only of the new head's parameters ({@code head.*}).
   */
  static List<String> newGroups(Recipe recipe, ParamGroups groups) {
    boolean random = "random".equals(init(recipe.model()));
    return groups.groups().stream()
        .filter(
            g ->
                random
                    || (!g.members().isEmpty()
                        && g.members().stream().allMatch(n -> n.startsWith("head."))))
        .map(ParamGroup::name)
        .toList();
  }

  /** Puts a number, or JSON null when it is NaN or infinite (never a string). */
  static void number(ObjectNode node, String key, double value) {
    if (Double.isFinite(value)) {
      node.put(key, value);
    } else {
      node.putNull(key);
    }
  }

  /**
   * Refuses data splits whose kind the model cannot read (a csv split for a text encoder, texts for
   * a module of feature vectors), before anything is read or loaded.
   */
  private static void requireInputs(Recipe recipe, ModelSource source) throws BadInputException {
    List<String> problems = new ArrayList<>();
    String[] names = {"data.train", "data.valid", "data.test"};
    SourceSpec[] splits = {recipe.data().train(), recipe.data().valid(), recipe.data().test()};
    for (int i = 0; i < splits.length; i++) {
      if (splits[i] == null) {
        continue;
      }
      InputKind gives = InputKind.of(splits[i]);
      if (gives != source.inputKind()) {
        problems.add(
            names[i]
                + ": a "
                + splits[i].kind()
                + " split gives "
                + gives.what()
                + ", but model.type '"
                + recipe.model().kind()
                + "' reads "
                + source.inputKind().what()
                + " (from "
                + source.inputKind().splits()
                + " splits); "
                + (gives == InputKind.FEATURES
                    ? "tabular data needs a model of feature vectors, e.g. type: torchscript"
                    : "texts need a text encoder, e.g. type: bert-onnx"));
      }
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(problems);
    }
  }

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
    BundledMiniLmSource source = new BundledMiniLmSource();
    byte[] tokenizer;
    try (InputStream in =
        FineTune.class.getClassLoader().getResourceAsStream(MiniLmImporter.TOKENIZER_RESOURCE)) {
      if (in == null) {
        throw new IOException("the bundled tokenizer is not on the class path");
      }
      tokenizer = in.readAllBytes();
    }
    BertCheckpoint.write(dir, source.config(), source.weights(), tokenizer);
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
   * A classified text.
   *
   * @param text the input
   * @param label the most likely class
   * @param probabilities probability per class
   */
  public record Prediction(String text, String label, Map<String, Double> probabilities) {}

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

  /**
   * What a recipe's policy makes of a block's trainable parameters: their groups, the norm policy
   * of its BatchNorm layers, and the resolved plan.
   *
   * @param params the trainable parameters by name
   * @param groups their partition
   * @param norms the norm policy, or null without running statistics
   * @param plan the plan
   */
  record Resolved(Map<String, Parameter> params, ParamGroups groups, NormSetup norms, Plan plan) {}

  /**
   * Groups, norm policy and plan of {@code block} (whose trainable parameters are {@code params}).
   */
  static Resolved resolved(Recipe recipe, Block block, Map<String, Parameter> params)
      throws BadInputException {
    ParamGroups groups = groups(recipe, params);
    NormSetup norms = norms(recipe, block, groups);
    return new Resolved(params, groups, norms, resolve(recipe, params, groups, block, norms));
  }

  /**
   * Puts the model's layers with running statistics (BatchNorm) under the groups' norm modes, or
   * returns null when it has none; refuses plans the layers cannot honour.
   */
  static NormSetup norms(Recipe recipe, Block block, ParamGroups groups) throws BadInputException {
    NormLayers layers;
    try {
      layers = NormLayers.attach(block);
    } catch (IOException e) {
      throw new BadInputException(
          List.of("model.source: cannot inspect the model: " + e.getMessage()));
    }
    if (layers.layers().isEmpty()) {
      return null;
    }
    NormSetup setup;
    try {
      setup =
          NormSetup.byAffine(
              layers,
              groups,
              g -> NormMode.of(recipe.groups().get(groups.group(g).index()).norm()));
    } catch (IllegalArgumentException e) {
      throw new BadInputException(List.of("groups: " + e.getMessage()));
    }
    Set<String> pinned = new HashSet<>(setup.pinnedAffine());
    List<String> problems = setup.check(Policies.stages(recipe), groups, pinned);
    if (!problems.isEmpty()) {
      throw new BadInputException(problems.stream().map(p -> "groups[].norm: " + p).toList());
    }
    return setup;
  }

  static ParamGroups groups(Recipe recipe, Map<String, Parameter> params) throws BadInputException {
    List<GroupRule> rules = new ArrayList<>();
    for (GroupSpec g : recipe.groups()) {
      rules.add(
          new GroupRule(
              g.name(), g.match(), g.match().stream().map(NamePattern::compile).toList()));
    }
    try {
      return ParamGroups.partition(params.keySet(), rules);
    } catch (GroupingException e) {
      throw new BadInputException(e.problems());
    }
  }

  /** The weights and biases of the layers with running statistics (none without a setup). */
  static Set<String> normParams(NormSetup norms) {
    Set<String> out = new HashSet<>();
    if (norms != null) {
      norms.layers().layers().forEach(l -> out.addAll(l.affine()));
    }
    return out;
  }

  /**
   * Resolves the plan. Normalization parameters are those of BatchNorm layers found in the model
   * ({@code normParams}) and, by name, any parameter with a name segment containing "norm"
   * (LayerNorm in BERT-family blocks).
   */
  static Plan resolve(
      Recipe recipe,
      Map<String, Parameter> params,
      ParamGroups groups,
      Block block,
      NormSetup norms) {
    Set<String> normParams = normParams(norms);
    Map<String, Double> groupLr = Policies.groupLr(recipe);
    List<StagePlan> stages = Policies.stages(recipe);
    List<String> l2spGroups = Policies.l2spGroups(recipe);
    WeightDecaySpec wd = recipe.optimizer().weightDecay();
    List<PlanRow> rows = new ArrayList<>();
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      String group = groups.groupOf(e.getKey()).name();
      List<Boolean> trainable = new ArrayList<>();
      List<Double> lr = new ArrayList<>();
      boolean isNorm = isNorm(e.getKey()) || normParams.contains(e.getKey());
      String norm = isNorm ? recipe.groups().get(groups.groupOf(e.getKey()).index()).norm() : "-";
      boolean pinned = "freeze_all".equals(norm);
      for (StagePlan st : stages) {
        boolean t = st.trainable().contains(group) && !pinned;
        trainable.add(t);
        lr.add(t ? groupLr.get(group) * st.scale(group) : 0.0);
      }
      Shape shape = e.getValue().getArray().getShape();
      Double groupDecay = recipe.groups().get(groups.groupOf(e.getKey()).index()).weightDecay();
      double decay =
          wd == null || excluded(e.getKey(), shape, wd.exclude(), isNorm)
              ? 0.0
              : groupDecay != null ? groupDecay : wd.value();
      double l2sp = l2spGroups.contains(group) ? recipe.optimizer().regularizer().l2sp() : 0.0;
      rows.add(
          new PlanRow(
              e.getKey(), group, shape.toString(), shape.size(), trainable, lr, decay, l2sp, norm));
    }
    return new Plan(
        recipe.optimizer().type(),
        Policies.schedule(recipe.schedule()).toString(),
        groups.groups().stream().map(ParamGroup::name).toList(),
        groupLr,
        stages.stream().map(StagePlan::epochs).toList(),
        wd == null ? "none" : wd.mode(),
        rows,
        featureCache(recipe, block, norms, stages, rows));
  }

  /**
   * Per stage, the last segment of the frozen prefix that runs apart (null: none), as the loop
   * finds it ({@link FeatureCachePolicy#boundary}) from the rows' trainable flags.
   */
  private static List<String> featureCache(
      Recipe recipe, Block block, NormSetup norms, List<StagePlan> stages, List<PlanRow> rows) {
    List<String> cache = new ArrayList<>();
    for (int i = 0; i < stages.size(); i++) {
      int stage = i;
      int k = 0;
      if (recipe.train().featureCache() && !augmented(recipe)) {
        List<String> trained =
            rows.stream().filter(r -> r.trainable().get(stage)).map(PlanRow::name).toList();
        k = FeatureCachePolicy.boundary(block, trained, norms, stages.get(stage));
      }
      cache.add(k == 0 ? null : ((Segmented) block).segments().get(k - 1).name());
    }
    return cache;
  }

  /** Whether a parameter belongs to a normalization layer (a name segment containing "norm"). */
  static boolean isNorm(String name) {
    return Stream.of(name.toLowerCase(Locale.ROOT).split("\\.")).anyMatch(s -> s.contains("norm"));
  }

  /** Whether a parameter is excluded from weight decay by the recipe's exclusion kinds. */
  static boolean excluded(String name, Shape shape, List<String> kinds, boolean isNorm) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (String k : kinds) {
      boolean hit =
          switch (k) {
            case "bias" -> lower.endsWith(".bias") || lower.equals("bias");
            case "norm" -> isNorm;
            case "1d" -> shape.dimension() == 1;
            case "embedding" ->
                Stream.of(lower.split("\\.")).anyMatch(s -> s.contains("embedding"));
            default -> false;
          };
      if (hit) {
        return true;
      }
    }
    return false;
  }

  private static ClipSpec clip(Recipe recipe) {
    return recipe.optimizer().clip() == null ? new ClipSpec(null, null) : recipe.optimizer().clip();
  }

  private static Map<String, GroupHyper> hyperPerParam(Recipe recipe, Plan plan) {
    Map<String, GroupHyper> out = new LinkedHashMap<>();
    plan.rows()
        .forEach(r -> out.put(r.name(), Policies.hyper(recipe, r, plan.groupLr().get(r.group()))));
    return out;
  }
}
