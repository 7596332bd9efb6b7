package io.github.finetune4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.monitor.HtmlReport;
import io.github.finetune4j.monitor.ReportException;
import io.github.finetune4j.pipeline.BadInputException;
import io.github.finetune4j.pipeline.FineTune;
import io.github.finetune4j.pipeline.Plan;
import io.github.finetune4j.pipeline.RunFailedException;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeException;
import io.github.finetune4j.recipe.RecipeModel;
import io.github.finetune4j.recipe.RecipeReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code finetune} command line. Exit codes: 0 ok, 1 the run failed, 2 bad usage or bad
 * input (recipe, data, paths) — reported as one clear paragraph, never a stack trace.
 */
@Command(
    name = "finetune",
    mixinStandardHelpOptions = true,
    version = "finetune4j 0.1.0",
    description = "Fine-tune pre-trained networks by recipe.",
    subcommands = {
      Main.Run.class,
      Main.Validate.class,
      Main.PlanCmd.class,
      Main.Schema.class,
      Main.Predict.class,
      Main.Report.class
    })
public final class Main implements Callable<Integer> {

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
  public static void main(String[] args) {
    Interrupts.install(System.err);
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
          err.println("finetune: the run failed: " + Escapes.escape(String.valueOf(ex.getMessage())));
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
        Locale.ROOT, "finetune: recipe %s is not usable (%d problem%s):%n",
        Escapes.escape(file.toString()), ps.size(),
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

  @Command(name = "run", mixinStandardHelpOptions = true, description = "Fine-tune by recipe: train, evaluate, export.")
  static final class Run extends RecipeCommand {
    @Override
    public Integer call() throws Exception {
      Recipe r;
      try {
        r = main.readRecipe(recipe, overrides);
      } catch (RecipeException e) {
        return main.badRecipe(recipe, e);
      }
      try {
        ObjectNode summary = FineTune.run(r, recipe, main.out, List.of());
        JsonNode acc = summary.get("test_accuracy");
        main.out.printf(
            Locale.ROOT,
            "Done: %s, %.1f s wall; run directory %s%n",
            acc == null || acc.isNull()
                ? "no test split"
                : String.format(Locale.ROOT, "test accuracy %.4f", acc.asDouble()),
            summary.get("wall_seconds").asDouble(),
            Escapes.escape(r.output().dir()));
        return OK;
      } catch (BadInputException e) {
        return main.badInput("cannot run " + recipe, e);
      } catch (RunFailedException e) {
        main.err.println("finetune: the run failed " + Escapes.escape(e.getMessage()) + ".");
        main.err.println("The failed run (metrics, summary.json with \"status\": \"failed\", report)"
            + " is in " + Escapes.escape(e.where().toString()) + "; no model was exported.");
        return FAILED;
      }
    }
  }

  @Command(name = "validate", mixinStandardHelpOptions = true, description = "Check a recipe and report every problem; loads no weights.")
  static final class Validate extends RecipeCommand {
    @Override
    public Integer call() {
      try {
        Recipe r = main.readRecipe(recipe, overrides);
        // The model-dependent checks too (groups partition the parameters, norm modes the
        // model's layers can honour): the architecture is built, no weight file is read.
        FineTune.plan(r);
        main.out.printf(
            Locale.ROOT, "%s: valid (%d groups, %s)%n", recipe, r.groups().size(),
            r.stages() != null ? r.stages().size() + " stages" : "stages from its unfreeze policy");
        return OK;
      } catch (RecipeException e) {
        return main.badRecipe(recipe, e);
      } catch (BadInputException e) {
        return main.badInput("recipe " + recipe + " does not fit its model", e);
      }
    }
  }

  @Command(name = "plan", mixinStandardHelpOptions = true, description = "Print, per parameter: group, shape, trainable and lr per stage, decay.")
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

  @Command(name = "schema", mixinStandardHelpOptions = true, description = "Print the JSON Schema of the recipe format.")
  static final class Schema implements Callable<Integer> {
    @CommandLine.ParentCommand Main main;

    @Override
    public Integer call() {
      main.out.println(RecipeReader.toJson(RecipeModel.schema(Recipe.class)));
      return OK;
    }
  }

  @Command(name = "report", mixinStandardHelpOptions = true, description = "Write report.html (charts of every group's updates) for a run directory.")
  static final class Report implements Callable<Integer> {
    @CommandLine.ParentCommand Main main;

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "A run directory (or a .partial one).")
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

  @Command(name = "predict", mixinStandardHelpOptions = true, description = "Classify texts with a fine-tuned run's exported model.")
  static final class Predict implements Callable<Integer> {
    @CommandLine.ParentCommand Main main;

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "A run directory.")
    Path runDir;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "TEXT", description = "Texts to classify.")
    List<String> texts;

    @Override
    public Integer call() throws Exception {
      try {
        for (FineTune.Prediction p : FineTune.predict(runDir, texts)) {
          main.out.printf(
              Locale.ROOT, "%s\t%.4f\t%s%n", p.label(), p.probabilities().get(p.label()),
              p.text().length() > 60 ? p.text().substring(0, 57) + "..." : p.text());
        }
        return OK;
      } catch (BadInputException e) {
        return main.badInput("cannot predict", e);
      }
    }
  }
}
