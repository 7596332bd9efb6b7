package io.github.finetune4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.pipeline.BadInputException;
import io.github.finetune4j.pipeline.FineTune;
import io.github.finetune4j.pipeline.LrFind;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeException;
import io.github.finetune4j.recipe.RecipeReader;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
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
  private static final SecureRandom RANDOM = new SecureRandom();

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
              List.of(
                  "--apply: "
                      + apply
                      + (Files.isDirectory(apply, LinkOption.NOFOLLOW_LINKS)
                          ? " is a folder"
                          : " exists")
                      + "; name a new file (it is never replaced)")));
    }
    if (apply != null
        && (apply.toAbsolutePath().getParent() == null
            || !Files.isDirectory(apply.toAbsolutePath().getParent()))) {
      return badInput(
          "cannot run lr-find on " + recipe,
          new BadInputException(List.of("--apply: the folder of " + apply + " does not exist")));
    }
    // the file --apply writes goes through a temporary file of a unique name next to it, made now
    // so that a folder that cannot be written in is refused before the sweep
    Path temp = null;
    if (apply != null) {
      try {
        temp = tempFileNextTo(apply);
      } catch (IOException e) {
        String reason =
            e instanceof AccessDeniedException
                ? "permission denied"
                : e instanceof FileSystemException f && f.getReason() != null
                    ? f.getReason()
                    : e.getMessage();
        return badInput(
            "cannot run lr-find on " + recipe,
            new BadInputException(
                List.of(
                    "--apply: cannot write in the folder of "
                        + apply
                        + " ("
                        + (reason == null ? e.getClass().getSimpleName() : reason)
                        + ")")));
      }
    }
    try {
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
        Files.writeString(temp, RecipeReader.toYaml(applied));
        try {
          Files.move(temp, apply); // no REPLACE_EXISTING: a file made meanwhile is kept
        } catch (FileAlreadyExistsException e) {
          // the report is written, so not "Nothing was written."
          err()
              .println(
                  "finetune: --apply: "
                      + Escapes.escape(apply.toString())
                      + " was made while lr-find ran and is never replaced; it was not written"
                      + " (the overrides above apply the suggestion).");
          return BAD_INPUT;
        }
        out().println("Wrote " + Escapes.escape(apply.toString()));
      }
      return OK;
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException e) {
          err().println("finetune: could not remove " + Escapes.escape(temp.toString()));
        }
      }
    }
  }

  /**
   * Creates an empty file of a new, unique name ({@code .NAME.<random>.tmp}) in the folder of
   * {@code target}, with the default permissions a new file gets (not the owner-only ones of {@link
   * Files#createTempFile}).
   */
  static Path tempFileNextTo(Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    for (int i = 0; ; i++) {
      Path p =
          dir.resolve(
              "."
                  + target.getFileName()
                  + "."
                  + Long.toUnsignedString(RANDOM.nextLong(), 36)
                  + ".tmp");
      try {
        return Files.createFile(p);
      } catch (FileAlreadyExistsException e) {
        if (i == 100) {
          throw e;
        }
      }
    }
  }

  private static String rate(JsonNode v) {
    return v == null || !v.isNumber() ? "-" : String.format(Locale.ROOT, "%.2e", v.asDouble());
  }
}
