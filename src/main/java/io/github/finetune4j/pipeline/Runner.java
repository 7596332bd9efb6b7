package io.github.finetune4j.pipeline;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.model.DjlModules;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.monitor.ConsoleSink;
import io.github.finetune4j.monitor.HtmlReport;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.MonitorSet;
import io.github.finetune4j.monitor.ReportException;
import io.github.finetune4j.monitor.WarningDetector;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.optim.UpdateRule;
import io.github.finetune4j.params.ParamGroups;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.recipe.ClipSpec;
import io.github.finetune4j.recipe.EarlyStoppingSpec;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeReader;
import io.github.finetune4j.train.Batches;
import io.github.finetune4j.train.Checkpoint;
import io.github.finetune4j.train.CheckpointPolicy;
import io.github.finetune4j.train.EarlyStopping;
import io.github.finetune4j.train.FaultPolicy;
import io.github.finetune4j.train.FeatureCachePolicy;
import io.github.finetune4j.train.FineTuner;
import io.github.finetune4j.train.NormSetup;
import io.github.finetune4j.train.RunResult;
import io.github.finetune4j.train.Task;
import io.github.finetune4j.train.TrainSetup;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The engine of a run: locks the run directory, loads the weights, seeds, trains with the resolved
 * plan, writes the summary, report, checkpoints and export, and completes or fails the directory.
 * Every kind of run — a recipe from the CLI, a block from the Java door, an LR range test — ends
 * here; nothing here reads which family or task it runs.
 */
final class Runner {

  private Runner() {}

  static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The batches of a run's splits (valid and test may be null).
   *
   * @param train the training split
   * @param valid the validation split, or null
   * @param test the test split, or null
   */
  record Splits(Batches train, Batches valid, Batches test) {}

  interface Export {
    void write(Path modelDir, Task trained) throws IOException;
  }

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
      List<Checkpoint.Extra> checkpointFiles,
      List<String> formats) {}

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
    String stage = "writing the resolved recipe and the plan";
    Path writing = partial;
    try {
      RunFiles.write(partial.resolve("recipe.resolved.yaml"), resolvedRecipe);
      RunFiles.write(partial.resolve("plan.json"), RecipeReader.toJson(plan.toJson()));

      stage = "the few-shot phase";
      if (FewShot.spec(recipe) != null) {
        if (t.resume() != null) {
          // the checkpoint holds the weights after the few-shot phase: it is not run again
          summary.putObject("few_shot").put("skipped_on_resume", true);
        } else {
          FewShot.Outcome phase = FewShot.run(recipe, t, out);
          summary.set("few_shot", phase.summary());
          if (!phase.result().succeeded()) {
            String why = "few-shot phase: " + phase.result().fault().message();
            summary.put("status", "failed");
            summary.put("failure", why);
            throw new RunFailedException(
                why, finishFailed(dir, recipe, summary, wallStart), summary);
          }
        }
      }
      stage = "training (writing metrics and checkpoints)";
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
              t.resume() != null,
              t.task().headline().metric(),
              splits.valid() == null || splits.valid().scoresLoss()));
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
      stage = "writing the residuals";
      RunSummary.fillSummary(summary, recipe, result, t);
      RunSummary.writeResiduals(partial, result, t);
      ArrayNode fresh = summary.putArray("new_groups");
      RunSummary.newGroups(recipe, t.groups()).forEach(fresh::add);
      if (result.succeeded()) {
        stage = "exporting the model";
        Path modelDir = partial.resolve(Exporter.MODEL_DIR);
        writing = modelDir;
        t.export().write(modelDir, result.task());
        Provenance.write(modelDir, recipe, resolvedRecipe, t.data());
        if (!t.formats().isEmpty()) {
          stage = "writing the " + String.join(", ", t.formats()) + " format(s)";
          writeFormats(t, partial, summary);
        }
        stage = "writing the model's manifest";
        writing = modelDir;
        Manifest.write(modelDir); // again: it lists the provenance and the formats too
        summary.put("status", "completed");
      } else {
        summary.put("status", "failed");
        summary.put("failure", result.fault().message());
        RunSummary.number(summary, "failed_at_step", result.fault().step());
        RunSummary.number(summary, "weights_of_step", result.fault().goodStep());
        if (result.fault().restoredFrom() != null) {
          summary.put("weights_restored_from", result.fault().restoredFrom());
        }
      }
      if (result.succeeded()) {
        if (t.resume() != null) {
          summary.put("resumed_from_step", t.resume().step());
        }
        summary.put("wall_seconds", (System.nanoTime() - wallStart) / 1e9);
        stage = "writing summary.json";
        writing = partial;
        RunFiles.write(partial.resolve("summary.json"), RecipeReader.toJson(summary));
        stage = "writing the report";
        writeReport(recipe, partial);
        stage = "completing the run directory";
        if (!recipe.output().keepCheckpoints()) {
          RunDirectory.deleteTree(partial.resolve(Checkpoint.FOLDER)); // not in the result
          Files.deleteIfExists(partial.resolve(InputHashes.FILE)); // serves --resume only
        }
        dir.complete();
        return summary;
      }
    } catch (IOException | UncheckedIOException e) {
      String why = "while " + stage + ": " + RunFiles.describe(e, partial, writing);
      summary.put("status", "failed");
      summary.put("failure", why);
      summary.put("failed_while", stage);
      summary.remove("formats");
      try {
        // a failed run holds no model (docs/runs.md), and a full disk gets the space back
        RunDirectory.deleteTree(partial.resolve(Exporter.MODEL_DIR));
      } catch (IOException gone) {
        // the message names the failure that matters
      }
      Path where = finishFailed(dir, recipe, summary, wallStart);
      RunFailedException f = new RunFailedException(why, where, summary);
      f.initCause(e);
      throw f;
    } catch (RuntimeException e) {
      summary.put("status", "failed");
      summary.put(
          "failure", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
      finishFailed(dir, recipe, summary, wallStart);
      throw e;
    }
    Path where = finishFailed(dir, recipe, summary, wallStart);
    throw new RunFailedException(result.fault().message(), where, summary);
  }

  /**
   * Writes the standard formats into the run's {@code model/}, after a provisional {@code
   * summary.json} (status {@code running}; a model card quotes its test metrics). A format that
   * cannot be written fails the run.
   */
  private static void writeFormats(Training t, Path partial, ObjectNode summary)
      throws IOException {
    RunFiles.write(partial.resolve("summary.json"), RecipeReader.toJson(summary));
    try {
      Path modelDir = partial.resolve(Exporter.MODEL_DIR);
      Formats.write(t.formats(), partial, modelDir, modelDir, t.block());
    } catch (BadInputException e) {
      throw new IOException(String.join("; ", e.problems()), e);
    }
    ArrayNode formats = summary.putArray("formats");
    t.formats().forEach(formats::add);
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
        .optEarlyStopping(earlyStopping(recipe, t.task()))
        .optFeatureCache(featureCache(recipe, Path.of(System.getProperty("java.io.tmpdir"))));
  }

  static FeatureCachePolicy featureCache(Recipe recipe, Path spillDir) {
    return new FeatureCachePolicy(
        recipe.train().featureCache() ? FeatureCachePolicy.Mode.AUTO : FeatureCachePolicy.Mode.OFF,
        recipe.train().featureCacheMb() * (1L << 20),
        spillDir);
  }

  /** The recipe's early stopping; {@code mode: auto} takes the metric's direction from the task. */
  private static EarlyStopping earlyStopping(Recipe recipe, Task task) {
    EarlyStoppingSpec es = recipe.train().earlyStopping();
    if (es == null) {
      return null;
    }
    boolean maximize = "auto".equals(es.mode()) ? task.higherIsBetter(es.metric()) : es.maximize();
    return new EarlyStopping(es.metric(), maximize, es.patience(), es.minDelta(), es.restoreBest());
  }

  /**
   * Problems of the recipe's early stopping with this task and validation split: there must be a
   * split to score, and the metric must be one the task reports.
   */
  static List<String> earlyStoppingProblems(
      Recipe recipe, Task task, io.github.finetune4j.train.Batches valid) {
    return earlyStoppingProblems(recipe, task, valid != null, valid == null || valid.scoresLoss());
  }

  /**
   * {@link #earlyStoppingProblems(Recipe, Task, io.github.finetune4j.train.Batches)} from what is
   * known before the data is read: whether there is a validation split, and whether it has a loss.
   */
  static List<String> earlyStoppingProblems(
      Recipe recipe, Task task, boolean hasValid, boolean validHasLoss) {
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
    if (es.metric().equals("loss") && hasValid && !validHasLoss) {
      problems.add(
          "train.early_stopping.metric: 'loss', but the validation split is an"
              + " information-retrieval split, which has no loss (it is scored as a whole); watch"
              + " one of "
              + task.metricNames());
    } else if (!es.metric().equals("loss") && !task.metricNames().contains(es.metric())) {
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

  /**
   * Writes the failed run's {@code summary.json} (atomically: when it cannot be written, none is
   * left — never an empty one, nor an earlier one that said {@code running} or {@code completed})
   * and its report, then moves it to {@code DIR.failed}.
   *
   * @return where the failed run is: {@code DIR.failed}, or {@code DIR.partial} when it could not
   *     be moved
   */
  static Path finishFailed(RunDirectory dir, Recipe recipe, ObjectNode summary, long wallStart) {
    summary.put("wall_seconds", (System.nanoTime() - wallStart) / 1e9);
    Path file = dir.partial().resolve("summary.json");
    try {
      RunFiles.write(file, RecipeReader.toJson(summary));
    } catch (IOException e) {
      try {
        Files.deleteIfExists(file); // a provisional one would say running, or completed
      } catch (IOException gone) {
        // nothing more to do: the message says the summary could not be written
      }
    }
    try {
      writeReport(recipe, dir.partial());
    } catch (IOException | RuntimeException e) {
      // the metrics are on disk already; the report is a convenience here
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

  private static ClipSpec clip(Recipe recipe) {
    return recipe.optimizer().clip() == null ? new ClipSpec(null, null) : recipe.optimizer().clip();
  }

  private static Map<String, GroupHyper> hyperPerParam(Recipe recipe, Plan plan) {
    Map<String, GroupHyper> out = new LinkedHashMap<>();
    plan.rows()
        .forEach(r -> out.put(r.name(), Policies.hyper(recipe, r, plan.groupLr().get(r.group()))));
    return out;
  }

  /**
   * Runs: the output directory is checked, the groups, norm policy and plan are resolved, the run
   * directory is locked, the weights (if any) are loaded, the engine is seeded with {@code
   * train.seed}, and {@link #train} runs (see {@code docs/runs.md}).
   */
  static ObjectNode run(RunSpec s, PrintStream out, List<MetricsSink> extraSinks)
      throws BadInputException, RunFailedException, IOException {
    return run(s, out, extraSinks, false);
  }

  /**
   * Like {@link #run(RunSpec, PrintStream, List)}; a resumed run continues on changed inputs only
   * with {@code acceptChangedInputs} ({@link InputHashes}).
   */
  static ObjectNode run(
      RunSpec s, PrintStream out, List<MetricsSink> extraSinks, boolean acceptChangedInputs)
      throws BadInputException, RunFailedException, IOException {
    Recipe policy = s.policy();
    Block block = s.block();
    long wallStart = s.startedAt() != 0 ? s.startedAt() : System.nanoTime();
    Path runDir = Path.of(policy.output().dir());
    List<String> problems = new ArrayList<>(earlyStoppingProblems(policy, s.task(), s.valid()));
    problems.addAll(Precision.problems(policy, block));
    problems.addAll(FewShot.problems(policy, block, s.train(), s.task().outputs()));
    problems.addAll(Devices.problems(policy));
    List<String> formats = List.of();
    try {
      formats =
          Formats.resolve(
              policy.output().formats(),
              Formats.subject(policy, block, s.export() == null),
              "output.formats");
    } catch (BadInputException e) {
      problems.addAll(e.problems());
    }
    if (!s.outputChecked()) {
      problems.addAll(
          RunDirectory.check(runDir, policy.output().overwrite(), s.resume(), protect(s)));
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(problems);
    }
    if (policy.train().checkpointEvery() != null
        && s.checkpointFiles().isEmpty()
        && DjlModules.holdsTorchScript(block)) {
      throw new BadInputException(
          List.of(
              "train.checkpoint_every: the block holds a TorchScript module, whose BatchNorm"
                  + " buffers are not DJL parameters, so a checkpoint could not restore it exactly;"
                  + " leave train.checkpoint_every out, or run the module from a recipe"
                  + " (model.type: torchscript), which checkpoints the module whole"));
    }
    PlanResolver.Resolved r = PlanResolver.resolved(policy, block, parameters(block));
    Model m = s.model() != null ? s.model() : Model.newInstance("finetune4j", Devices.of(policy));
    String recorded = recorded(s);
    try (RunDirectory dir =
        s.resume()
            ? RunDirectory.resume(runDir, out)
            : RunDirectory.open(runDir, out, policy.output().overwrite())) {
      Checkpoint from = s.resume() ? Resume.prepare(dir.partial(), recorded, out) : null;
      List<Path> data = runData(s);
      List<Path> weights = s.wholeRecipe() ? InputHashes.weightFiles(policy) : List.of();
      if (s.resume()) {
        InputHashes.check(dir.partial(), data, weights, acceptChangedInputs, out);
      } else {
        try {
          InputHashes.record(dir.partial(), data, weights);
        } catch (IOException e) {
          ObjectNode summary = JSON.createObjectNode();
          String why =
              "while recording the inputs' hashes: "
                  + RunFiles.describe(e, dir.partial(), dir.partial());
          summary.put("status", "failed");
          summary.put("failure", why);
          summary.put("failed_while", "recording the inputs' hashes");
          Path where = finishFailed(dir, policy, summary, wallStart);
          RunFailedException f = new RunFailedException(why, where, summary);
          f.initCause(e);
          throw f;
        }
      }
      if (from != null && !s.checkpointFiles().isEmpty()) {
        // the module was loaded from the checkpoint that was newest before the lock was taken
        if (s.moduleFrom() == null) {
          throw new BadInputException(
              List.of(
                  "--resume: the checkpoint "
                      + from.dir()
                      + " holds no "
                      + s.checkpointFiles().get(0).name()
                      + " (the module with its buffers), so the run cannot continue exactly"));
        }
        if (!from.dir()
            .toAbsolutePath()
            .normalize()
            .equals(s.moduleFrom().toAbsolutePath().normalize())) {
          throw new BadInputException(
              List.of(
                  "--resume: the module was loaded from "
                      + s.moduleFrom()
                      + ", but the newest valid checkpoint is now "
                      + from.dir()
                      + "; run the same command again"));
        }
      }
      begin(s, dir, m, out);
      if (from != null) {
        Resume.continueFrom(dir.partial(), from, out); // every check passed: now change the run
      }
      boolean bf16 = Precision.bf16(policy, block);
      if (bf16) {
        ((TextClassifierBlock) block).setBf16(true, m.getNDManager());
        out.println(
            "Computing the encoder's matrix products in bfloat16 (train.precision "
                + policy.train().precision()
                + (Precision.cpuHasBf16()
                    ? "; this CPU has bfloat16 units)"
                    : "; this CPU has no bfloat16 units: slower than fp32 here)"));
      }
      RunSpec.WriteModel export = s.export() != null ? s.export() : defaultExport(s);
      Training training =
          training(
              s,
              m,
              r,
              new Splits(s.train(), s.valid(), s.test()),
              (modelDir, trained) -> {
                if (!ParamsFile.keepPath(m, () -> export.write(modelDir, m, trained))) {
                  out.println(
                      "Note: the model now points at "
                          + m.getModelPath()
                          + " (DJL's Model.save moved it; it could not be put back)");
                }
              },
              summary -> {
                summary.put("block", block.getClass().getName());
                summary.put("precision", bf16 ? "bf16" : "fp32");
                if (s.summary() != null) {
                  s.summary().accept(summary);
                }
              },
              from,
              s.checkpointFiles(),
              formats);
      ActiveRun.begin(dir.partial(), policy.train().checkpointEvery() != null);
      try {
        return train(policy, recorded, training, dir, out, extraSinks, wallStart);
      } finally {
        ActiveRun.end();
        if (bf16) {
          ((TextClassifierBlock) block).setBf16(false, m.getNDManager());
        }
      }
    } finally {
      if (s.model() == null) {
        m.close();
      }
    }
  }

  /** Runs an LR range test instead of training (see {@link FineTuning#lrFind}). */
  static ObjectNode lrFind(RunSpec s, LrFind.Options options, PrintStream out)
      throws BadInputException, IOException {
    Recipe policy = s.policy();
    List<String> problems = new ArrayList<>(LrFind.problems(policy, options));
    if (!s.outputChecked()) {
      problems.addAll(RunDirectory.check(options.out(), policy.output().overwrite(), protect(s)));
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(problems);
    }
    PlanResolver.Resolved r = PlanResolver.resolved(policy, s.block(), parameters(s.block()));
    Model m = s.model() != null ? s.model() : Model.newInstance("finetune4j", Devices.of(policy));
    try (RunDirectory dir = RunDirectory.open(options.out(), out)) {
      begin(s, dir, m, out);
      Training training =
          training(
              s,
              m,
              r,
              new Splits(s.train(), null, null),
              (modelDir, trained) -> {},
              summary -> {},
              null,
              List.of(),
              List.of());
      Files.writeString(dir.partial().resolve("recipe.resolved.yaml"), recorded(s));
      ObjectNode summary = LrFind.sweep(policy, training, options, dir.partial(), out);
      dir.complete();
      return summary;
    } finally {
      if (s.model() == null) {
        m.close();
      }
    }
  }

  /** The inputs no output directory may replace: the data files and the policy file. */
  private static List<Path> protect(RunSpec s) {
    List<Path> protect = new ArrayList<>(s.inputs());
    if (s.policyFile() != null) {
      protect.add(s.policyFile());
    }
    return protect;
  }

  /** What {@code recipe.resolved.yaml} records: the whole recipe, or its policy sections. */
  private static String recorded(RunSpec s) {
    return s.wholeRecipe()
        ? RecipeReader.toYaml(s.policy())
        : RecipeReader.toPolicyYaml(s.policy());
  }

  /**
   * Under the run directory's lock: the block into the model, the pre-trained weights loaded (bad
   * weights discard the directory, which holds nothing but its marker yet), the engine seeded.
   */
  private static void begin(RunSpec s, RunDirectory dir, Model m, PrintStream out)
      throws BadInputException, IOException {
    if (s.model() == null) {
      m.setBlock(s.block());
    }
    if (s.weights() != null) {
      try {
        s.weights().load(s.block(), out);
      } catch (BadInputException | IllegalArgumentException e) {
        if (!s.resume()) {
          dir.discard(); // a new run wrote nothing yet; an interrupted run is kept as it is
        }
        throw e instanceof BadInputException b
            ? b
            : new BadInputException(List.of("model: " + e.getMessage()));
      }
    }
    seed(s.policy().train().seed());
  }

  /** Seeds DJL's engine (its low 32 bits, which is what DJL takes). */
  static void seed(long seed) {
    Engine.getInstance().setRandomSeed((int) seed);
  }

  /** What a run (or an LR range test) trains: this block, resolved, with these splits. */
  private static Training training(
      RunSpec s,
      Model m,
      PlanResolver.Resolved r,
      Splits splits,
      Export export,
      Describe describe,
      Checkpoint from,
      List<Checkpoint.Extra> files,
      List<String> formats) {
    return new Training(
        m,
        s.block(),
        r.params(),
        r.groups(),
        r.norms(),
        r.plan(),
        s.task(),
        splits,
        export,
        describe,
        runData(s),
        s.rule(),
        from,
        files,
        formats);
  }

  /** The data files and folders a run reads (for its provenance and its resume check). */
  private static List<Path> runData(RunSpec s) {
    return s.wholeRecipe() && !s.outputChecked() ? Provenance.dataFiles(s.policy()) : s.inputs();
  }

  /** The block's trainable parameters by name; two with one name are bad input. */
  static Map<String, Parameter> parameters(Block block) throws BadInputException {
    try {
      return ParameterNames.trainable(block);
    } catch (IllegalStateException e) {
      throw new BadInputException(List.of("model: " + e.getMessage()));
    }
  }

  /**
   * DJL's parameter file (also for a block that was loaded rather than initialized, see {@link
   * ParamsFile}), what the block and task were, and the manifest (written last).
   */
  private static RunSpec.WriteModel defaultExport(RunSpec s) {
    return (modelDir, model, trained) -> {
      if (ContinuedExport.write(s, modelDir, model)) {
        return; // a toolkit export, continued: it stays loadable by Criteria and predict
      }
      ParamsFile.save(model, modelDir, Exporter.MODEL_NAME); // also for a loaded block
      ObjectNode meta = JSON.createObjectNode();
      meta.put("kind", "block");
      ExportFormat.stamp(meta, "block", s.task().name());
      meta.put("block", s.block().getClass().getName());
      String key = TaskKind.outputsKey(s.task().name());
      if (key != null) {
        s.task().outputs().forEach(meta.putArray(key)::add);
      }
      meta.put(
          "load",
          "model.setBlock(<the same architecture>); model.load(dir, \""
              + Exporter.MODEL_NAME
              + "\")");
      Files.writeString(modelDir.resolve(Exporter.MODEL_CONFIG), RecipeReader.toJson(meta));
      Manifest.write(modelDir);
    };
  }
}
