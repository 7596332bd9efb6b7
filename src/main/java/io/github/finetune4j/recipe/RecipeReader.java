package io.github.finetune4j.recipe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a recipe (YAML or JSON), applies {@code key=value} overrides, validates it (every problem
 * at once, each with its path), and converts it to an immutable {@link Recipe}. Loads no weights.
 */
public final class RecipeReader {

  private static final YAMLMapper YAML =
      YAMLMapper.builder(
              YAMLFactory.builder()
                  .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                  .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                  .build())
          .build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private RecipeReader() {}

  /**
   * Reads, overrides and validates a recipe file.
   *
   * @param file the recipe
   * @param overrides {@code key=value} strings
   * @return the recipe
   * @throws RecipeException listing every problem
   */
  public static Recipe read(Path file, List<String> overrides) throws RecipeException {
    return parse(readTree(file), file.toString(), overrides);
  }

  /**
   * Reads a recipe file into a tree, without validating it.
   *
   * @param file the file
   * @return the tree
   * @throws RecipeException when it is missing or not YAML/JSON
   */
  public static JsonNode readTree(Path file) throws RecipeException {
    if (!Files.isRegularFile(file)) {
      throw new RecipeException(List.of(file + ": recipe file not found"));
    }
    try {
      String text = Files.readString(file);
      JsonNode node =
          file.toString().endsWith(".json") ? JSON.readTree(text) : YAML.readTree(text);
      if (node == null || node.isMissingNode() || node.isNull()) {
        throw new RecipeException(List.of(file + ": the recipe is empty"));
      }
      if (!node.isObject()) {
        throw new RecipeException(List.of(file + ": a recipe must be a mapping of sections, got a " + node.getNodeType().toString().toLowerCase()));
      }
      return node;
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
      throw new RecipeException(
          List.of(file + ": not valid " + (file.toString().endsWith(".json") ? "JSON" : "YAML") + where + ": " + oneLine(e.getOriginalMessage())));
    } catch (IOException e) {
      throw new RecipeException(List.of(file + ": cannot read the recipe: " + e.getMessage()));
    }
  }

  /**
   * Applies overrides to a tree, validates it and converts it.
   *
   * @param tree the parsed recipe (copied, not modified)
   * @param origin name of the source, for messages
   * @param overrides {@code key=value} strings
   * @return the recipe
   * @throws RecipeException listing every problem
   */
  public static Recipe parse(JsonNode tree, String origin, List<String> overrides)
      throws RecipeException {
    ObjectNode root = tree.deepCopy();
    List<String> problems = new ArrayList<>();
    for (String o : overrides) {
      applyOverride(root, o, problems);
    }
    // Invalid values are reported and dropped, so the semantic checks still run on the rest and
    // every problem is reported at once.
    RecipeModel.validateAndPrune(root, Recipe.class, problems);
    Recipe recipe = (Recipe) RecipeModel.convert(root, Recipe.class);
    RecipeChecks.check(recipe, problems);
    if (!problems.isEmpty()) {
      throw new RecipeException(problems);
    }
    return recipe;
  }

  /**
   * Validates a recipe built in Java exactly as a recipe file is validated: the record is written
   * to a tree and parsed back, so types, required fields, allowed values and every semantic check
   * (group references, ranges, files that must exist) are the same.
   *
   * @param recipe the recipe, e.g. from {@link Recipe#builder()}
   * @return the validated recipe (equal to {@code recipe} when it was built with its defaults)
   * @throws RecipeException listing every problem, each "path: reason"
   */
  public static Recipe check(Recipe recipe) throws RecipeException {
    if (recipe == null) {
      throw new RecipeException(List.of("recipe: is null"));
    }
    return parse(RecipeModel.toTree(recipe), "recipe", List.of());
  }

  /**
   * Writes a recipe, with every default filled in, as YAML.
   *
   * @param recipe the recipe
   * @return YAML text
   */
  public static String toYaml(Recipe recipe) {
    try {
      return YAML.writeValueAsString(RecipeModel.toTree(recipe));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Writes a JSON tree as pretty JSON.
   *
   * @param node the tree
   * @return JSON text
   */
  public static String toJson(JsonNode node) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The parser's message on one line: SnakeYAML's messages add indented source excerpts with a
   * caret under the column; the location is already given, so only the unindented lines are kept.
   */
  static String oneLine(String message) {
    if (message == null) {
      return "";
    }
    return String.join(
        "; ",
        message.lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0))).toList());
  }

  static void applyOverride(ObjectNode root, String override, List<String> problems) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      problems.add("override '" + override + "': expected key=value, e.g. optimizer.lr=3e-4");
      return;
    }
    String key = override.substring(0, eq).trim();
    String raw = override.substring(eq + 1);
    JsonNode value;
    try {
      value = raw.isEmpty() ? JsonNodeFactory.instance.textNode("") : YAML.readTree(raw);
      if (value == null || value.isMissingNode()) {
        value = JsonNodeFactory.instance.nullNode();
      }
    } catch (JsonProcessingException e) {
      value = JsonNodeFactory.instance.textNode(raw);
    }
    String[] parts = key.split("\\.");
    JsonNode cur = root;
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      boolean last = i == parts.length - 1;
      if (cur instanceof ObjectNode obj) {
        if (last) {
          obj.set(part, value);
        } else {
          JsonNode next = obj.get(part);
          if (next == null || next.isNull()) {
            next = parts[i + 1].matches("\\d+") ? obj.putArray(part) : obj.putObject(part);
          }
          cur = next;
        }
      } else if (cur instanceof ArrayNode arr && part.matches("\\d+")) {
        int idx = Integer.parseInt(part);
        if (idx >= arr.size()) {
          problems.add("override '" + key + "': index " + idx + " is past the end of a list of " + arr.size());
          return;
        }
        if (last) {
          arr.set(idx, value);
        } else {
          cur = arr.get(idx);
        }
      } else {
        problems.add(
            "override '" + key + "': '" + String.join(".", java.util.Arrays.copyOf(parts, i)) + "' is not a mapping or list");
        return;
      }
    }
  }
}
