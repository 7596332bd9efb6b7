package io.github.finetune4j.recipe;

import static io.github.finetune4j.TestRecipes.YAML;
import static io.github.finetune4j.TestRecipes.quickstart;
import static io.github.finetune4j.TestRecipes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.github.finetune4j.cli.Main;
import io.github.finetune4j.examples.QuickstartInJava;
import io.github.finetune4j.pipeline.BadInputException;
import io.github.finetune4j.pipeline.FineTune;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tagged variants ({@link Variants}): the kinds of {@code model} and of the data splits parse,
 * write back with {@code type} first and parse again; a missing, unknown or misplaced key is
 * reported with what to write; each kind's own rules and files are checked; the schema's {@code
 * oneOf} agrees; every kind has a builder.
 */
class RecipeVariantsTest {

  private static final String KINDS = "one of [bert-onnx, safetensors, torchscript, djl, builtin]";

  @TempDir Path tmp;
  private Path onnx;
  private Path config;
  private Path tokenizer;
  private Path checkpoint;
  private Path pt;
  private Path csv;

  @BeforeEach
  void files() throws IOException {
    onnx = Files.writeString(tmp.resolve("model.onnx"), "x");
    config = Files.writeString(tmp.resolve("config.json"), "{}");
    tokenizer = Files.writeString(tmp.resolve("tokenizer.json"), "{}");
    checkpoint = Files.createDirectories(tmp.resolve("ckpt"));
    for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
      Files.writeString(checkpoint.resolve(f), "x");
    }
    pt = Files.writeString(tmp.resolve("net.pt"), "x");
    csv = Files.writeString(tmp.resolve("iris.csv"), "a,b,species\n1,2,x\n");
  }

  // --- helpers

  private static ObjectNode yaml(String text) {
    try {
      return (ObjectNode) YAML.readTree(text);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The quickstart with {@code model} replaced. */
  private static ObjectNode withModel(String model) {
    ObjectNode tree = quickstart();
    tree.set("model", yaml(model));
    return tree;
  }

  /** The quickstart with {@code data.train} replaced. */
  /** The quickstart with another training split, and no valid or test split (of another kind). */
  private static ObjectNode withTrain(String train) {
    ObjectNode tree = quickstart();
    ((ObjectNode) tree.get("data")).set("train", yaml(train));
    ((ObjectNode) tree.get("data")).remove(List.of("valid", "test"));
    return tree;
  }

  /** The tree as a regression: task.type regression, no head.classes. */
  private static ObjectNode regression(ObjectNode tree) {
    tree.set("task", yaml("{type: regression}"));
    ((ObjectNode) tree.get("head")).remove("classes");
    return tree;
  }

  private static Recipe parse(JsonNode tree) throws RecipeException {
    return RecipeReader.parse(tree, "recipe", List.of());
  }

  private static List<String> problems(JsonNode tree) {
    return assertThrows(RecipeException.class, () -> parse(tree)).problems();
  }

  /** Parses, writes back, checks that {@code type} comes first, parses again. */
  private static Recipe roundTrip(JsonNode tree, String section) throws RecipeException {
    Recipe r = parse(tree);
    JsonNode back = RecipeModel.toTree(r);
    JsonNode written = back.at(section);
    assertEquals("type", written.fieldNames().next(), written::toString);
    Recipe again = parse(back);
    assertEquals(r, again);
    assertEquals(RecipeReader.toYaml(r), RecipeReader.toYaml(again));
    return r;
  }

  // --- kinds parse and round-trip

  @Test
  void everyModelKindParsesAndRoundTrips() throws Exception {
    Recipe r = roundTrip(quickstart(), "/model");
    assertEquals(new BertOnnxModel("all-minilm-l6-v2", null, null, null, "pretrained"), r.model());
    assertEquals("bert-onnx", r.model().kind());

    r =
        roundTrip(
            withModel(
                "{type: bert-onnx, path: "
                    + onnx
                    + ", config: "
                    + config
                    + ", tokenizer: "
                    + tokenizer
                    + ", init: random}"),
            "/model");
    assertEquals(
        new BertOnnxModel(null, onnx.toString(), config.toString(), tokenizer.toString(), "random"),
        r.model());

    r = roundTrip(withModel("{type: safetensors, dir: " + checkpoint + "}"), "/model");
    assertEquals(new SafetensorsModel(checkpoint.toString(), "pretrained"), r.model());

    r =
        roundTrip(
            withModel(
                "{type: torchscript, path: "
                    + pt
                    + ", input_shape: [1, 3, 28, 28], features_method: features}"),
            "/model");
    assertEquals(
        new TorchScriptModel(pt.toString(), List.of(1L, 3L, 28L, 28L), "features"), r.model());

    r = roundTrip(withModel("{type: djl, url: " + checkpoint + ", name: m}"), "/model");
    assertEquals(new DjlModel(checkpoint.toString(), "m", "PyTorch", null, null, null), r.model());
    for (String url :
        List.of(
            "djl://ai.djl.pytorch/resnet",
            "https://example.org/m.zip",
            checkpoint.toUri().toString())) {
      r = roundTrip(withModel("{type: djl, url: '" + url + "'}"), "/model");
      assertEquals(url, ((DjlModel) r.model()).url());
    }
  }

  @Test
  void everySplitKindParsesAndRoundTrips() throws Exception {
    Recipe r = roundTrip(quickstart(), "/data/train");
    assertEquals(
        new TextJsonlSplit("data/spamassassin/train.jsonl.gz", "text", "label", 200),
        r.data().train());
    assertTrue(r.data().shuffle());

    r =
        roundTrip(
            withTrain(
                "{type: csv, path: "
                    + csv
                    + ", features: [a, 'b*'], label: species,"
                    + " delimiter: ';', limit: 5}"),
            "/data/train");
    assertEquals(
        new CsvSplit(csv.toString(), List.of("a", "b*"), "species", null, ";", 5),
        r.data().train());
    assertEquals("csv", r.data().train().kind());

    r =
        roundTrip(
            regression(withTrain("{type: csv, path: " + csv + ", targets: [a, b]}")),
            "/data/train");
    assertEquals(
        new CsvSplit(csv.toString(), null, null, List.of("a", "b"), ",", null), r.data().train());
  }

  @Test
  void aSplitWithoutTypeIsTextJsonlAndIsWrittenWithIt() throws Exception {
    ObjectNode tree = withTrain("{path: data/spamassassin/train.jsonl.gz, limit: 10}");
    Recipe r = parse(tree);
    assertEquals(
        new TextJsonlSplit("data/spamassassin/train.jsonl.gz", null, null, 10), r.data().train());
    JsonNode back = RecipeModel.toTree(r).at("/data/train");
    assertEquals("text-jsonl", back.get("type").asText());
    assertEquals("type", back.fieldNames().next());
    // a key of the other kind names it
    assertEquals(
        List.of(
            "data.train.delimiter: not a field of type 'text-jsonl' (fields: path, text, label,"
                + " limit, text_pair); it is a field of type 'csv'"),
        problems(withTrain("{path: data/spamassassin/train.jsonl.gz, delimiter: ';'}")));
  }

  @Test
  void shuffleIsABooleanDefaultingToTrue() throws Exception {
    Recipe r = RecipeReader.parse(quickstart(), "recipe", List.of("data.shuffle=false"));
    assertFalse(r.data().shuffle());
    assertTrue(
        assertThrows(
                RecipeException.class,
                () -> RecipeReader.parse(quickstart(), "recipe", List.of("data.shuffle=sometimes")))
            .problems()
            .contains("data.shuffle: expected true or false, got \"sometimes\""));
  }

  // --- what is reported

  @Test
  void missingTypeNamesTheKinds() {
    assertEquals(
        List.of("model.type: required; " + KINDS),
        problems(withModel("{bundled: all-minilm-l6-v2}")));
    assertEquals(
        List.of("model.type: expected a string, got 3; " + KINDS),
        problems(withModel("{type: 3, bundled: all-minilm-l6-v2}")));
  }

  @Test
  void unknownTypeGetsAHint() {
    assertEquals(
        List.of("model.type: 'bert-onx' is not " + KINDS + "; did you mean 'bert-onnx'?"),
        problems(withModel("{type: bert-onx, bundled: all-minilm-l6-v2}")));
    assertEquals(
        List.of(
            "data.train.type: 'parquet' is not one of [text-jsonl, csv, image-folder, pairs, scored-pairs, ir]"),
        problems(withTrain("{type: parquet, path: x}")));
  }

  @Test
  void aFieldOfAnotherKindNamesItsKind() {
    assertEquals(
        List.of(
            "model.dir: not a field of type 'bert-onnx' (fields: bundled, path, config,"
                + " tokenizer, init); it is a field of type 'safetensors'"),
        problems(withModel("{type: bert-onnx, bundled: all-minilm-l6-v2, dir: /x}")));
    assertEquals(
        List.of(
            "model.init: not a field of type 'djl' (fields: url, name, engine, input_shape,"
                + " features_method, features_block);"
                + " it is a field of type 'bert-onnx', 'safetensors', 'builtin'"),
        problems(withModel("{type: djl, url: 'djl://x', init: random}")));
    // a key no kind has: "did you mean", among this kind's keys
    assertEquals(
        List.of("model.bundeld: unknown key; did you mean 'bundled'?"),
        problems(withModel("{type: bert-onnx, bundled: all-minilm-l6-v2, bundeld: x}")));
    // and every other problem as before
    assertEquals(
        List.of(
            "model.bundled: 'minilm' is not one of [all-minilm-l6-v2]",
            "model.init: 'warm' is not one of [pretrained, random]",
            "model: give exactly one of bundled, path; got none"),
        problems(withModel("{type: bert-onnx, bundled: minilm, init: warm}")));
    assertEquals(
        List.of("model.dir: required field is missing"),
        problems(withModel("{type: safetensors}")));
  }

  @Test
  void exactlyOneOfRules() {
    assertEquals(
        List.of("model: give exactly one of bundled, path; got none"),
        problems(withModel("{type: bert-onnx}")));
    assertEquals(
        List.of(
            "model: give exactly one of bundled, path; got both",
            "model.config: required with model.path (the model's Hugging Face config.json)",
            "model.tokenizer: required with model.path (the model's tokenizer.json)"),
        problems(withModel("{type: bert-onnx, bundled: all-minilm-l6-v2, path: " + onnx + "}")));
    assertEquals(
        List.of("model.config: only with model.path; a bundled model brings its own"),
        problems(
            withModel("{type: bert-onnx, bundled: all-minilm-l6-v2, config: " + config + "}")));
    assertEquals(
        List.of(
            "data.train: give exactly one of label (classification), targets (regression); got"
                + " none"),
        problems(withTrain("{type: csv, path: " + csv + "}")));
    assertEquals(
        List.of(
            "data.train: give exactly one of label (classification), targets (regression); got"
                + " both"),
        problems(withTrain("{type: csv, path: " + csv + ", label: a, targets: [b]}")));
    assertEquals(
        List.of("data.train.targets: name at least one column"),
        problems(regression(withTrain("{type: csv, path: " + csv + ", targets: []}"))));
    assertEquals(
        List.of(
            "data.train.targets[1]: duplicate column 'b'",
            "data.train.features[0]: 'b' is a target column",
            "data.train.features[1]: invalid pattern 'c[': unclosed '['",
            "data.train.delimiter: must be one character other than a quote or line break, got"
                + " ';;'"),
        problems(
            regression(
                withTrain(
                    "{type: csv, path: "
                        + csv
                        + ", targets: [b, b], features:"
                        + " [b, 'c['], delimiter: ';;'}"))));
  }

  @Test
  void filesMustExistUnlessRemote() {
    Path none = tmp.resolve("none");
    assertEquals(
        List.of(
            "model.path: ONNX file not found: " + none,
            "model.config: config file not found: " + none,
            "model.tokenizer: tokenizer file not found: " + none),
        problems(
            withModel(
                "{type: bert-onnx, path: "
                    + none
                    + ", config: "
                    + none
                    + ", tokenizer: "
                    + none
                    + "}")));
    assertEquals(
        List.of("model.dir: checkpoint directory not found: " + none),
        problems(withModel("{type: safetensors, dir: " + none + "}")));
    assertEquals(
        List.of(
            "model.dir: "
                + tmp
                + " lacks model.safetensors (a Hugging Face checkpoint"
                + " directory holds config.json, model.safetensors and tokenizer.json)"),
        problems(withModel("{type: safetensors, dir: " + tmp + "}")));
    assertEquals(
        List.of(
            "model.path: TorchScript file not found: " + none,
            "model.input_shape[1]: must be at least 1, got 0",
            "model.features_method: 'not a name' is not a method name"),
        problems(
            withModel(
                "{type: torchscript, path: "
                    + none
                    + ", input_shape: [1, 0],"
                    + " features_method: not a name}")));
    assertEquals(
        List.of("model.input_shape[1]: expected a whole number, got 2.5"),
        problems(withModel("{type: torchscript, path: " + pt + ", input_shape: [1, 2.5]}")));
    assertEquals(
        List.of(
            "model.url: not found: "
                + none
                + " (a local model must exist; djl:// and"
                + " https:// URLs are not checked)"),
        problems(withModel("{type: djl, url: " + none + "}")));
    assertEquals(
        List.of(
            "model.url: not found: "
                + none.toUri()
                + " (a local model must exist; djl:// and"
                + " https:// URLs are not checked)"),
        problems(withModel("{type: djl, url: '" + none.toUri() + "'}")));
    assertEquals(
        List.of(
            "model.url: unsupported scheme 'ftp:'; give a local path, a file: URL, a djl://"
                + " zoo id or an https:// URL"),
        problems(withModel("{type: djl, url: 'ftp://host/m'}")));
    assertEquals(
        List.of("model.engine: 'TensorFlow' is not one of [PyTorch]"),
        problems(withModel("{type: djl, url: 'djl://x', engine: TensorFlow}")));
    assertEquals(
        List.of("data.train.path: data file not found: " + none),
        problems(withTrain("{type: csv, path: " + none + ", label: y}")));
  }

  @Test
  void theOldModelSourceSaysWhatToWrite() throws Exception {
    String migration =
        "model.source: replaced by model.type; write `model: {type: bert-onnx,"
            + " bundled: all-minilm-l6-v2}`";
    assertEquals(
        List.of(migration),
        problems(withModel("{source: 'import:onnx:all-minilm-l6-v2', init: pretrained}")));
    // with a type, the rest is checked as usual
    assertEquals(
        List.of(migration),
        problems(withModel("{type: bert-onnx, bundled: all-minilm-l6-v2, source: x}")));
    // exit code 2, like every recipe problem
    Path file =
        write(
            tmp,
            "old.yaml",
            withModel("{source: 'import:onnx:all-minilm-l6-v2', init: pretrained}"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(
            new String[] {"validate", file.toString()},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, e);
    assertTrue(e.contains(migration), e);
  }

  @Test
  void aDjlModelReadsFeaturesSoTextSplitsAreRefusedAtPlanTime() throws Exception {
    Recipe r = parse(withModel("{type: djl, url: " + checkpoint + "}"));
    BadInputException e = assertThrows(BadInputException.class, () -> FineTune.plan(r));
    assertTrue(
        e.problems()
            .get(0)
            .startsWith(
                "data.train: a text-jsonl split gives token ids of texts,"
                    + " but model.type 'djl' reads feature vectors"),
        e.problems().get(0));
  }

  @Test
  void aSafetensorsDirectoryWithABrokenConfigIsRefusedAtPlanTime() throws Exception {
    Recipe r = parse(withModel("{type: safetensors, dir: " + checkpoint + "}"));
    BadInputException e = assertThrows(BadInputException.class, () -> FineTune.plan(r));
    assertEquals(
        List.of("model.dir: config.json: not valid JSON (error at line 1, column 2)"),
        e.problems());
  }

  // --- schema

  @Test
  void schemaOneOfAcceptsEveryKindAndRefusesMixedOrUntyped() {
    JsonSchema schema =
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
            .getSchema(RecipeModel.schema(Recipe.class));
    JsonNode model = RecipeModel.schema(Recipe.class).at("/properties/model");
    assertEquals(5, model.get("oneOf").size(), model::toString);
    assertEquals("bert-onnx", model.at("/oneOf/0/properties/type/const").asText());
    assertFalse(model.at("/oneOf/0/additionalProperties").asBoolean(true));

    for (String good :
        List.of(
            "{type: bert-onnx, bundled: all-minilm-l6-v2}",
            "{type: safetensors, dir: d}",
            "{type: torchscript, path: p, input_shape: [1, 3]}",
            "{type: djl, url: 'djl://x'}")) {
      Set<ValidationMessage> errors = schema.validate(withModel(good));
      assertTrue(errors.isEmpty(), () -> good + ": " + errors);
    }
    for (String bad :
        List.of(
            "{bundled: all-minilm-l6-v2}",
            "{type: bert-onnx, bundled: all-minilm-l6-v2, dir: d}",
            "{type: onnx, bundled: x}",
            "{source: 'import:onnx:all-minilm-l6-v2'}",
            "{type: torchscript}")) {
      Set<ValidationMessage> errors = schema.validate(withModel(bad));
      assertFalse(errors.isEmpty(), bad);
      assertTrue(
          errors.stream().allMatch(m -> m.getInstanceLocation().toString().startsWith("$.model")),
          () -> bad + ": " + errors);
    }
    // a split: text-jsonl without type is fine, csv needs its type
    assertTrue(schema.validate(withTrain("{path: p}")).isEmpty());
    assertTrue(schema.validate(withTrain("{type: csv, path: p, targets: [y]}")).isEmpty());
    assertFalse(schema.validate(withTrain("{path: p, targets: [y]}")).isEmpty());
  }

  // --- Java

  @Test
  void everyKindHasABuilderAndValidatesLikeAFile() throws Exception {
    assertEquals(
        new BertOnnxModel(
            null, onnx.toString(), config.toString(), tokenizer.toString(), "pretrained"),
        BertOnnxModel.builder()
            .optPath(onnx.toString())
            .optConfig(config.toString())
            .optTokenizer(tokenizer.toString())
            .build());
    assertEquals(
        new SafetensorsModel(checkpoint.toString(), "random"),
        SafetensorsModel.builder().setDir(checkpoint.toString()).optInit("random").build());
    assertEquals(
        new TorchScriptModel(pt.toString(), List.of(1L, 8L), "f"),
        TorchScriptModel.builder()
            .setPath(pt.toString())
            .optInputShape(1, 8)
            .optFeaturesMethod("f")
            .build());
    assertEquals(
        new DjlModel("djl://x", "n", "PyTorch", null, null, null),
        DjlModel.builder().setUrl("djl://x").optName("n").build());
    assertEquals(
        new CsvSplit(csv.toString(), List.of("a"), null, List.of("y"), ",", 3),
        CsvSplit.builder()
            .setPath(csv.toString())
            .optFeatures("a")
            .optTargets("y")
            .optLimit(3)
            .build());
    assertEquals(
        new TextJsonlSplit("p", "text", "label", null),
        TextJsonlSplit.builder().setPath("p").build());
    assertEquals(
        "SafetensorsModel: required field not set: dir",
        assertThrows(IllegalStateException.class, () -> SafetensorsModel.builder().build())
            .getMessage());

    Recipe q = QuickstartInJava.recipe();
    for (ModelSpec m :
        List.<ModelSpec>of(
            SafetensorsModel.builder().setDir(checkpoint.toString()).build(),
            TorchScriptModel.builder().setPath(pt.toString()).build(),
            DjlModel.builder().setUrl(checkpoint.toString()).build())) {
      Recipe r = q.withModel(m);
      assertEquals(r, FineTune.validate(r));
    }
    Recipe bad = q.withModel(BertOnnxModel.builder().build());
    assertEquals(
        List.of("model: give exactly one of bundled, path; got none"),
        assertThrows(RecipeException.class, () -> FineTune.validate(bad)).problems());
  }

  @Test
  void docsHaveATablePerKind() throws Exception {
    String docs = Files.readString(DocsGenerator.DOCS);
    for (String heading :
        List.of(
            "### `model` (type: `bert-onnx`)",
            "### `model` (type: `safetensors`)",
            "### `model` (type: `torchscript`)",
            "### `model` (type: `djl`)",
            "### `data.train` (type: `text-jsonl`)",
            "### `data.test` (type: `csv`)")) {
      assertTrue(docs.contains(heading), heading);
    }
    assertTrue(docs.contains("| `data.valid.type` | `text-jsonl` | `text-jsonl` |"), docs);
    assertTrue(docs.contains("| `model.type` | `djl` | **required** |"), docs);
  }
}
