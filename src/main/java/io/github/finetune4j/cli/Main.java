package io.github.finetune4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.monitor.HtmlReport;
import io.github.finetune4j.monitor.ReportException;
import io.github.finetune4j.pipeline.ActiveRun;
import io.github.finetune4j.pipeline.BadInputException;
import io.github.finetune4j.pipeline.FineTune;
import io.github.finetune4j.pipeline.LrFind;
import io.github.finetune4j.pipeline.Plan;
import io.github.finetune4j.pipeline.PredictInput;
import io.github.finetune4j.pipeline.Predictor;
import io.github.finetune4j.pipeline.RunFailedException;
import io.github.finetune4j.pipeline.Sweep;
import io.github.finetune4j.pipeline.TabularPredictor;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeException;
import io.github.finetune4j.recipe.RecipeModel;
import io.github.finetune4j.recipe.RecipeReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code finetune} command line. Exit codes: 0 ok, 1 the run failed, 2 bad usage or bad input
 * (recipe, data, paths) — reported as one clear paragraph, never a stack trace.
 */
@Command(
    name = "finetune",
    mixinStandardHelpOptions = true,
    version = Main.VERSION,
    description = "Fine-tune pre-trained networks by recipe.",
    subcommands = {
      Main.Run.class,
      Main.LrFindCmd.class,
      Main.SweepCmd.class,
      Main.Validate.class,
      Main.PlanCmd.class,
      Main.Schema.class,
      Main.Predict.class,
      Main.Report.class,
      Main.Checkpoint.class
    })
public final class Main implements Callable<Integer> {

  /** What {@code --version} prints. */
  static final String VERSION = FineTune.VERSION;

  /** Exit code: success. */
  public static final int OK = 0;

  /** Exit code: the run failed. */
  public static final int FAILED = 1;

  /** Exit code: bad usage or bad input. */
  public static final int BAD_INPUT = 2;

  private PrintStream out;
  private PrintStream err;

  /**
   * Entry point of the launcher.
   *
   * @param args command-line arguments
   */
  /** The command line as a shell would take it again (arguments quoted where needed). */
  static String commandLine(String[] args) {
    StringBuilder b = new StringBuilder("./finetune");
    for (String a : args) {
      if (a.equals("--resume")) {
        continue;
      }
      b.append(' ')
          .append(a.matches("[A-Za-z0-9_./:=,+@%-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return b.toString();
  }

  public static void main(String[] args) {
    Interrupts.install(System.err);
    ActiveRun.command(commandLine(args));
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs the command line in-process (for tests and embedding).
   *
   * @param args arguments
   * @param out standard output
   * @param err standard error
   * @return the exit code
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    Main main = new Main();
    main.out = out;
    main.err = err;
    CommandLine cl = new CommandLine(main);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExecutionExceptionHandler(
        (ex, line, parse) -> {
          err.println(
              "finetune: the run failed: " + Escapes.escape(String.valueOf(ex.getMessage())));
          if (System.getenv("FINETUNE_DEBUG") != null) {
            ex.printStackTrace(err);
          } else {
            err.println("(set FINETUNE_DEBUG=1 for the stack trace)");
          }
          return FAILED;
        });
    return cl.execute(args);
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(out);
    return BAD_INPUT;
  }

  private Recipe readRecipe(Path file, List<String> overrides) throws RecipeException {
    return RecipeReader.read(file, overrides);
  }

  private int badRecipe(Path file, RecipeException e) {
    List<String> ps = e.problems();
    err.printf(
        Locale.ROOT,
        "finetune: recipe %s is not usable (%d problem%s):%n",
        Escapes.escape(file.toString()),
        ps.size(),
        ps.size() == 1 ? "" : "s");
    ps.forEach(p -> err.println("  - " + Escapes.escape(p)));
    return BAD_INPUT;
  }

  private int badInput(String what, BadInputException e) {
    err.println("finetune: " + Escapes.escape(what) + ":");
    e.problems().forEach(p -> err.println("  - " + Escapes.escape(p)));
    err.println("Nothing was written.");
    return BAD_INPUT;
  }

  /** Base of the commands that take a recipe and overrides. */
  abstract static class RecipeCommand implements Callable<Integer> {
    @CommandLine.ParentCommand Main main;

    @Parameters(index = "0", paramLabel = "RECIPE", description = "Recipe file (YAML or JSON).")
    Path recipe;

    @Parameters(
        index = "1..*",
        paramLabel = "KEY=VALUE",
        description = "Overrides of recipe fields, e.g. optimizer.lr=3e-4 train.seed=7.")
    List<String> overrides = new ArrayList<>();
  }

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      version = Main.VERSION,
      description = "Fine-tune by recipe: train, evaluate, export.")
  static final class Run extends RecipeCommand {
    @Option(
        names = "--resume",
        description =
            "Continue the interrupted run in the recipe's output.dir from its newest valid"
                + " checkpoint (the recipe must be the one it started with; output.* and"
                + " monitor.* may change).")
    boolean resume;

    @Override
    public Integer call() throws Exception {
      Recipe r;
      try {
        r = main.readRecipe(recipe, overrides);
      } catch (RecipeException e) {
        return main.badRecipe(recipe, e);
      }
      try {
        ObjectNode summary = FineTune.run(r, recipe, main.out, List.of(), resume);
        JsonNode es = summary.path("early_stopping");
        if (es.isObject()) {
          main.out.printf(
              Locale.ROOT,
              "Early stopping on validation %s: %s; the best epoch %d (%s)%s%n",
              es.get("metric").asText(),
              es.get("stopped_after_epoch").isNull()
                  ? "ran every epoch"
                  : "stopped after epoch " + es.get("stopped_after_epoch").asInt(),
              es.get("best_epoch").asInt(),
              es.get("best_value").isNumber()
                  ? String.format(Locale.ROOT, "%.4f", es.get("best_value").asDouble())
                  : "-",
              es.get("restored_best").asBoolean() ? ", whose weights were restored" : "");
        }
        main.out.printf(
            Locale.ROOT,
            "Done: %s, %.1f s wall; run directory %s%n",
            headline(summary),
            summary.get("wall_seconds").asDouble(),
            Escapes.escape(r.output().dir()));
        return OK;
      } catch (BadInputException e) {
        return main.badInput("cannot run " + recipe, e);
      } catch (RunFailedException e) {
        main.err.println("finetune: the run failed " + Escapes.escape(e.getMessage()) + ".");
        main.err.println(
            "The failed run (metrics, summary.json with \"status\": \"failed\", report)"
                + " is in "
                + Escapes.escape(e.where().toString())
                + "; no model was exported.");
        return FAILED;
      }
    }
  }

  @Command(
      name = "lr-find",
      mixinStandardHelpOptions = true,
      version = Main.VERSION,
      description =
          "LR range test: train a stage's groups for up to --steps steps at an exponentially"
              + " growing learning rate (the groups keep their ratios), then suggest a rate and"
              + " print the overrides that apply it. Nothing is trained for keeps; the model's"
              + " weights are put back.")
  static final class LrFindCmd extends RecipeCommand {
    @Option(names = "--stage", description = "The stage to sweep (from 0; default 0).")
    int stage;

    @Option(names = "--start", description = "The first learning rate (default 1e-7).")
    double start = 1e-7;

    @Option(names = "--end", description = "The last learning rate (default 10).")
    double end = 10;

    @Option(names = "--steps", description = "The most steps (default 100).")
    int steps = 100;

    @Option(
        names = "--out",
        description = "Where the report goes (default: the recipe's output.dir + \"-lr-find\").")
    Path out;

    @Option(
        names = "--apply",
        description =
            "Also write the recipe, resolved, with the suggested rate applied, to this new file.")
    Path apply;

    @Override
    public Integer call() throws Exception {
      Recipe r;
      try {
        r = main.readRecipe(recipe, overrides);
      } catch (RecipeException e) {
        return main.badRecipe(recipe, e);
      }
      Path dir = out != null ? out : Path.of(r.output().dir() + "-lr-find");
      LrFind.Options options;
      try {
        options = new LrFind.Options(dir, stage, start, end, steps);
      } catch (IllegalArgumentException e) {
        return main.badInput(
            "cannot run lr-find on " + recipe,
            new BadInputException(List.of("--start/--end/--steps/--stage: " + e.getMessage())));
      }
      if (apply != null && (Files.exists(apply, LinkOption.NOFOLLOW_LINKS))) {
        return main.badInput(
            "cannot run lr-find on " + recipe,
            new BadInputException(
                List.of("--apply: " + apply + " exists; name a new file (it is never replaced)")));
      }
      if (apply != null
          && (apply.toAbsolutePath().getParent() == null
              || !Files.isDirectory(apply.toAbsolutePath().getParent()))) {
        return main.badInput(
            "cannot run lr-find on " + recipe,
            new BadInputException(List.of("--apply: the folder of " + apply + " does not exist")));
      }
      ObjectNode summary;
      try {
        summary = FineTune.lrFind(r, recipe, options, main.out);
      } catch (BadInputException e) {
        // the directory checks speak of output.dir; here it is the sweep's own (--out)
        return main.badInput(
            "cannot run lr-find on " + recipe,
            new BadInputException(
                e.problems().stream()
                    .map(p -> p.startsWith("output.dir: ") ? "--out: " + p.substring(12) : p)
                    .toList()));
      }
      JsonNode s = summary.get("suggestions");
      main.out.printf(
          Locale.ROOT,
          "%d steps (%s). Suggestions: valley %s, steepest %s, minimum/10 %s%n",
          summary.get("steps").asInt(),
          summary.get("stopped").asText(),
          rate(s.get("valley")),
          rate(s.get("steepest")),
          rate(s.get("minimum/10")));
      List<String> suggested = new ArrayList<>();
      summary.get("overrides").forEach(v -> suggested.add(v.asText()));
      if (suggested.isEmpty()) {
        main.out.println("Too few steps to suggest a rate; try more --steps or a wider range.");
      } else {
        main.out.println("Apply the valley suggestion with: " + String.join(" ", suggested));
      }
      main.out.println("Report: " + Escapes.escape(dir.resolve("report.html").toString()));
      if (apply != null && !suggested.isEmpty()) {
        List<String> all = new ArrayList<>(overrides);
        all.addAll(suggested);
        Recipe applied = main.readRecipe(recipe, all);
        Path tmp = apply.resolveSibling(apply.getFileName() + ".tmp");
        Files.writeString(tmp, RecipeReader.toYaml(applied));
        Files.move(tmp, apply, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        main.out.println("Wrote " + Escapes.escape(apply.toString()));
      }
      return OK;
    }

    private static String rate(JsonNode v) {
      return v == null || !v.isNumber() ? "-" : String.format(Locale.ROOT, "%.2e", v.asDouble());
    }
  }

  @Command(
      name = "sweep",
      mixinStandardHelpOptions = true,
      version = Main.VERSION,
      description =
          "Run every combination of recipes, --grid values and --seeds as ordinary runs under"
              + " --out/trials/, then write results.csv, results.md (mean ± std over seeds) and"
              + " results.html. Run again to continue an interrupted sweep.")
  static final class SweepCmd implements Callable<Integer> {
    @CommandLine.ParentCommand Main main;

    @Parameters(paramLabel = "RECIPE", arity = "1..*", description = "Recipe files.")
    List<Path> recipes = new ArrayList<>();

    @Option(
        names = "--grid",
        paramLabel = "KEY=V1,V2",
        description = "A recipe key and its values (repeatable), e.g. optimizer.lr=1e-4,3e-4.")
    List<String> grid = new ArrayList<>();

    @Option(names = "--seeds", description = "Seeds per grid point (default 1).")
    int seeds = 1;

    @Option(
        names = "--set",
        paramLabel = "KEY=VALUE",
        description = "An override for every trial (repeatable).")
    List<String> set = new ArrayList<>();

    @Option(names = "--out", required = true, description = "The sweep's directory.")
    Path out;

    @Option(
        names = "--parallel",
        description = "Trials at once, as child processes; threads are split (default 1).")
    int parallel = 1;

    @Option(
        names = "--trial",
        description =
            "Run only this trial (from 0), in this process, and print its metrics as name=value"
                + " lines: the contract for an external scheduler.")
    Integer trial;

    @Option(names = "--list", description = "Print the trials and exit.")
    boolean list;

    @Option(names = "--collect", description = "Only (re)write the results from complete trials.")
    boolean collect;

    @Override
    public Integer call() throws Exception {
      Sweep sweep;
      try {
        sweep = new Sweep(recipes, Sweep.parseGrid(grid), seeds, set, out);
      } catch (IllegalArgumentException e) {
        return main.badInput("cannot sweep", new BadInputException(List.of(e.getMessage())));
      }
      if (parallel < 1) {
        return main.badInput(
            "cannot sweep", new BadInputException(List.of("--parallel must be at least 1")));
      }
      List<Sweep.Trial> trials = sweep.trials();
      if (trial != null && (trial < 0 || trial >= trials.size())) {
        return main.badInput(
            "cannot sweep",
            new BadInputException(
                List.of(
                    "--trial: the sweep has "
                        + trials.size()
                        + (trials.size() == 1 ? " trial (0 to " : " trials (0 to ")
                        + (trials.size() - 1)
                        + "), not "
                        + trial)));
      }
      // every trial's recipe must read before anything runs
      Map<Path, Long> seedsOf = new LinkedHashMap<>();
      Map<Path, String> descriptions = new LinkedHashMap<>();
      for (Sweep.Trial t : trials) {
        try {
          Recipe r = main.readRecipe(t.recipe(), sweep.overrides(t, 0));
          Recipe base = main.readRecipe(t.recipe(), set);
          seedsOf.put(t.recipe(), base.train().seed());
          descriptions.put(
              t.recipe(), base.description() == null ? t.recipe().toString() : base.description());
          if (r == null) {
            throw new IllegalStateException();
          }
        } catch (RecipeException e) {
          return main.badRecipe(t.recipe(), e);
        }
      }
      if (list) {
        for (Sweep.Trial t : trials) {
          main.out.printf(
              Locale.ROOT,
              "%s %s %s seed=%d%n",
              t.name(),
              t.recipe(),
              t.values(),
              seedsOf.get(t.recipe()) + t.seedOffset());
        }
        main.out.println(trials.size() + " trials");
        return OK;
      }
      List<String> problems = sweep.prepare();
      if (!problems.isEmpty()) {
        return main.badInput("cannot sweep", new BadInputException(problems));
      }
      if (collect) {
        int n = sweep.collect(descriptions);
        main.out.printf(Locale.ROOT, "Collected %d of %d trials into %s%n", n, trials.size(), out);
        return OK;
      }
      if (trial != null) {
        Sweep.Trial t = trials.get(trial);
        long seed = seedsOf.get(t.recipe()) + t.seedOffset();
        if (!sweep.complete(t)) {
          List<String> o = new ArrayList<>(sweep.overrides(t, seedsOf.get(t.recipe())));
          o.add("output.overwrite=true");
          Recipe r = main.readRecipe(t.recipe(), o);
          try {
            FineTune.run(r, t.recipe(), main.out, List.of(), false);
          } catch (BadInputException e) {
            return main.badInput("cannot run trial " + t.name(), e);
          } catch (RunFailedException e) {
            main.err.println(
                "finetune: trial " + t.name() + " failed " + Escapes.escape(e.getMessage()) + ".");
            main.out.println("trial=" + t.name());
            main.out.println("status=failed");
            return FAILED;
          }
        }
        JsonNode summary =
            new ObjectMapper().readTree(sweep.trialDir(t).resolve("summary.json").toFile());
        Sweep.metricLines(t, summary, seed).forEach(main.out::println);
        return OK;
      }
      List<Sweep.Trial> failed = sweep.run(Main.class.getName(), parallel, main.out);
      int n = (int) trials.stream().filter(sweep::complete).count();
      main.out.printf(
          Locale.ROOT,
          "Sweep: %d of %d trials complete; results in %s (results.md, results.csv,"
              + " results.html)%n",
          n,
          trials.size(),
          Escapes.escape(out.toString()));
      if (!failed.isEmpty()) {
        main.err.printf(
            Locale.ROOT,
            "finetune: %d trial%s failed (%s); run the same command again to retry them%n",
            failed.size(),
            failed.size() == 1 ? "" : "s",
            String.join(", ", failed.stream().map(Sweep.Trial::name).toList()));
        return FAILED;
      }
      return OK;
    }
  }

  /** The task's headline test metric: accuracy, or RMSE (with R²) for a regression. */
  static String headline(JsonNode summary) {
    if ("regression".equals(summary.path("task").asText())) {
      JsonNode rmse = summary.path("test_metrics").path("rmse");
      JsonNode r2 = summary.path("test_metrics").path("r2");
      return !rmse.isNumber()
          ? "no test split"
          : String.format(
              Locale.ROOT, "test rmse %.4f (r2 %.4f)", rmse.asDouble(), r2.asDouble(Double.NaN));
    }
    JsonNode acc = summary.get("test_accuracy");
    return acc == null || acc.isNull()
        ? "no test split"
        : String.format(Locale.ROOT, "test accuracy %.4f", acc.asDouble());
  }

  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      version = Main.VERSION,
      description = "Check a recipe and report every problem; loads no weights.")
  static final class Validate extends RecipeCommand {
    @Override
    public Integer call() {
      try {
        Recipe r = main.readRecipe(recipe, overrides);
        // The model-dependent checks too (groups partition the parameters, norm modes the
        // model's layers can honour): the architecture is built, no weight file is read.
        FineTune.plan(r);
        main.out.printf(
            Locale.ROOT,
            "%s: valid (%d groups, %s)%n",
            recipe,
            r.groups().size(),
            r.stages() != null ? r.stages().size() + " stages" : "stages from its unfreeze policy");
        return OK;
      } catch (RecipeException e) {
        return main.badRecipe(recipe, e);
      } catch (BadInputException e) {
        return main.badInput("recipe " + recipe + " does not fit its model", e);
      }
    }
  }

  @Command(
      name = "plan",
      mixinStandardHelpOptions = true,
      version = Main.VERSION,
      description = "Print, per parameter: group, shape, trainable and lr per stage, decay.")
  static final class PlanCmd extends RecipeCommand {
    @Option(names = "--json", description = "Print the plan as JSON.")
    boolean json;

    @Override
    public Integer call() {
      try {
        Recipe r = main.readRecipe(recipe, overrides);
        Plan plan = FineTune.plan(r);
        main.out.print(json ? RecipeReader.toJson(plan.toJson()) + "\n" : plan.toText());
        return OK;
      } catch (RecipeException e) {
        return main.badRecipe(recipe, e);
      } catch (BadInputException e) {
        return main.badInput("recipe " + recipe + " does not fit its model", e);
      }
    }
  }

  @Command(
      name = "schema",
      mixinStandardHelpOptions = true,
      version = Main.VERSION,
      description = "Print the JSON Schema of the recipe format.")
  static final class Schema implements Callable<Integer> {
    @CommandLine.ParentCommand Main main;

    @Override
    public Integer call() {
      main.out.println(RecipeReader.toJson(RecipeModel.schema(Recipe.class)));
      return OK;
    }
  }

  @Command(
      name = "report",
      mixinStandardHelpOptions = true,
      version = Main.VERSION,
      description = "Write report.html (charts of every group's updates) for a run directory.")
  static final class Report implements Callable<Integer> {
    @CommandLine.ParentCommand Main main;

    @Parameters(
        index = "0",
        paramLabel = "RUN_DIR",
        description = "A run directory (or a .partial one).")
    Path runDir;

    @Override
    public Integer call() throws Exception {
      try {
        Path report = HtmlReport.write(runDir);
        main.out.println("Wrote " + report);
        return OK;
      } catch (ReportException e) {
        main.err.println("finetune: cannot write a report: " + e.getMessage());
        return BAD_INPUT;
      }
    }
  }

  @Command(
      name = "checkpoint",
      mixinStandardHelpOptions = true,
      version = Main.VERSION,
      description =
          "Write the bundled all-MiniLM-L6-v2 as a Hugging Face checkpoint directory (config.json,"
              + " model.safetensors, tokenizer.json) for model.type: safetensors.")
  static final class Checkpoint implements Callable<Integer> {
    @CommandLine.ParentCommand Main main;

    @Option(
        names = "--bundled",
        defaultValue = "all-minilm-l6-v2",
        description = "The bundled model (default: ${DEFAULT-VALUE}).")
    String bundled;

    @Parameters(index = "0", paramLabel = "DIR", description = "A new directory.")
    Path dir;

    @Override
    public Integer call() throws Exception {
      try {
        FineTune.writeCheckpoint(bundled, dir);
        main.out.println(
            "Wrote "
                + Escapes.escape(dir.toString())
                + " (config.json,"
                + " model.safetensors, tokenizer.json)");
        return OK;
      } catch (BadInputException e) {
        return main.badInput("cannot write the checkpoint", e);
      }
    }
  }

  @Command(
      name = "predict",
      description = {
        "Predict with a fine-tuned run's exported model.",
        "A text classifier takes texts as arguments, or one per line from --input FILE (- for"
            + " standard input).",
        "A model of feature vectors (csv data) takes --input FILE.csv: a header row naming its"
            + " feature columns (other columns are ignored), one row per example.",
        "The model's files are checked against its manifest.json before it is loaded."
      })
  static final class Predict implements Callable<Integer> {
    /** Texts classified per round, so that output flows while a large input is classified. */
    private static final int CHUNK = 4096;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Output formats. */
    enum Format {
      tsv,
      jsonl
    }

    @CommandLine.ParentCommand Main main;

    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "Show this help message and exit.")
    boolean help;

    @Parameters(
        index = "0",
        paramLabel = "RUN_DIR",
        description = "A run directory (or its model directory).")
    Path runDir;

    @Parameters(
        index = "1..*",
        arity = "0..*",
        paramLabel = "TEXT",
        description = "Texts to classify (or use --input).")
    List<String> texts = new ArrayList<>();

    @Option(
        names = "--input",
        paramLabel = "FILE",
        description =
            "Read the texts from FILE (- for standard input), one per line; empty lines"
                + " are skipped. A .gz file is decompressed.")
    String input;

    @Option(
        names = "--jsonl",
        description =
            "The input is JSON Lines: one object per line, the text in --text-field"
                + " (automatic for files named *.jsonl or *.jsonl.gz).")
    boolean jsonl;

    @Option(
        names = "--text-field",
        paramLabel = "NAME",
        description =
            "The JSONL field that holds the text (default: the one recorded at export,"
                + " else \"text\").")
    String textField;

    @Option(
        names = "--format",
        paramLabel = "tsv|jsonl",
        defaultValue = "tsv",
        description =
            "Output, one line per text or row in input order: tsv (label,"
                + " probability, text; for rows: label, probability, or the predicted values of a"
                + " regression; the default) or jsonl ({\"text\", \"label\", \"probabilities\"};"
                + " for rows {\"label\", \"probabilities\"} or {TARGET: value, ...}).")
    Format format;

    @Option(
        names = "--precision",
        paramLabel = "fp32|bf16|auto",
        defaultValue = "fp32",
        description =
            "A text classifier's matrix products: fp32 (the default; the same probabilities as"
                + " plain DJL loading the model), bf16 (bfloat16 products, about twice as fast"
                + " where the CPU has bf16 units; probabilities within bf16 rounding), or auto"
                + " (bf16 where the CPU has bf16 units).")
    String precision;

    @Override
    public Integer call() throws Exception {
      try {
        if (!List.of("fp32", "bf16", "auto").contains(precision)) {
          throw new BadInputException(
              List.of("--precision: expected fp32, bf16 or auto, got \"" + precision + "\""));
        }
        if (TabularPredictor.isTabular(runDir)) {
          if (precision.equals("bf16")) {
            throw new BadInputException(
                List.of(
                    "--precision bf16 applies to text classifiers (BERT-family encoders); "
                        + runDir
                        + " holds a model of feature vectors, which predicts in float32"));
          }
          try (TabularPredictor predictor = TabularPredictor.open(runDir)) {
            return predictor.readsImages() ? images(predictor) : rows(predictor);
          }
        }
        Path file = input == null || input.equals("-") ? null : inputPath();
        boolean fromJsonl =
            input != null && (jsonl || (file != null && PredictInput.isJsonlName(file)));
        usage(fromJsonl);
        try (Predictor predictor = Predictor.open(runDir)) {
          predictor.setPrecision(precision);
          List<String> all = input == null ? texts : read(file, fromJsonl, predictor.textField());
          for (int start = 0; start < all.size(); start += CHUNK) {
            StringBuilder b = new StringBuilder();
            for (FineTune.Prediction p :
                predictor.predict(all.subList(start, Math.min(all.size(), start + CHUNK)))) {
              b.append(format == Format.tsv ? tsv(p) : jsonl(p)).append('\n');
            }
            main.out.print(b);
          }
          main.out.flush();
        }
        return OK;
      } catch (BadInputException e) {
        return main.badInput(
            "cannot predict",
            new BadInputException(e.problems().stream().map(Escapes::escape).toList()));
      } catch (RuntimeException e) {
        // Not the user's input: an engine or library failure, reported without its class name.
        main.err.println(
            "finetune: predict failed: "
                + (e.getMessage() == null ? "an internal error" : Escapes.escape(e.getMessage())));
        main.err.println("(set FINETUNE_DEBUG=1 for the stack trace)");
        if (System.getenv("FINETUNE_DEBUG") != null) {
          e.printStackTrace(main.err);
        }
        return FAILED;
      }
    }

    /**
     * Classifies image files given as arguments, or listed one path per line in --input FILE or on
     * standard input (--input -).
     */
    private int images(TabularPredictor predictor) throws BadInputException {
      if (jsonl || textField != null) {
        throw new BadInputException(List.of("--jsonl and --text-field apply only to texts"));
      }
      if (!texts.isEmpty() && input != null) {
        throw new BadInputException(
            List.of("give the images as arguments or with --input, not both"));
      }
      List<String> names;
      if (!texts.isEmpty()) {
        names = texts;
      } else if (input == null) {
        throw new BadInputException(
            List.of(
                runDir
                    + " holds a model of images: give image files as arguments, or a file"
                    + " listing them one per line with --input FILE (--input - for standard"
                    + " input)"));
      } else {
        names = read(input.equals("-") ? null : inputPath(), false, null);
      }
      List<Path> files = new ArrayList<>();
      List<String> problems = new ArrayList<>();
      for (String n : names) {
        try {
          Path f = Path.of(n);
          if (!Files.isRegularFile(f)) {
            problems.add(n + ": no such image file");
          }
          files.add(f);
        } catch (InvalidPathException e) {
          problems.add(n + ": not a valid file name");
        }
      }
      if (!problems.isEmpty()) {
        throw new BadInputException(problems);
      }
      for (int start = 0; start < files.size(); start += CHUNK) {
        List<Path> chunk = files.subList(start, Math.min(files.size(), start + CHUNK));
        List<TabularPredictor.RowPrediction> out = predictor.predictImages(chunk);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < out.size(); i++) {
          String name = names.get(start + i);
          if (format == Format.tsv) {
            b.append(tsv(out.get(i))).append('\t').append(Escapes.escape(name)).append('\n');
          } else {
            ObjectNode o = JSON.createObjectNode();
            o.put("image", name);
            o.put("label", out.get(i).label());
            ObjectNode probs = o.putObject("probabilities");
            out.get(i).probabilities().forEach(probs::put);
            try {
              b.append(Escapes.escape(JSON.writeValueAsString(o))).append('\n');
            } catch (JsonProcessingException e) {
              throw new IllegalStateException("a tree of strings and numbers always serializes", e);
            }
          }
        }
        main.out.print(b);
      }
      main.out.flush();
      return OK;
    }

    /** Predicts the rows of --input FILE.csv with a model of feature vectors. */
    private int rows(TabularPredictor predictor) throws BadInputException {
      String problem = null;
      if (!texts.isEmpty()) {
        problem =
            runDir
                + " holds a model of feature vectors: give its rows with --input"
                + " FILE.csv, not texts as arguments";
      } else if (input == null) {
        problem =
            runDir
                + " holds a model of feature vectors: give its rows with --input"
                + " FILE.csv or --input - (CSV with a header row)";
      } else if (jsonl || textField != null) {
        problem = "--jsonl and --text-field apply only to texts";
      }
      if (problem != null) {
        throw new BadInputException(List.of(problem));
      }
      boolean stdin = input.equals("-");
      Path file;
      if (stdin) { // CSV rows from standard input, kept in a temporary file the reader can reopen
        try {
          file = Files.createTempFile("finetune-rows-", ".csv");
          Files.copy(System.in, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
          throw new BadInputException(List.of("standard input: cannot be read: " + e.getMessage()));
        }
      } else {
        file = inputPath();
      }
      try {
        StringBuilder b = new StringBuilder();
        List<TabularPredictor.RowPrediction> predictions;
        try {
          predictions = predictor.predict(file);
        } catch (BadInputException e) {
          if (!stdin) {
            throw e;
          }
          String temp = file.toString();
          throw new BadInputException(
              e.problems().stream().map(p -> p.replace(temp, "standard input")).toList());
        }
        for (TabularPredictor.RowPrediction p : predictions) {
          b.append(format == Format.tsv ? tsv(p) : jsonl(p)).append('\n');
        }
        main.out.print(b);
        main.out.flush();
      } finally {
        if (stdin) {
          try {
            Files.deleteIfExists(file);
          } catch (IOException e) {
            // a temporary file; the system cleans its temporary directory
          }
        }
      }
      return OK;
    }

    private static String tsv(TabularPredictor.RowPrediction p) {
      if (p.label() != null) {
        return Escapes.escape(p.label())
            + "\t"
            + String.format(Locale.ROOT, "%.4f", p.probabilities().get(p.label()));
      }
      StringBuilder b = new StringBuilder();
      for (double v : p.values().values()) {
        b.append(b.length() == 0 ? "" : "\t").append(Float.toString((float) v));
      }
      return b.toString();
    }

    private static String jsonl(TabularPredictor.RowPrediction p) {
      ObjectNode o = JSON.createObjectNode();
      if (p.label() != null) {
        o.put("label", p.label());
        ObjectNode probs = o.putObject("probabilities");
        p.probabilities().forEach(probs::put);
      } else {
        p.values().forEach((k, v) -> o.put(k, (float) (double) v));
      }
      try {
        return Escapes.escape(JSON.writeValueAsString(o));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a tree of strings and numbers always serializes", e);
      }
    }

    private Path inputPath() throws BadInputException {
      try {
        return Path.of(input);
      } catch (InvalidPathException e) {
        throw new BadInputException(List.of(input + ": not a valid file name"));
      }
    }

    /** The texts of --input ({@code file}, or standard input when null); counts skipped lines. */
    private List<String> read(Path file, boolean fromJsonl, String recordedField)
        throws BadInputException {
      String field = textField != null ? textField : recordedField;
      PredictInput in =
          file == null
              ? PredictInput.read(System.in, "standard input", fromJsonl, field)
              : PredictInput.read(file, fromJsonl, field);
      int skipped = in.skippedEmptyLines();
      if (skipped > 0) {
        main.err.printf(
            Locale.ROOT,
            "finetune: skipped %d empty line%s of %s%n",
            skipped,
            skipped == 1 ? "" : "s",
            file == null ? "standard input" : Escapes.escape(input));
      }
      return in.texts();
    }

    private void usage(boolean fromJsonl) throws BadInputException {
      String problem = null;
      if (input != null && !texts.isEmpty()) {
        problem = "give the texts as arguments or with --input FILE, not both";
      } else if (input == null && texts.isEmpty()) {
        problem = "no texts to classify: give them as arguments or with --input FILE";
      } else if (input == null && (jsonl || textField != null)) {
        problem = "--jsonl and --text-field apply only to --input FILE";
      } else if (textField != null && !fromJsonl) {
        problem = "--text-field applies only to JSON Lines input (--jsonl, or a .jsonl file)";
      }
      if (problem != null) {
        throw new BadInputException(List.of(problem));
      }
    }

    private static String tsv(FineTune.Prediction p) {
      return Escapes.escape(p.label())
          + "\t"
          + String.format(Locale.ROOT, "%.4f", p.probabilities().get(p.label()))
          + "\t"
          + Escapes.escape(p.text());
    }

    private static String jsonl(FineTune.Prediction p) {
      ObjectNode o = JSON.createObjectNode();
      o.put("text", p.text());
      o.put("label", p.label());
      ObjectNode probs = o.putObject("probabilities");
      p.probabilities().forEach(probs::put);
      try {
        // Jackson escapes C0 controls; Escapes writes DEL and C1, which Jackson leaves raw, as
        // JSON's own backslash-u escapes (they occur only inside strings): still valid JSON.
        return Escapes.escape(JSON.writeValueAsString(o));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a tree of strings and numbers always serializes", e);
      }
    }
  }
}
