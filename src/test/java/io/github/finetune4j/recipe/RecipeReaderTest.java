package io.github.finetune4j.recipe;

import static io.github.finetune4j.TestRecipes.QUICKSTART;
import static io.github.finetune4j.TestRecipes.quickstart;
import static io.github.finetune4j.TestRecipes.write;
import static io.github.finetune4j.TestRecipes.writeText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeReaderTest {

  /** The smallest valid recipe (shared with RecipeStrictnessTest). */
  static final String MINIMAL =
      """
      model: { type: bert-onnx, bundled: all-minilm-l6-v2 }
      head: { classes: [ham, spam] }
      data: { train: { path: data/spamassassin/train.jsonl.gz } }
      groups:
        - { name: all, match: ["*"] }
      stages:
        - { epochs: 1, train: [all] }
      optimizer: { lr: 0.001 }
      output: { dir: runs/minimal }
      """;

  @TempDir Path tmp;

  @Test
  void yamlAndJsonGiveTheSameRecipe() throws Exception {
    Path json = write(tmp, "quickstart.json", quickstart());
    Recipe fromYaml = RecipeReader.read(QUICKSTART, List.of());
    Recipe fromJson = RecipeReader.read(json, List.of());
    assertEquals(fromYaml, fromJson);
    assertEquals(4, fromYaml.groups().size());
    assertEquals("head", fromYaml.groups().get(3).name());
    assertEquals(2.0e-3, fromYaml.groups().get(3).lr());
    assertEquals(2.6, fromYaml.optimizer().discriminative().factor());
  }

  @Test
  void fillsDefaults() throws Exception {
    Recipe r = RecipeReader.read(writeText(tmp, "minimal.yaml", MINIMAL), List.of());
    assertEquals("pretrained", ((BertOnnxModel) r.model()).init());
    assertEquals("classifier", r.head().replace());
    assertEquals("mean", r.head().pooling());
    assertEquals(0.1, r.head().dropout());
    assertEquals(16, r.data().batchSize());
    assertEquals(128, r.data().maxLength());
    TextJsonlSplit train = (TextJsonlSplit) r.data().train(); // the default kind
    assertEquals("text-jsonl", train.kind());
    assertEquals("text", train.text());
    assertEquals("label", train.label());
    assertTrue(r.data().shuffle());
    assertNull(r.data().valid());
    assertEquals("adamw", r.optimizer().type());
    assertEquals(0.9, r.optimizer().beta1());
    assertEquals(0.999, r.optimizer().beta2());
    assertNull(r.optimizer().weightDecay());
    assertEquals("constant", r.schedule().type());
    assertEquals(10, r.monitor().every());
    assertEquals(List.of("console", "jsonl", "csv", "tensorboard", "html"), r.monitor().sinks());
    assertEquals(42L, r.train().seed());
    assertEquals(Boolean.FALSE, r.output().overwrite());
  }

  @Test
  void weightDecayDefaultsInsideTheSection() throws Exception {
    Recipe r =
        RecipeReader.read(
            writeText(tmp, "minimal.yaml", MINIMAL), List.of("optimizer.weight_decay.value=0.05"));
    assertEquals(0.05, r.optimizer().weightDecay().value());
    assertEquals("decoupled", r.optimizer().weightDecay().mode());
    assertEquals(List.of("bias", "norm", "1d"), r.optimizer().weightDecay().exclude());
  }

  @Test
  void appliesOverrides() throws Exception {
    Recipe before = RecipeReader.read(QUICKSTART, List.of());
    assertEquals(1.0e-4, before.optimizer().lr());
    assertEquals(42L, before.train().seed());

    Recipe r =
        RecipeReader.read(
            QUICKSTART, List.of("optimizer.lr=3e-4", "train.seed=7", "groups.0.match=[a.*]"));
    assertEquals(3e-4, r.optimizer().lr());
    assertEquals(7L, r.train().seed());
    assertEquals(List.of("a.*"), r.groups().get(0).match());
    assertEquals("embeddings", r.groups().get(0).name());
    assertEquals(before.groups().get(1), r.groups().get(1));
  }

  @Test
  void overridesCreateMissingSections() throws Exception {
    Recipe r =
        RecipeReader.read(QUICKSTART, List.of("schedule.type=cosine", "schedule.warmup=0.1"));
    assertEquals("cosine", r.schedule().type());
    assertEquals(0.1, r.schedule().warmup());
  }

  @Test
  void overrideOfAnUnknownKeyIsAProblem() {
    RecipeException e =
        assertThrows(
            RecipeException.class,
            () -> RecipeReader.read(QUICKSTART, List.of("data.batch_sise=8")));
    assertEquals(List.of("data.batch_sise: unknown key; did you mean 'batch_size'?"), e.problems());
  }

  @Test
  void onNonfiniteDefaultsToStopAndMaxSkippedStepsBelongsToSkip() throws Exception {
    Recipe r = RecipeReader.read(QUICKSTART, List.of());
    assertEquals("stop", r.train().onNonfinite());
    assertNull(r.train().maxSkippedSteps());
    Recipe skip = RecipeReader.read(QUICKSTART, List.of("train.on_nonfinite=skip"));
    assertEquals(10L, skip.train().maxSkippedSteps(), "skip's default bound");
    RecipeException e =
        assertThrows(
            RecipeException.class,
            () -> RecipeReader.read(QUICKSTART, List.of("train.max_skipped_steps=3")));
    assertEquals(
        List.of(
            "train.max_skipped_steps: applies only with train.on_nonfinite: skip (with stop, the"
                + " default, the first step whose loss or gradients are not finite fails the"
                + " run)"),
        e.problems());
    RecipeException bad =
        assertThrows(
            RecipeException.class,
            () -> RecipeReader.read(QUICKSTART, List.of("train.on_nonfinite=ignore")));
    assertTrue(bad.problems().get(0).startsWith("train.on_nonfinite: "), bad.problems()::toString);
  }

  @Test
  void nullListEntryIsAProblem() {
    RecipeException e =
        assertThrows(
            RecipeException.class,
            () -> RecipeReader.read(QUICKSTART, List.of("head.classes=[ham, null, spam]")));
    assertEquals(List.of("head.classes[1]: expected a value, got null"), e.problems());
  }

  @Test
  void numericStringsAreNumbers() throws Exception {
    ObjectNode tree = quickstart();
    ((ObjectNode) tree.get("optimizer")).put("lr", "3e-4");
    ((ObjectNode) tree.get("data")).put("batch_size", "8");
    Recipe r = RecipeReader.read(write(tmp, "strings.json", tree), List.of("optimizer.eps=1e-6"));
    assertEquals(3e-4, r.optimizer().lr());
    assertEquals(8, r.data().batchSize());
    assertEquals(1e-6, r.optimizer().eps());
  }

  @Test
  void overrideWithoutEqualsIsAProblem() {
    RecipeException e =
        assertThrows(
            RecipeException.class, () -> RecipeReader.read(QUICKSTART, List.of("optimizer.lr")));
    assertEquals(
        List.of("override 'optimizer.lr': expected key=value, e.g. optimizer.lr=3e-4"),
        e.problems());
  }

  @Test
  void reportsAllProblemsAtOnce() {
    ObjectNode tree = quickstart();
    ((ObjectNode) tree.get("optimizer")).put("lr", "fast");
    tree.putObject("optimzer").put("lr", 1e-3);
    ((ObjectNode) tree.get("data")).put("batch_size", "sixteen");
    ((ObjectNode) tree.get("output")).remove("dir");
    ((ObjectNode) tree.get("stages").get(0)).putArray("train").add("haed");
    Path file = write(tmp, "broken.yaml", tree);

    RecipeException e =
        assertThrows(RecipeException.class, () -> RecipeReader.read(file, List.of()));
    List<String> ps = e.problems();
    assertTrue(ps.contains("optimizer.lr: expected a number, got \"fast\""), ps::toString);
    assertTrue(ps.contains("optimzer: unknown key; did you mean 'optimizer'?"), ps::toString);
    assertTrue(
        ps.contains("data.batch_size: expected a whole number, got \"sixteen\""), ps::toString);
    assertTrue(ps.contains("output.dir: required field is missing"), ps::toString);
    assertTrue(
        ps.contains("stages[0].train[0]: unknown group 'haed'; did you mean 'head'?"),
        ps::toString);
    assertEquals(5, ps.size(), ps::toString);
    for (String p : ps) {
      assertTrue(e.getMessage().contains(p), "the message lists every problem");
    }
  }

  @Test
  void unreadableYamlReportsLineAndColumn() {
    Path file =
        writeText(tmp, "bad.yaml", "model:\n  source: x\nhead: { classes: [ham, spam\ndata: 1\n");
    RecipeException e =
        assertThrows(RecipeException.class, () -> RecipeReader.read(file, List.of()));
    assertEquals(1, e.problems().size());
    String p = e.problems().get(0);
    assertTrue(p.startsWith(file + ": not valid YAML (line "), p);
    assertTrue(p.matches("(?s).*\\(line [3-5], column \\d+\\).*"), p);
    assertFalse(p.contains("\n"), "one line, without the parser's source excerpt: " + p);
  }

  @Test
  void unreadableJsonReportsLineAndColumn() {
    Path file = writeText(tmp, "bad.json", "{\n  \"model\": {\n    \"source\": ,\n  }\n}\n");
    RecipeException e =
        assertThrows(RecipeException.class, () -> RecipeReader.read(file, List.of()));
    String p = e.problems().get(0);
    assertTrue(p.startsWith(file + ": not valid JSON (line 3, column "), p);
  }

  @Test
  void emptyFile() {
    Path file = writeText(tmp, "empty.yaml", "");
    RecipeException e =
        assertThrows(RecipeException.class, () -> RecipeReader.read(file, List.of()));
    assertEquals(List.of(file + ": the recipe is empty"), e.problems());
  }

  @Test
  void notAMapping() {
    Path file = writeText(tmp, "list.yaml", "- a\n- b\n");
    RecipeException e =
        assertThrows(RecipeException.class, () -> RecipeReader.read(file, List.of()));
    assertEquals(
        List.of(file + ": a recipe must be a mapping of sections, got a array"), e.problems());
  }

  @Test
  void missingFile() {
    Path file = tmp.resolve("nope.yaml");
    RecipeException e =
        assertThrows(RecipeException.class, () -> RecipeReader.read(file, List.of()));
    assertEquals(List.of(file + ": recipe file not found"), e.problems());
  }

  @Test
  void negativeLearningRate() {
    assertProblem(
        List.of("optimizer.lr=-0.001"), null, "optimizer.lr: must be positive, got -0.001");
  }

  @Test
  void notANumberLearningRate() {
    assertProblem(
        List.of("optimizer.lr=nan"), null, "optimizer.lr: expected a finite number, got nan");
  }

  @Test
  void yamlNotANumberAndInfinityAreRejected() {
    assertProblem(
        List.of("optimizer.lr=.nan"), null, "optimizer.lr: expected a finite number, got .nan");
    assertProblem(
        List.of("optimizer.lr=-.inf"), null, "optimizer.lr: expected a finite number, got -.inf");
    assertProblem(
        List.of("data.batch_size=inf"),
        null,
        "data.batch_size: expected a whole number, got \"inf\"");
  }

  @Test
  void negativeGroupLearningRate() {
    assertProblem(List.of("groups.3.lr=-1"), null, "groups[3].lr: must be positive, got -1.0");
  }

  @Test
  void layerDecayAboveOne() {
    assertProblem(
        List.of("optimizer.layer_decay=1.5"),
        t -> ((ObjectNode) t.get("optimizer")).remove("discriminative"),
        "optimizer.layer_decay: must be in (0, 1], got 1.5");
  }

  @Test
  void spreadOnASingleGroup() {
    assertProblem(
        List.of("optimizer.spread=[1e-5, 1e-3]"),
        t -> {
          ((ObjectNode) t.get("optimizer")).remove("discriminative");
          t.putArray("groups").addObject().put("name", "all").putArray("match").add("*");
          t.putArray("stages").addObject().put("epochs", 1).putArray("train").add("all");
        },
        "optimizer.spread: a spread needs at least 2 groups, the recipe has 1");
  }

  @Test
  void discriminativeAndSpreadConflict() {
    assertProblem(
        List.of("optimizer.spread=[1e-5, 1e-3]"),
        null,
        "optimizer: conflicting learning-rate specs [discriminative, spread]; give at most one");
  }

  @Test
  void unknownOptimizerType() {
    RecipeException e = problems(List.of("optimizer.type=adamx"), null);
    assertEquals(1, e.problems().size(), e.problems()::toString);
    String p = e.problems().get(0);
    assertTrue(
        p.startsWith("optimizer.type: 'adamx' is not one of [sgd, adam, adamw, rmsprop]"), p);
    assertTrue(p.contains("did you mean 'adam"), p);
  }

  @Test
  void unknownScheduleType() {
    assertProblem(
        List.of("schedule.type=cosin"),
        null,
        "schedule.type: 'cosin' is not one of [constant, step, exponential, cosine, one_cycle,"
            + " slanted_triangular]; did you mean 'cosine'?");
  }

  @Test
  void missingDataFile() {
    assertProblem(
        List.of("data.valid.path=data/nowhere.jsonl"),
        null,
        "data.valid.path: data file not found: data/nowhere.jsonl");
  }

  private void assertProblem(List<String> overrides, Consumer<ObjectNode> edit, String expected) {
    RecipeException e = problems(overrides, edit);
    assertEquals(List.of(expected), e.problems());
  }

  private RecipeException problems(List<String> overrides, Consumer<ObjectNode> edit) {
    ObjectNode tree = quickstart();
    if (edit != null) {
      edit.accept(tree);
    }
    Path file = write(tmp, "recipe.yaml", tree);
    RecipeException e =
        assertThrows(RecipeException.class, () -> RecipeReader.read(file, overrides));
    assertFalse(e.problems().isEmpty());
    return e;
  }

  @Test
  void aPolicyRecipeRefusesWhatJavaGives() {
    Path file =
        writeText(
            tmp,
            "policy.yaml",
            """
            model: { type: bert-onnx, bundled: all-minilm-l6-v2 }
            data: { batch_size: 8, train: { path: data/spamassassin/train.jsonl.gz } }
            groups: [{ name: all, match: ["*"] }]
            stages: [{ epochs: 1, train: [all] }]
            optimizer: { lr: 0.001 }
            output: { dir: runs/p }
            """);
    RecipeException e =
        assertThrows(RecipeException.class, () -> RecipeReader.readPolicy(file, List.of()));
    assertEquals(
        List.of(
            file
                + ": model: a policy recipe has no model section (the block is given in Java);"
                + " remove it",
            file
                + ": data.train: a policy recipe has no data splits (the datasets are given in"
                + " Java); keep only data.batch_size and data.shuffle"),
        e.problems());
  }

  @Test
  void aPolicyRecipeKeepsItsPolicyAndWritesOnlyThat() throws Exception {
    Recipe r = RecipeReader.readPolicy(Path.of("examples/iris-mlp-policy.yaml"), List.of());
    assertEquals(2, r.groups().size());
    assertEquals(16, r.data().batchSize());
    String yaml = RecipeReader.toPolicyYaml(r);
    assertFalse(yaml.contains("model:"), yaml);
    assertFalse(yaml.contains("head:"), yaml);
    assertTrue(yaml.contains("groups:"), yaml);
  }
}
