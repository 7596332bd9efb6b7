package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.recipe.BertOnnxModel;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeReader;
import io.github.finetune4j.recipe.SafetensorsModel;
import io.github.finetune4j.recipe.TorchScriptModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The content hashes of what an interrupted run was trained on — its data files and image folders,
 * and the weight files it started from — kept as {@value #FILE} in {@code DIR.partial} from its
 * start, so that {@code --resume} continues only on the same inputs: a changed one is exit 2,
 * naming it, unless the user accepts it ({@code --accept-changed-inputs}), which is then recorded
 * in {@code provenance.json} as {@code resumed_with_changed_inputs}.
 */
final class InputHashes {

  /** The file in a run's {@code DIR.partial}. */
  static final String FILE = "inputs.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private InputHashes() {}

  /**
   * The weight files a recipe's model starts from (none for the bundled model or random weights).
   *
   * @param recipe the recipe
   * @return the files and folders
   */
  static List<Path> weightFiles(Recipe recipe) {
    List<Path> out = new ArrayList<>();
    if (recipe.model() instanceof BertOnnxModel m && m.path() != null) {
      out.add(Path.of(m.path()));
    } else if (recipe.model() instanceof SafetensorsModel m && m.dir() != null) {
      out.add(Path.of(m.dir()));
    } else if (recipe.model() instanceof TorchScriptModel m && m.path() != null) {
      out.add(Path.of(m.path()));
    }
    return out;
  }

  /**
   * Records the inputs' hashes at the start of a run.
   *
   * @param partial the run's {@code DIR.partial}
   * @param data the data files and folders
   * @param weights the weight files and folders
   * @throws IOException when one cannot be read or the file cannot be written
   */
  static void record(Path partial, List<Path> data, List<Path> weights) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.set("data", Provenance.hashes(data));
    o.set("weights", Provenance.hashes(weights));
    RunFiles.write(partial.resolve(FILE), RecipeReader.toJson(o) + "\n");
  }

  /**
   * Checks, on {@code --resume}, that the inputs are those the interrupted run recorded.
   *
   * @param partial the run's {@code DIR.partial}
   * @param data the data files and folders now
   * @param weights the weight files and folders now
   * @param accept whether the user accepts changed inputs
   * @param out progress output (a note when a change is accepted, or nothing was recorded)
   * @throws BadInputException naming every changed input, when not accepted
   * @throws IOException when an input cannot be read
   */
  static void check(
      Path partial, List<Path> data, List<Path> weights, boolean accept, PrintStream out)
      throws BadInputException, IOException {
    Path file = partial.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      out.println(
          "Note: the interrupted run recorded no hashes of its data and weights (an earlier"
              + " version wrote it); they cannot be checked");
      return;
    }
    JsonNode recorded = Problems.readJson(file);
    if (recorded == null || !recorded.isObject()) {
      throw new BadInputException(
          List.of(file + ": damaged (expected the JSON object written when the run began)"));
    }
    ArrayNode nowData = Provenance.hashes(data);
    ArrayNode nowWeights = Provenance.hashes(weights);
    List<String> changes = new ArrayList<>();
    ArrayNode changed = JSON.createArrayNode();
    compare("data", recorded.path("data"), nowData, changes, changed);
    compare("weights", recorded.path("weights"), nowWeights, changes, changed);
    if (changes.isEmpty()) {
      return;
    }
    if (!accept) {
      List<String> problems = new ArrayList<>();
      for (String c : changes) {
        problems.add("--resume: " + c);
      }
      problems.add(
          "the checkpoint was trained on the inputs as they were; continuing on others would mix"
              + " them in one model. Restore them, or add --accept-changed-inputs to continue"
              + " anyway (recorded in the export's provenance.json)");
      throw new BadInputException(problems);
    }
    changes.forEach(c -> out.println("Note: --accept-changed-inputs: " + c));
    ObjectNode o = (ObjectNode) recorded;
    ArrayNode accepted =
        o.has("accepted_changes")
            ? (ArrayNode) o.get("accepted_changes")
            : o.putArray("accepted_changes");
    accepted.addAll(changed);
    o.set("data", nowData);
    o.set("weights", nowWeights);
    Files.writeString(file, RecipeReader.toJson(o) + "\n");
  }

  /**
   * The changes a resumed run accepted, for the provenance.
   *
   * @param partial the run's directory (the model directory's parent), or null
   * @return the accepted changes, or null when none were accepted
   */
  static JsonNode accepted(Path partial) {
    if (partial == null) {
      return null;
    }
    Path file = partial.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      JsonNode root = JSON.readTree(file.toFile());
      JsonNode a = root == null ? null : root.get("accepted_changes");
      return a == null || a.isEmpty() ? null : a;
    } catch (IOException e) {
      return null;
    }
  }

  private static void compare(
      String kind, JsonNode was, ArrayNode now, List<String> changes, ArrayNode changed) {
    List<String> wasPaths = new ArrayList<>();
    was.forEach(e -> wasPaths.add(e.path("path").asText()));
    for (JsonNode n : now) {
      String path = n.path("path").asText();
      JsonNode before = null;
      for (JsonNode w : was) {
        if (path.equals(w.path("path").asText())) {
          before = w;
        }
      }
      String then = before == null ? null : before.path("sha256").asText(null);
      String current = n.path("sha256").asText();
      if (!Objects.equals(then, current)) {
        changes.add(
            path
                + " ("
                + kind
                + ") "
                + (then == null
                    ? "was not an input of the interrupted run"
                    : "changed since the interrupted run began (sha256 "
                        + then.substring(0, 12)
                        + "… then, "
                        + current.substring(0, 12)
                        + "… now)"));
        changed
            .addObject()
            .put("path", path)
            .put("kind", kind)
            .put("was", then)
            .put("now", current);
      }
      wasPaths.remove(path);
    }
    for (String gone : wasPaths) {
      changes.add(gone + " (" + kind + ") was an input of the interrupted run and is not one now");
      changed.addObject().put("path", gone).put("kind", kind).putNull("now");
    }
  }
}
