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
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
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
   * Reads a <em>policy</em> recipe: only the sections that say how a model is fine-tuned ({@code
   * groups}, {@code stages} or {@code unfreeze}, {@code optimizer}, {@code schedule}, {@code
   * monitor}, {@code train}, {@code output}, and of {@code data} only {@code batch_size} and {@code
   * shuffle}), for a Java user who brings the block, the data and the task ({@code
   * pipeline.FineTuning}). A {@code model}, {@code head}, {@code task} section or a data split is
   * refused, since it would be silently ignored. Every other check is a full recipe's.
   *
   * @param file the policy file
   * @param overrides {@code key=value} strings
   * @return a recipe whose model, head, task and data splits are placeholders, never read (those of
   *     {@link Recipe#policyBuilder()}: the recipe equals the same policy built in Java)
   * @throws RecipeException listing every problem
   */
  public static Recipe readPolicy(Path file, List<String> overrides) throws RecipeException {
    JsonNode tree = readTree(file);
    ObjectNode root = tree.deepCopy();
    List<String> problems = new ArrayList<>();
    for (String section : List.of("model", "head", "task")) {
      if (root.has(section)) {
        problems.add(
            file
                + ": "
                + section
                + ": a policy recipe has no "
                + section
                + " section (the "
                + (section.equals("model") ? "block" : section)
                + " is given in Java); remove it");
      }
    }
    JsonNode data = root.get("data");
    if (data != null && data.isObject()) {
      for (String split : List.of("train", "valid", "test")) {
        if (data.has(split)) {
          problems.add(
              file
                  + ": data."
                  + split
                  + ": a policy recipe has no data splits (the"
                  + " datasets are given in Java); keep only data.batch_size and data.shuffle");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new RecipeException(problems);
    }
    return policy(root, file.toString(), overrides);
  }

  /**
   * Validates a policy built in Java ({@link Recipe#policyBuilder()}) exactly as {@link
   * #readPolicy} validates a policy file: every check of a recipe on the policy sections, none on
   * the placeholder model, head and data splits. A recipe with a model, head, task or data split of
   * its own is refused, since they would be silently ignored.
   *
   * @param recipe the policy
   * @return the validated policy (equal to the same policy read from a file)
   * @throws RecipeException listing every problem, each "path: reason"
   */
  public static Recipe checkPolicy(Recipe recipe) throws RecipeException {
    if (recipe == null) {
      throw new RecipeException(List.of("recipe: is null"));
    }
    List<String> problems = new ArrayList<>();
    String why = " (build it with Recipe.policyBuilder(), which has none)";
    if (!Recipe.POLICY_MODEL.equals(recipe.model())) {
      problems.add("model: a policy has no model section (the block is given in Java)" + why);
    }
    if (!Recipe.POLICY_HEAD.equals(recipe.head())) {
      problems.add("head: a policy has no head section (the block is given in Java)" + why);
    }
    if (!new ClassificationTaskSpec().equals(recipe.task())) {
      problems.add("task: a policy has no task section (the task is given in Java)" + why);
    }
    DataSpec d = recipe.data();
    if (d != null
        && (!Recipe.POLICY_TRAIN.equals(d.train()) || d.valid() != null || d.test() != null)) {
      problems.add(
          "data.train: a policy has no data splits (the datasets are given in Java)" + why);
    }
    if (!problems.isEmpty()) {
      throw new RecipeException(problems);
    }
    ObjectNode root = (ObjectNode) RecipeModel.toTree(recipe);
    root.remove(List.of("model", "head", "task"));
    if (root.get("data") instanceof ObjectNode data) {
      data.remove(List.of("train", "valid", "test"));
    }
    return policy(root, "policy", List.of());
  }

  /**
   * A policy tree (no model, head, task or data splits) with the placeholders filled in, overridden
   * and validated; the placeholders are not checked (their data file does not exist).
   */
  private static Recipe policy(ObjectNode root, String origin, List<String> overrides)
      throws RecipeException {
    root.set("model", RecipeModel.toTree(Recipe.POLICY_MODEL));
    root.set("head", RecipeModel.toTree(Recipe.POLICY_HEAD));
    JsonNode data = root.get("data");
    ObjectNode d = data != null && data.isObject() ? (ObjectNode) data : root.putObject("data");
    d.set("train", RecipeModel.toTree(Recipe.POLICY_TRAIN));
    return parse(root, origin, overrides, true);
  }

  /** The largest recipe file read, in bytes. */
  static final int MAX_BYTES = 1 << 20;

  /**
   * Reads a recipe file into a tree, without validating it. The file must be a regular file of at
   * most {@link #MAX_BYTES} bytes of UTF-8 holding one YAML document or JSON value ({@code .json}
   * files are JSON) without duplicate keys, anchors, aliases or explicit tags.
   *
   * @param file the file
   * @return the tree
   * @throws RecipeException when it is missing, too large, not UTF-8, not YAML/JSON, or uses what a
   *     recipe must not
   */
  public static JsonNode readTree(Path file) throws RecipeException {
    boolean json = file.toString().endsWith(".json");
    String text = readText(file);
    JsonNode node;
    try {
      node =
          json
              ? RecipeSyntax.json(text, file.toString())
              : RecipeSyntax.yaml(text, file.toString(), true);
    } catch (RecipeSyntax.SyntaxError e) {
      throw new RecipeException(
          List.of(file + ": not valid " + (json ? "JSON" : "YAML") + e.where() + ": " + e.reason));
    }
    if (node == null || node.isNull()) {
      throw new RecipeException(List.of(file + ": the recipe is empty"));
    }
    if (!node.isObject()) {
      throw new RecipeException(
          List.of(
              file
                  + ": a recipe must be a mapping of sections, got a "
                  + node.getNodeType().toString().toLowerCase()));
    }
    return node;
  }

  /** The file's text: checks what the file is and its size before reading it, then its encoding. */
  private static String readText(Path file) throws RecipeException {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new RecipeException(List.of(file + ": recipe file not found"));
    } catch (IOException e) {
      throw new RecipeException(List.of(file + ": cannot read the recipe" + reason(e)));
    }
    if (attrs.isDirectory()) {
      throw new RecipeException(List.of(file + ": is a directory, not a recipe file"));
    }
    if (!attrs.isRegularFile()) {
      throw new RecipeException(List.of(file + ": is not a regular file; give a recipe file"));
    }
    if (attrs.size() > MAX_BYTES) {
      throw new RecipeException(List.of(tooLarge(file, Long.toString(attrs.size()))));
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (IOException e) {
      throw new RecipeException(List.of(file + ": cannot read the recipe" + reason(e)));
    }
    if (bytes.length > MAX_BYTES) {
      throw new RecipeException(List.of(tooLarge(file, "more than " + MAX_BYTES)));
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult r =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(in, out, true);
    if (r.isError()) {
      int at = in.position();
      int line = 1;
      for (int i = 0; i < at; i++) {
        line += bytes[i] == '\n' ? 1 : 0;
      }
      throw new RecipeException(
          List.of(
              String.format(
                  "%s: is not UTF-8 text: the first bad byte, 0x%02X, is at byte offset %d (line"
                      + " %d); save the recipe as UTF-8",
                  file, bytes[at] & 0xff, at, line)));
    }
    String text = out.flip().toString();
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }

  private static String tooLarge(Path file, String size) {
    return file
        + ": is "
        + size
        + " bytes, larger than a recipe may be ("
        + MAX_BYTES
        + " bytes, 1 MiB)";
  }

  /** Why reading failed, for a message: the reason without the exception's name. */
  private static String reason(IOException e) {
    if (e instanceof AccessDeniedException) {
      return ": permission denied";
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? "" : ": " + RecipeSyntax.clean(m);
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
    return parse(tree, origin, overrides, false);
  }

  /** {@link #parse}; a policy's placeholder data split is not checked. */
  private static Recipe parse(JsonNode tree, String origin, List<String> overrides, boolean policy)
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
    RecipeChecks.check(recipe, problems, policy);
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
   * Writes the policy sections of a recipe read by {@link #readPolicy} as YAML, with every default
   * filled in: its placeholder model, head, task and data splits are left out.
   *
   * @param recipe a policy recipe
   * @return YAML text
   */
  public static String toPolicyYaml(Recipe recipe) {
    ObjectNode tree = (ObjectNode) RecipeModel.toTree(recipe);
    tree.remove(List.of("model", "head", "task"));
    if (tree.get("data") instanceof ObjectNode data) {
      data.remove(List.of("train", "valid", "test", "max_length"));
    }
    try {
      return YAML.writeValueAsString(tree);
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
   * Applies one {@code key=value} override: the value is YAML ({@code [a, b]}, {@code 3e-4},
   * {@code ~}); a value that is not YAML is taken as text ({@code runs/x: y}), except one starting
   * with {@code [} or {@code {}, which is meant as a list or mapping and is reported. List entries
   * are addressed by index ({@code groups.0.lr}).
   */
  static void applyOverride(ObjectNode root, String override, List<String> problems) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      problems.add("override '" + override + "': expected key=value, e.g. optimizer.lr=3e-4");
      return;
    }
    String key = override.substring(0, eq).trim();
    String raw = override.substring(eq + 1);
    String[] parts = key.split("\\.", -1);
    if (Arrays.asList(parts).contains("")) {
      problems.add(
          "override '"
              + key
              + "': the key has an empty part; separate names by single dots, e.g."
              + " optimizer.lr=3e-4");
      return;
    }
    JsonNode value = overrideValue(key, raw, problems);
    if (value == null) {
      return;
    }
    JsonNode cur = root;
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      boolean last = i == parts.length - 1;
      String here = String.join(".", Arrays.copyOf(parts, i));
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
      } else if (cur instanceof ArrayNode arr) {
        int idx = part.matches("\\d{1,9}") ? Integer.parseInt(part) : -1;
        if (idx < 0 || idx >= arr.size()) {
          problems.add(
              "override '"
                  + key
                  + "': '"
                  + here
                  + (arr.isEmpty()
                      ? "' is an empty list, so it has no entry '" + part + "'"
                      : "' is a list of "
                          + arr.size()
                          + ": use an index from 0 to "
                          + (arr.size() - 1)
                          + ", not '"
                          + part
                          + "'"));
          return;
        }
        if (last) {
          arr.set(idx, value);
        } else {
          cur = arr.get(idx);
        }
      } else {
        problems.add("override '" + key + "': '" + here + "' is not a mapping or list");
        return;
      }
    }
  }

  /** The value of an override, or null when it has a problem (added to {@code problems}). */
  private static JsonNode overrideValue(String key, String raw, List<String> problems) {
    if (raw.isEmpty()) {
      return JsonNodeFactory.instance.textNode("");
    }
    String origin = "override '" + key + "'";
    try {
      JsonNode value = RecipeSyntax.yaml(raw, origin, false);
      return value == null ? JsonNodeFactory.instance.nullNode() : value;
    } catch (RecipeSyntax.SyntaxError e) {
      String t = raw.strip();
      if (t.startsWith("[") || t.startsWith("{")) {
        problems.add(
            origin
                + ": the value is not valid YAML"
                + (e.column > 0 ? " (column " + e.column + ")" : "")
                + ": "
                + e.reason
                + "; quote it to give text");
        return null;
      }
      return JsonNodeFactory.instance.textNode(raw);
    } catch (RecipeException e) {
      problems.addAll(e.problems());
      return null;
    }
  }
}
