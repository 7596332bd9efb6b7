package io.github.finetune4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.pipeline.BadInputException;
import io.github.finetune4j.pipeline.FineTune;
import io.github.finetune4j.pipeline.RunFailedException;
import io.github.finetune4j.pipeline.Sweep;
import io.github.finetune4j.pipeline.SweepLock;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code finetune sweep}: every combination of recipes, grid values and seeds, and their results.
 */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    version = Main.VERSION,
    description =
        "Run every combination of recipes, --grid values and --seeds as ordinary runs under"
            + " --out/trials/, then write results.csv, results.md (mean ± std over seeds) and"
            + " results.html. Run again to continue an interrupted sweep.")
final class SweepCommand extends CliCommand {
  /** The most trials at once (each a child process). */
  static final int MAX_PARALLEL = 256;

  @Parameters(paramLabel = "RECIPE", arity = "1..*", description = "Recipe files.")
  List<Path> recipes = new ArrayList<>();

  @Option(
      names = "--grid",
      paramLabel = "KEY=V1,V2",
      description =
          "A recipe key and its values (repeatable), e.g. optimizer.lr=1e-4,3e-4. Values are"
              + " YAML; one that holds commas is a list [a, b], a mapping {k: v} or a quoted"
              + " string \"a, b\".")
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
      LinkedHashMap<String, List<String>> g = Sweep.parseGrid(grid);
      List<String> owned = Sweep.ownedKeyProblems(g.keySet(), set);
      if (!owned.isEmpty()) {
        return badInput("cannot sweep", new BadInputException(owned));
      }
      sweep = new Sweep(recipes, g, seeds, set, out);
    } catch (IllegalArgumentException e) {
      return badInput("cannot sweep", new BadInputException(List.of(e.getMessage())));
    }
    if ((list ? 1 : 0) + (collect ? 1 : 0) + (trial != null ? 1 : 0) > 1) {
      return badInput(
          "cannot sweep",
          new BadInputException(
              List.of(
                  "--list, --collect and --trial each say what the command does: give one of"
                      + " them (or none, to run the sweep)")));
    }
    if (parallel < 1 || parallel > MAX_PARALLEL) {
      return badInput(
          "cannot sweep",
          new BadInputException(
              List.of("--parallel must be between 1 and " + MAX_PARALLEL + ", got " + parallel)));
    }
    List<Sweep.Trial> trials = sweep.trials();
    if (trial != null && (trial < 0 || trial >= trials.size())) {
      return badInput(
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
        Recipe r = readRecipe(t.recipe(), sweep.overrides(t, 0));
        Recipe base = readRecipe(t.recipe(), set);
        seedsOf.put(t.recipe(), base.train().seed());
        descriptions.put(
            t.recipe(), base.description() == null ? t.recipe().toString() : base.description());
        if (r == null) {
          throw new IllegalStateException();
        }
      } catch (RecipeException e) {
        return badRecipe(t.recipe(), e);
      }
    }
    if (list) {
      for (Sweep.Trial t : trials) {
        out()
            .printf(
                Locale.ROOT,
                "%s %s %s seed=%d%n",
                t.name(),
                Escapes.escape(t.recipe().toString()),
                Escapes.escape(t.values().toString()),
                seedsOf.get(t.recipe()) + t.seedOffset());
      }
      out().println(trials.size() + " trials");
      return OK;
    }
    if (collect) {
      int n;
      try (SweepLock lock = sweep.open(out(), Sweep.PREPARE_WAIT)) {
        n = sweep.collect(descriptions);
      } catch (BadInputException e) {
        return badInput("cannot sweep", e);
      } catch (IOException e) {
        return sweepFailed(e);
      }
      out()
          .printf(
              Locale.ROOT,
              "Collected %d of %d trials into %s%n",
              n,
              trials.size(),
              Escapes.escape(out.toString()));
      return OK;
    }
    if (trial != null) {
      List<String> problems;
      try {
        problems = sweep.prepare(out());
      } catch (IOException e) {
        return sweepFailed(e);
      }
      if (!problems.isEmpty()) {
        return badInput("cannot sweep", new BadInputException(problems));
      }
      Sweep.Trial t = trials.get(trial);
      long seed = seedsOf.get(t.recipe()) + t.seedOffset();
      if (!sweep.complete(t)) {
        List<String> o = new ArrayList<>(sweep.overrides(t, seedsOf.get(t.recipe())));
        o.add("output.overwrite=true");
        Recipe r = readRecipe(t.recipe(), o);
        try {
          FineTune.run(r, t.recipe(), out(), List.of(), false);
        } catch (BadInputException e) {
          return badInput("cannot run trial " + t.name(), e);
        } catch (RunFailedException e) {
          err()
              .println(
                  "finetune: trial "
                      + t.name()
                      + " failed "
                      + Escapes.escape(e.getMessage())
                      + ".");
          out().println("trial=" + t.name());
          out().println("status=failed");
          return FAILED;
        }
      }
      JsonNode summary =
          new ObjectMapper().readTree(sweep.trialDir(t).resolve("summary.json").toFile());
      Sweep.metricLines(t, summary, seed).forEach(out()::println);
      return OK;
    }
    List<Sweep.Trial> failed;
    try {
      failed = sweep.run(Main.class.getName(), parallel, out());
    } catch (BadInputException e) {
      return badInput("cannot sweep", e);
    } catch (IOException e) {
      return sweepFailed(e);
    }
    int n = 0;
    List<String> running = new ArrayList<>();
    for (Sweep.Trial t : trials) {
      Sweep.Status s = sweep.status(t);
      if (s.state().equals("completed")) {
        n++;
      } else if (s.state().equals("running")) {
        running.add(t.name() + ": " + s.holder());
      }
    }
    out()
        .printf(
            Locale.ROOT,
            "Sweep: %d of %d trials complete; results in %s (results.md, results.csv,"
                + " results.html)%n",
            n,
            trials.size(),
            Escapes.escape(out.toString()));
    if (!failed.isEmpty()) {
      err()
          .printf(
              Locale.ROOT,
              "finetune: %d trial%s failed (%s); run the same command again to retry them%n",
              failed.size(),
              failed.size() == 1 ? "" : "s",
              String.join(", ", failed.stream().map(Sweep.Trial::name).toList()));
    }
    if (!running.isEmpty()) {
      err()
          .printf(
              Locale.ROOT,
              "finetune: %d trial%s still being run by another process (%s); run the same"
                  + " command again once it has ended%n",
              running.size(),
              running.size() == 1 ? " is" : "s are",
              Escapes.escape(String.join("; ", running)));
    }
    if (!failed.isEmpty()) {
      return FAILED;
    }
    if (!running.isEmpty()) {
      return BAD_INPUT;
    }
    return OK;
  }

  /**
   * A sweep that could not write its directory (a full disk): one paragraph naming the file, exit
   * 1; the trials that completed stay complete, and the same command continues the sweep.
   */
  private int sweepFailed(IOException e) {
    err()
        .println(
            "finetune: the sweep in "
                + Escapes.escape(out.toString())
                + " failed: "
                + Escapes.escape(e.getMessage() == null ? e.toString() : e.getMessage())
                + "; the trials that completed are kept, and the same command continues the"
                + " sweep once the cause is fixed");
    return FAILED;
  }
}
