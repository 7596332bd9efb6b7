package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.TestRecipes;
import io.github.finetune4j.pipeline.RunDirectory;
import io.github.finetune4j.recipe.RecipeException;
import io.github.finetune4j.recipe.RecipeReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Fuzzed recipes: every generated malformed or mutated recipe — a node of the wrong type, an
 * unknown key, a missing required section, a non-finite or out-of-range number, deep nesting, huge
 * strings, random bytes, a truncated file, YAML anchors/aliases/tags/duplicate keys, bad overrides
 * — is exit 2 with a message that names the recipe or a recipe path, no stack trace, within a
 * bounded time, and nothing written. Mutations start from every shipped recipe.
 *
 * <p>Jazzer fuzz targets. A test run replays the committed corpus ({@code
 * RecipeFuzzTestInputs/<method>/}: 500 generated cases — recipe, kind and seed, see {@link
 * FuzzInput} — and the shipped recipes as raw inputs); {@code JAZZER_FUZZ=1} fuzzes one target for
 * real (docs/runs.md).
 */
class RecipeFuzzTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final List<Path> RECIPES = shippedRecipes();

  /** Required sections (not output: the test's output.dir override would make it again). */
  private static final List<String> REQUIRED =
      List.of("model", "head", "data", "groups", "optimizer");

  private static final Pattern NAMES_A_PATH =
      Pattern.compile(
          "(?m)^  - (data|model|head|task|groups|stages|unfreeze|optimizer|schedule"
              + "|monitor|train|output|[\\w./-]+\\.(ya?ml|json))[\\w.\\[\\]/-]*: ");
  private static final Path TMP = tmpDir();

  private static List<Path> shippedRecipes() {
    try (Stream<Path> s = Files.walk(Path.of("recipes"))) {
      return s.filter(p -> p.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path tmpDir() {
    try {
      Path d = Files.createTempDirectory("finetune4j-fuzz");
      d.toFile().deleteOnExit();
      return d;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One fuzz case: the bytes of a recipe file, its extension, and overrides. */
  record Case(String what, byte[] bytes, String extension, List<String> overrides) {
    @Override
    public String toString() {
      return what;
    }
  }

  @FuzzTest
  void everyMalformedRecipeIsExitTwoWithAClearMessage(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    Path recipe = RECIPES.get(in.intIn(0, 255) % RECIPES.size());
    int kind = in.intIn(0, 11);
    expectRefusal(make(recipe, in.seed(), kind));
  }

  /**
   * Any bytes as a recipe: {@code validate} accepts them (exit 0) or refuses them as the other
   * target requires (exit 2, a message naming the recipe, no stack trace, within 10 s).
   */
  @FuzzTest
  void anyBytesAreAValidRecipeOrExitTwo(byte[] data) throws Exception {
    Path file = Files.write(Files.createTempFile(TMP, "raw-", ".yaml"), data);
    try {
      long start = System.nanoTime();
      CliResult r = CliResult.run("validate", file.toString());
      double seconds = (System.nanoTime() - start) / 1e9;
      String c =
          "raw bytes " + java.util.HexFormat.of().formatHex(data, 0, Math.min(200, data.length));
      if (r.code() != 0) {
        checkRefusal(c, r, file);
      }
      assertTrue(seconds < 10, () -> c + " took " + seconds + " s");
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** Overrides the reader target may add (the first byte picks one; index 0 adds none). */
  private static final List<String> OVERRIDES =
      List.of(
          "",
          "optimizer.lr=0.01",
          "optimizer.lr=abc",
          "optimizer.lr=.nan",
          "optimizer.lr=1e400",
          "data.batch_size=0",
          "data.batch_size=2.5",
          "zz.unknown=1",
          "groups[99].lr=1",
          "groups[0]={}",
          "=5",
          "optimizer.lr",
          "stages=[{",
          "stages=[{epochs: 1, train: [all]}]",
          "model={type: nope}",
          "head.classes=[]",
          "train.seed=x",
          "monitor.every=-1",
          "data=null",
          "a.b.c.d.e.f=[[[[1]]]]");

  /**
   * The recipe reader itself ({@code RecipeReader.read}, what every command starts with), fast
   * enough for coverage-guided fuzzing: the first byte picks an override, the rest is the file. It
   * gives a recipe or a {@link RecipeException} with a message; any other exception fails.
   */
  @FuzzTest
  void theRecipeReaderGivesARecipeOrARecipeException(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    String override = OVERRIDES.get(in.intIn(0, 255) % OVERRIDES.size());
    Path file = Files.write(Files.createTempFile(TMP, "read-", ".yaml"), in.rest());
    try {
      RecipeReader.read(file, override.isEmpty() ? List.of() : List.of(override));
    } catch (RecipeException e) {
      assertTrue(
          e.getMessage() != null && !e.getMessage().isBlank(), "a RecipeException without a text");
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static void checkRefusal(String c, CliResult result, Path file) {
    assertEquals(2, result.code(), () -> c + "\n" + result);
    assertTrue(result.err().startsWith("finetune: "), () -> c + "\n" + result);
    assertFalse(result.err().contains("\tat "), () -> "a stack trace: " + c + "\n" + result);
    assertFalse(
        Pattern.compile("\\b(java|javax|com\\.fasterxml|org\\.yaml)\\.[a-z]")
            .matcher(result.err())
            .find(),
        () -> "a class name: " + c + "\n" + result);
    assertTrue(
        result.err().contains(file.toString()) || NAMES_A_PATH.matcher(result.err()).find(),
        () -> "names neither the file nor a recipe path: " + c + "\n" + result);
    assertTrue(
        result.err().length() < 20_000, () -> "a message of " + result.err().length() + " chars");
  }

  private static void expectRefusal(Case c) throws Exception {
    Path file = Files.write(Files.createTempFile(TMP, "recipe-", c.extension()), c.bytes());
    Path out = TMP.resolve("out-" + file.getFileName());
    // validate every case; run (which must also stop before anything is written) every fourth
    String command = Math.floorMod(c.bytes().length, 4) == 0 ? "run" : "validate";
    List<String> args = new ArrayList<>(List.of("validate", file.toString()));
    args.addAll(c.overrides());
    args.add("output.dir=" + out);
    long start = System.nanoTime();
    CliResult r = CliResult.run(args.toArray(String[]::new));
    if (r.code() == 2 && command.equals("run")) {
      args.set(0, "run");
      r = CliResult.run(args.toArray(String[]::new));
    }
    CliResult result = r;
    double seconds = (System.nanoTime() - start) / 1e9;
    try {
      checkRefusal(c.toString(), result, file);
      assertTrue(seconds < 10, () -> c + " took " + seconds + " s");
      assertFalse(Files.exists(out), () -> "wrote " + out + ": " + c);
      assertFalse(Files.exists(RunDirectory.partialOf(out)), () -> "wrote a partial: " + c);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static Case make(Path recipe, long seed, int kind) {
    Random r = new Random(seed);
    ObjectNode tree = (ObjectNode) TestRecipes.readTree(recipe).deepCopy();
    String from = recipe + " (seed " + seed + ")";
    return switch (kind) {
      case 0 -> {
        String at = wrongType(tree, r);
        yield json("wrong type at " + at + " of " + from, tree);
      }
      case 1 -> {
        String at = unknownKey(tree, r);
        yield json("unknown key at " + at + " of " + from, tree);
      }
      case 2 -> {
        String section = REQUIRED.get(r.nextInt(REQUIRED.size()));
        tree.remove(section);
        yield json("no " + section + " in " + from, tree);
      }
      case 3 -> {
        String at = nonFinite(tree, r);
        yield json("non-finite or out-of-range number at " + at + " of " + from, tree);
      }
      case 4 -> {
        int depth = 200 + r.nextInt(5000);
        StringBuilder open = new StringBuilder();
        StringBuilder close = new StringBuilder();
        for (int i = 0; i < depth; i++) {
          boolean array = r.nextBoolean();
          open.append(array ? "[" : "{\"k\": ");
          close.insert(0, array ? "]" : "}");
        }
        tree.put("description", "__DEEP__");
        String text =
            new String(json("", tree).bytes(), StandardCharsets.UTF_8)
                .replace("\"__DEEP__\"", open + "1" + close);
        yield new Case(
            "nesting " + depth + " deep in " + from,
            text.getBytes(StandardCharsets.UTF_8),
            r.nextBoolean() ? ".json" : ".yaml",
            List.of());
      }
      case 5 -> {
        String huge = "x".repeat(r.nextBoolean() ? 1_100_000 : 200_000);
        String at = replaceNumber(tree, r, NODES.textNode(huge));
        yield json("a huge string at " + at + " of " + from, tree);
      }
      case 6 -> {
        byte[] bytes = new byte[1 + r.nextInt(4096)];
        r.nextBytes(bytes);
        yield new Case(
            "random bytes (" + bytes.length + ") for " + from, bytes, ".yaml", List.of());
      }
      case 7 -> {
        String text = read(recipe);
        int cut = r.nextInt((int) (text.length() * 0.8));
        yield yaml("truncated at " + cut + " of " + from, text.substring(0, cut));
      }
      case 8 -> {
        String text = read(recipe);
        String[] tricks = {
          "anchor: &a {k: 1}\nalias: *a\n",
          "description: &d text\n",
          "tagged: !!python/object:os.system echo\n",
          "model: !<tag:yaml.org,2002:str> x\n",
          "<<: {k: 1}\n",
          text.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).findFirst().orElse("a: 1")
              + "\n",
        };
        String trick = tricks[r.nextInt(tricks.length)];
        yield yaml("YAML trick " + trick.strip() + " in " + from, trick + text);
      }
      case 9 -> {
        String[] bad = {
          "optimizer.lr=abc",
          "optimizer.lr=.nan",
          "optimizer.lr=-1",
          "optimizer.lr=1e400",
          "data.batch_size=0",
          "data.batch_size=2.5",
          "zz.unknown=1",
          "optimizer.zz=1",
          "groups[99].lr=1",
          "=5",
          "optimizer.lr",
          "stages=[{",
          "train.seed=x",
          "model={type: nope}",
          "head.classes=[]",
          "monitor.every=-1",
        };
        String o = bad[r.nextInt(bad.length)];
        yield new Case("override " + o + " of " + from, bytes(recipe), ext(recipe), List.of(o));
      }
      case 10 -> {
        byte[] b = bytes(recipe);
        int at = r.nextInt(b.length);
        while (b[at] < 0) { // an ASCII byte: a continuation byte in a multi-byte character
          at = (at + 1) % b.length; // would leave valid UTF-8 (another character)
        }
        b[at] = (byte) (0x80 | r.nextInt(0x40)); // a UTF-8 continuation byte alone
        yield new Case("invalid UTF-8 at byte " + at + " of " + from, b, ext(recipe), List.of());
      }
      default -> {
        String at = replaceAnything(tree, r);
        yield json("an array for the object at " + at + " of " + from, tree);
      }
    };
  }

  // ---- mutations of the tree; each returns the JSON pointer it changed ----

  /** Every (parent, key or index) of the tree but {@code /output}, depth first. */
  private record Slot(JsonNode parent, String key, int index, String pointer) {
    JsonNode get() {
      return key != null ? parent.get(key) : parent.get(index);
    }

    void set(JsonNode v) {
      if (key != null) {
        ((ObjectNode) parent).set(key, v);
      } else {
        ((ArrayNode) parent).set(index, v);
      }
    }
  }

  private static List<Slot> slots(JsonNode node, String pointer) {
    List<Slot> out = new ArrayList<>();
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (pointer.isEmpty() && e.getKey().equals("output")) {
          continue; // the test's own output.dir override would undo a mutation there
        }
        String p = pointer + "/" + e.getKey();
        out.add(new Slot(node, e.getKey(), -1, p));
        out.addAll(slots(e.getValue(), p));
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        String p = pointer + "/" + i;
        out.add(new Slot(node, null, i, p));
        out.addAll(slots(node.get(i), p));
      }
    }
    return out;
  }

  /** A value no field of the slot's kind accepts. */
  private static String wrongType(ObjectNode tree, Random r) {
    List<Slot> all = slots(tree, "").stream().filter(s -> !s.get().isNull()).toList();
    Slot s = all.get(r.nextInt(all.size()));
    JsonNode v = s.get();
    JsonNode wrong;
    if (v.isTextual() || v.isArray()) {
      wrong = NODES.objectNode().put("not", "this");
    } else if (v.isNumber() || v.isBoolean()) {
      wrong = NODES.textNode("not-a-" + (v.isNumber() ? "number" : "boolean") + "!");
    } else {
      wrong = NODES.arrayNode().add(1).add(2);
    }
    s.set(wrong);
    return s.pointer() + " = " + wrong;
  }

  private static String unknownKey(ObjectNode tree, Random r) {
    List<JsonNode> objects = new ArrayList<>(List.of(tree));
    slots(tree, "").stream().map(Slot::get).filter(JsonNode::isObject).forEach(objects::add);
    ObjectNode o = (ObjectNode) objects.get(r.nextInt(objects.size()));
    String key = "zz_" + Long.toHexString(r.nextLong());
    o.put(key, 1);
    return key;
  }

  private static String nonFinite(ObjectNode tree, Random r) {
    JsonNode[] bad = {
      NODES.numberNode(new BigDecimal("1e400")),
      NODES.numberNode(new BigDecimal("-1e400")),
      NODES.numberNode(-1e300),
    };
    return replaceNumber(tree, r, bad[r.nextInt(bad.length)]);
  }

  /** Replaces a number of the tree (seeds and limits included). */
  private static String replaceNumber(ObjectNode tree, Random r, JsonNode with) {
    List<Slot> numbers = slots(tree, "").stream().filter(s -> s.get().isNumber()).toList();
    if (numbers.isEmpty()) {
      tree.set("optimizer", with);
      return "/optimizer";
    }
    Slot s = numbers.get(r.nextInt(numbers.size()));
    s.set(with);
    return s.pointer();
  }

  private static String replaceAnything(ObjectNode tree, Random r) {
    List<Slot> objects = slots(tree, "").stream().filter(s -> s.get().isObject()).toList();
    Slot s = objects.get(r.nextInt(objects.size()));
    s.set(NODES.arrayNode().add("x"));
    return s.pointer();
  }

  // ---- files ----

  private static Case json(String what, JsonNode tree) {
    try {
      return new Case(what, JSON.writeValueAsBytes(tree), ".json", List.of());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Case yaml(String what, String text) {
    return new Case(what, text.getBytes(StandardCharsets.UTF_8), ".yaml", List.of());
  }

  private static String read(Path p) {
    return new String(bytes(p), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String ext(Path p) {
    return p.toString().endsWith(".json") ? ".json" : ".yaml";
  }
}
