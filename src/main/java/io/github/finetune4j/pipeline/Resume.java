package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.github.finetune4j.monitor.CsvSink;
import io.github.finetune4j.monitor.JsonlSink;
import io.github.finetune4j.train.Checkpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Continues an interrupted run ({@code finetune run R --resume}): the newest valid checkpoint in
 * its {@code DIR.partial}, the recipe checked against the one the run recorded (only {@code
 * output.*} and {@code monitor.*} may change), and the metrics files cut back to the checkpoint's
 * step so that the continued run appends exactly the steps after it.
 */
final class Resume {

  private static final YAMLMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Sections a resumed run may change. */
  private static final Set<String> MAY_CHANGE = Set.of("output", "monitor");

  private Resume() {}

  /**
   * The newest valid checkpoint of the interrupted run in {@code outputDir}, read before its
   * directory is locked (a model that must be loaded from it is loaded before the run starts);
   * {@link #prepare} then finds it again under the lock.
   *
   * @param outputDir the recipe's {@code output.dir}
   * @return the checkpoint, or null when there is none
   */
  static Checkpoint peek(Path outputDir) {
    return Checkpoint.newest(
        RunDirectory.partialOf(outputDir).resolve(Checkpoint.FOLDER),
        new PrintStream(OutputStream.nullOutputStream()));
  }

  /**
   * Finds the checkpoint to continue from and prepares the run directory.
   *
   * @param partial the locked {@code DIR.partial}
   * @param recipeText the resolved recipe of this invocation
   * @param out progress output
   * @return the checkpoint
   * @throws BadInputException when there is nothing to resume or the recipe changed
   */
  static Checkpoint prepare(Path partial, String recipeText, PrintStream out)
      throws BadInputException {
    Path recorded = partial.resolve("recipe.resolved.yaml");
    List<String> changed;
    try {
      changed =
          differences(
              YAML.readTree(Files.readString(recorded, StandardCharsets.UTF_8)),
              YAML.readTree(recipeText),
              "");
    } catch (IOException e) {
      throw new BadInputException(
          List.of(
              "--resume: cannot read " + recorded + " of the interrupted run: " + e.getMessage()));
    }
    changed.removeIf(k -> MAY_CHANGE.contains(k.split("[.\\[]")[0]));
    if (!changed.isEmpty()) {
      throw new BadInputException(
          List.of(
              "--resume: the recipe differs from the interrupted run's in "
                  + changed
                  + "; a run continues only with the recipe it started with (output.* and"
                  + " monitor.* may change)"));
    }
    Checkpoint c = Checkpoint.newest(partial.resolve(Checkpoint.FOLDER), out);
    if (c == null) {
      throw new BadInputException(
          List.of(
              "--resume: "
                  + partial
                  + " holds no valid checkpoint (train.checkpoint_every writes them); there is"
                  + " nothing to continue from"));
    }
    return c;
  }

  /**
   * Cuts the metrics files back to the checkpoint's step, once every check of the resume passed (a
   * refused resume leaves the interrupted run byte for byte as it was); each file is replaced
   * whole, so a full disk leaves it as it was.
   *
   * @param partial the locked {@code DIR.partial}
   * @param c the checkpoint the run continues from ({@link #prepare})
   * @param out progress output
   * @throws BadInputException when a metrics file cannot be rewritten
   */
  static void continueFrom(Path partial, Checkpoint c, PrintStream out) throws BadInputException {
    try {
      keepUpTo(partial.resolve(JsonlSink.FILE_NAME), c.step(), false);
      keepUpTo(partial.resolve(CsvSink.FILE_NAME), c.step(), true);
    } catch (IOException e) {
      throw new BadInputException(
          List.of(
              "--resume: cannot rewrite the metrics of "
                  + partial
                  + ": "
                  + RunFiles.describe(e, partial, partial)));
    }
    out.printf(Locale.ROOT, "Resuming from %s (after step %d)%n", c.dir(), c.step());
  }

  /** Keeps the lines of a metrics file up to {@code step} (the CSV's header too). */
  private static void keepUpTo(Path file, long step, boolean csv) throws IOException {
    if (!Files.isRegularFile(file)) {
      return;
    }
    List<String> kept = new ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.isBlank()) {
        continue;
      }
      long at;
      if (csv) {
        if (i == 0) {
          kept.add(l);
          continue;
        }
        try {
          at = Long.parseLong(l.substring(0, l.indexOf(',')));
        } catch (RuntimeException e) {
          continue; // a torn last line
        }
      } else {
        try {
          at = JSON.readTree(l).path("step").asLong(Long.MAX_VALUE);
        } catch (IOException e) {
          continue; // a torn last line
        }
      }
      if (at <= step) {
        kept.add(l);
      }
    }
    RunFiles.write(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
  }

  /** The paths of the leaves that differ between two trees. */
  static List<String> differences(JsonNode a, JsonNode b, String path) {
    List<String> out = new ArrayList<>();
    if (a.isObject() && b.isObject()) {
      Set<String> keys = new TreeSet<>();
      a.fieldNames().forEachRemaining(keys::add);
      b.fieldNames().forEachRemaining(keys::add);
      for (String k : keys) {
        String p = path.isEmpty() ? k : path + "." + k;
        JsonNode x = a.get(k);
        JsonNode y = b.get(k);
        if (x == null || y == null) {
          out.add(p);
        } else {
          out.addAll(differences(x, y, p));
        }
      }
    } else if (a.isArray() && b.isArray() && a.size() == b.size()) {
      Iterator<JsonNode> x = a.elements();
      Iterator<JsonNode> y = b.elements();
      for (int i = 0; x.hasNext(); i++) {
        out.addAll(differences(x.next(), y.next(), path + "[" + i + "]"));
      }
    } else if (!a.equals(b)) {
      out.add(path);
    }
    return out;
  }
}
