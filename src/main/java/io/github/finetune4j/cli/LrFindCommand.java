package io.github.finetune4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.pipeline.BadInputException;
import io.github.finetune4j.pipeline.FineTune;
import io.github.finetune4j.pipeline.LrFind;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeException;
import io.github.finetune4j.recipe.RecipeReader;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code finetune lr-find}: the LR range test, its suggestions and the overrides that apply them.
 */
@Command(
    name = "lr-find",
    mixinStandardHelpOptions = true,
    version = Main.VERSION,
    description =
        "LR range test: train a stage's groups for up to --steps steps at an exponentially"
            + " growing learning rate (the groups keep their ratios), then suggest a rate and"
            + " print the overrides that apply it. Nothing is trained for keeps; the model's"
            + " weights are put back.")
final class LrFindCommand extends RecipeCommand {
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
      r = readRecipe(recipe, overrides);
    } catch (RecipeException e) {
      return badRecipe(recipe, e);
    }
    Path dir = out != null ? out : Path.of(r.output().dir() + "-lr-find");
    LrFind.Options options;
    try {
      options = new LrFind.Options(dir, stage, start, end, steps);
    } catch (IllegalArgumentException e) {
      return badInput(
          "cannot run lr-find on " + recipe,
          new BadInputException(List.of("--start/--end/--steps/--stage: " + e.getMessage())));
    }
    if (apply != null && (Files.exists(apply, LinkOption.NOFOLLOW_LINKS))) {
      return badInput(
          "cannot run lr-find on " + recipe,
          new BadInputException(
              List.of("--apply: " + apply + " exists; name a new file (it is never replaced)")));
    }
    if (apply != null
        && (apply.toAbsolutePath().getParent() == null
            || !Files.isDirectory(apply.toAbsolutePath().getParent()))) {
      return badInput(
          "cannot run lr-find on " + recipe,
          new BadInputException(List.of("--apply: the folder of " + apply + " does not exist")));
    }
    ObjectNode summary;
    try {
      summary = FineTune.lrFind(r, recipe, options, out());
    } catch (BadInputException e) {
      // the directory checks speak of output.dir; here it is the sweep's own (--out)
      return badInput(
          "cannot run lr-find on " + recipe,
          new BadInputException(
              e.problems().stream()
                  .map(p -> p.startsWith("output.dir: ") ? "--out: " + p.substring(12) : p)
                  .toList()));
    }
    JsonNode s = summary.get("suggestions");
    out()
        .printf(
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
      out().println("Too few steps to suggest a rate; try more --steps or a wider range.");
    } else {
      out().println("Apply the valley suggestion with: " + String.join(" ", suggested));
    }
    out().println("Report: " + Escapes.escape(dir.resolve("report.html").toString()));
    if (apply != null && !suggested.isEmpty()) {
      List<String> all = new ArrayList<>(overrides);
      all.addAll(suggested);
      Recipe applied = readRecipe(recipe, all);
      Path tmp = apply.resolveSibling(apply.getFileName() + ".tmp");
      Files.writeString(tmp, RecipeReader.toYaml(applied));
      Files.move(tmp, apply, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      out().println("Wrote " + Escapes.escape(apply.toString()));
    }
    return OK;
  }

  private static String rate(JsonNode v) {
    return v == null || !v.isNumber() ? "-" : String.format(Locale.ROOT, "%.2e", v.asDouble());
  }
}
