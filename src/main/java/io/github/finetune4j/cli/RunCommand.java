package io.github.finetune4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.pipeline.BadInputException;
import io.github.finetune4j.pipeline.FineTune;
import io.github.finetune4j.pipeline.RunFailedException;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code finetune run}: train, evaluate and export by recipe, or resume an interrupted run. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    version = Main.VERSION,
    description = "Fine-tune by recipe: train, evaluate, export.")
final class RunCommand extends RecipeCommand {
  @Option(
      names = "--resume",
      description =
          "Continue the interrupted run in the recipe's output.dir from its newest valid"
              + " checkpoint (the recipe must be the one it started with; output.* and"
              + " monitor.* may change).")
  boolean resume;

  @Option(
      names = "--accept-changed-inputs",
      description =
          "With --resume: continue although a data or weight file changed since the interrupted"
              + " run began (recorded in the export's provenance.json).")
  boolean acceptChangedInputs;

  @Override
  public Integer call() throws Exception {
    Recipe r;
    try {
      r = readRecipe(recipe, overrides);
    } catch (RecipeException e) {
      return badRecipe(recipe, e);
    }
    try {
      if (acceptChangedInputs && !resume) {
        throw new BadInputException(
            List.of("--accept-changed-inputs goes with --resume: only a resumed run can change"));
      }
      ObjectNode summary = FineTune.run(r, recipe, out(), List.of(), resume, acceptChangedInputs);
      JsonNode es = summary.path("early_stopping");
      if (es.isObject()) {
        out()
            .printf(
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
      out()
          .printf(
              Locale.ROOT,
              "Done: %s, %.1f s wall; run directory %s%n",
              headline(summary),
              summary.get("wall_seconds").asDouble(),
              Escapes.escape(r.output().dir()));
      return OK;
    } catch (BadInputException e) {
      return badInput("cannot run " + recipe, e);
    } catch (RunFailedException e) {
      err().println("finetune: the run failed " + Escapes.escape(e.getMessage()) + ".");
      err().println(whereFailed(e.where()));
      return FAILED;
    }
  }

  /**
   * Where a failed run is and what it holds: {@code DIR.failed} with its summary, or without one
   * when it could not be written (a full disk), or {@code DIR.partial} when it could not be moved.
   */
  static String whereFailed(Path where) {
    boolean summary = Files.isRegularFile(where.resolve("summary.json"));
    return "The failed run ("
        + (summary
            ? "metrics, summary.json with \"status\": \"failed\", report"
            : "what it wrote; its summary.json could not be written")
        + ") is in "
        + Escapes.escape(where.toString())
        + (where.getFileName() != null && where.getFileName().toString().endsWith(".partial")
            ? " (it could not be moved to .failed)"
            : "")
        + "; no model was exported.";
  }

  /**
   * The task's headline test metric, as {@code summary.json}'s {@code headline} names it (e.g.
   * {@code test accuracy 0.9250}); a regression adds R², which says more than RMSE alone.
   */
  static String headline(JsonNode summary) {
    JsonNode h = summary.path("headline");
    JsonNode value = h.path("value");
    if (!value.isNumber()) {
      return "no test split";
    }
    String metric = h.path("metric").asText().replace('_', ' ');
    String line = String.format(Locale.ROOT, "test %s %.4f", metric, value.asDouble());
    if (h.path("base_value").isNumber()) {
      double base = h.path("base_value").asDouble();
      boolean better =
          h.path("higher_is_better").asBoolean(true)
              ? value.asDouble() > base
              : value.asDouble() < base;
      line +=
          String.format(
              Locale.ROOT,
              " (untouched model %.4f: %s)",
              base,
              value.asDouble() == base
                  ? "no change"
                  : better ? "tuning helped" : "tuning made it worse");
    }
    JsonNode r2 = summary.path("test_metrics").path("r2");
    return "regression".equals(summary.path("task").asText()) && r2.isNumber()
        ? line + String.format(Locale.ROOT, " (r2 %.4f)", r2.asDouble())
        : line;
  }
}
