package io.github.finetune4j.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code task} section (a tagged variant, default classification), the head's conditional
 * classes, {@code head.replace: none}, and the checks that tie the task to its data splits.
 */
class TaskRecipeTest {

  private static final Path DIABETES = Path.of("recipes/tabular/diabetes-regression.yaml");
  private static final Path DIGITS = Path.of("recipes/tabular/digits-transfer.yaml");
  private static final Path QUICKSTART = Path.of("recipes/quickstart.yaml");

  private static List<String> problems(Path recipe, String... overrides) {
    return assertThrows(RecipeException.class, () -> RecipeReader.read(recipe, List.of(overrides)))
        .problems();
  }

  @Test
  void theTaskDefaultsToClassificationAndIsWrittenBack() throws Exception {
    Recipe q = RecipeReader.read(QUICKSTART, List.of());
    assertEquals(new ClassificationTaskSpec(), q.task());
    assertEquals("classification", q.task().kind());
    assertTrue(
        RecipeReader.toYaml(q).contains("task:\n  type: classification\n"), RecipeReader.toYaml(q));
    Recipe d = RecipeReader.read(DIABETES, List.of());
    assertEquals(new RegressionTaskSpec("mse", 1.0, true), d.task());
    assertEquals(null, d.head().classes(), "a regression has no classes");
    assertEquals("none", d.head().replace());
    assertEquals(d, RecipeReader.check(d), "round trip");
    assertEquals(
        RegressionTaskSpec.builder().optLoss("huber").optDelta(2).build(),
        RecipeReader.read(DIABETES, List.of("task.loss=huber", "task.delta=2")).task());
  }

  @Test
  void classesAreRequiredForAClassificationOnlyAndRefusedForARegression() {
    assertEquals(
        List.of(
            "head.classes: required for a classification (the class labels in" + " output order)"),
        problems(DIGITS, "head.classes=~"));
    assertEquals(
        List.of(
            "head.classes: a regression has no classes (its outputs are the targets"
                + " of the csv splits); remove head.classes, or set task.type: classification"),
        problems(DIABETES, "head.classes=[a, b]"));
  }

  @Test
  void theTaskMustFitItsSplits() {
    assertEquals(
        List.of(
            "head.classes: required for a classification (the class labels in output order)",
            "data.train.targets: a classification reads a `label` column; give label, or set"
                + " task.type: regression",
            "data.valid.targets: a classification reads a `label` column; give label, or set"
                + " task.type: regression",
            "data.test.targets: a classification reads a `label` column; give label, or set"
                + " task.type: regression"),
        problems(DIABETES, "task={type: classification}"));
    List<String> p =
        problems(DIABETES, "data.train={type: csv, path: data/iris/iris.csv," + " label: species}");
    assertEquals(
        List.of(
            "data.train.label: a regression reads `targets` columns, not a label;"
                + " give targets, or set task.type: classification"),
        p);
    p = problems(QUICKSTART, "task={type: regression}", "head.classes=~");
    assertTrue(
        p.contains(
            "data.train: a regression reads numeric targets from csv splits (type:"
                + " csv, with targets); a text-jsonl split holds class labels"),
        p::toString);
    p = problems(DIABETES, "data.test={type: text-jsonl, path: data/spamassassin/test.jsonl.gz}");
    assertTrue(
        p.contains(
            "data.test.type: 'text-jsonl' differs from data.train's 'csv'; every"
                + " split is of the kind of data.train"),
        p::toString);
    p = problems(DIABETES, "data.valid.targets=[bmi]");
    assertEquals(
        List.of(
            "data.valid.targets: [bmi] differ from data.train.targets [progression];"
                + " every split has the same targets"),
        p);
  }

  @Test
  void taskFieldsAreCheckedByKind() {
    assertEquals(
        List.of("task.loss: 'mae' is not one of [mse, huber]; did you mean 'mse'?"),
        problems(DIABETES, "task.loss=mae"));
    assertEquals(
        List.of("task.delta: must be positive, got 0.0"), problems(DIABETES, "task.delta=0"));
    List<String> p = problems(DIGITS, "task.loss=mse");
    assertTrue(p.get(0).startsWith("task.loss: not a field of type 'classification'"), p::toString);
    assertTrue(
        problems(DIABETES, "task.type=ranking")
            .get(0)
            .startsWith(
                "task.type: 'ranking' is not one of [classification, regression, multilabel, embedding]"));
  }

  @Test
  void headNoneNeedsAModelWithItsOwnOutput() {
    assertEquals(
        List.of(
            "head.replace: 'none' keeps the model's own output, but a bert-onnx text"
                + " encoder has none (it outputs token states); use classifier"),
        problems(QUICKSTART, "head.replace=none"));
  }
}
