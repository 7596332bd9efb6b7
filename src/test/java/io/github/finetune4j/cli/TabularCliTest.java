package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.pipeline.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's TorchScript model fine-tuned on tabular CSV data by recipe, end to end through the CLI
 * with the real engine: a classification (the BatchNorm body pre-trained on digits 0-4, a new head,
 * digits 5-9) and a regression (a random-initialised MLP on diabetes), each exported and reloaded
 * by {@code predict}, whose output reproduces the run's test metrics; and the refusals, each exit 2
 * with nothing written: a module whose own output does not fit the classes, a csv split for a text
 * encoder (and texts for a module of feature vectors), a {@code .pt} that is not TorchScript, a
 * missing column, a training split of one class.
 */
class TabularCliTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DIGITS = "recipes/tabular/digits-transfer.yaml";
  private static final String DIABETES = "recipes/tabular/diabetes-regression.yaml";

  @TempDir static Path tmp;
  private static Path digitsRun;
  private static CliResult digits;
  private static Path diabetesRun;
  private static CliResult diabetes;

  @BeforeAll
  static void runBoth() {
    digitsRun = tmp.resolve("digits");
    digits =
        CliResult.run(
            "run",
            DIGITS,
            "stages.0.epochs=2",
            "stages.1.epochs=4",
            "monitor.sinks=[jsonl]",
            "output.dir=" + digitsRun);
    diabetesRun = tmp.resolve("diabetes");
    diabetes = CliResult.run("run", DIABETES, "monitor.sinks=[jsonl]", "output.dir=" + diabetesRun);
  }

  private static JsonNode summary(Path run) throws Exception {
    return JSON.readTree(run.resolve("summary.json").toFile());
  }

  /** The values of one column of a CSV file with a header (no quoting). */
  private static List<String> column(Path csv, String name) throws Exception {
    List<String> lines = Files.readAllLines(csv);
    int c = Arrays.asList(lines.get(0).split(",")).indexOf(name);
    List<String> out = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      out.add(line.split(",")[c]);
    }
    return out;
  }

  @Test
  void theDigitsTransferTrainsAndPredictReproducesItsTestAccuracy() throws Exception {
    assertEquals(0, digits.code(), digits::toString);
    assertTrue(
        digits
            .out()
            .contains(
                "Loading torchscript models/tabular/digits-bn-body.pt"
                    + " (64 features, a new linear head of 5 outputs)"),
        digits::toString);
    assertTrue(digits.out().contains("Done: test accuracy"), digits::toString);
    JsonNode s = summary(digitsRun);
    assertEquals("classification", s.get("task").asText());
    double acc = s.get("test_accuracy").asDouble();
    assertTrue(acc > 0.8, "the pre-trained body transfers to the digits 5-9: " + acc);
    assertEquals(acc, s.get("test_metrics").get("accuracy").asDouble(), 0.0);
    assertEquals(200, s.get("test_examples").asInt());
    for (String f :
        List.of("model-0000.params", "model.pt", "finetune4j-model.json", "manifest.json")) {
      assertTrue(Files.isRegularFile(digitsRun.resolve("model").resolve(f)), f);
    }
    JsonNode meta = JSON.readTree(digitsRun.resolve("model/finetune4j-model.json").toFile());
    assertEquals("features", meta.get("kind").asText());
    assertEquals(64, meta.at("/standardizer/features").size());

    CliResult p =
        CliResult.run(
            "predict",
            digitsRun.toString(),
            "--input",
            "data/digits/test.csv",
            "--format",
            "jsonl");
    assertEquals(0, p.code(), p::toString);
    List<String> truth = column(Path.of("data/digits/test.csv"), "digit");
    List<String> lines = p.out().lines().toList();
    assertEquals(truth.size(), lines.size());
    int correct = 0;
    for (int i = 0; i < lines.size(); i++) {
      JsonNode row = JSON.readTree(lines.get(i));
      double sum = 0;
      for (JsonNode v : row.get("probabilities")) {
        sum += v.asDouble();
      }
      assertEquals(1.0, sum, 1e-5);
      correct += row.get("label").asText().equals(truth.get(i)) ? 1 : 0;
    }
    assertEquals(acc, correct / (double) truth.size(), 1e-12, "predict = the run's evaluation");

    CliResult tsv =
        CliResult.run("predict", digitsRun.toString(), "--input", "data/digits/test.csv");
    assertTrue(tsv.out().lines().allMatch(l -> l.matches("[5-9]\\t[01]\\.\\d{4}")), tsv::toString);
    CliResult texts = CliResult.run("predict", digitsRun.toString(), "a text");
    assertEquals(2, texts.code(), texts::toString);
    assertTrue(texts.err().contains("--input FILE.csv"), texts::toString);
  }

  @Test
  void theDiabetesRegressionBeatsTheTrainingMeanAndPredictReproducesItsMetrics() throws Exception {
    assertEquals(0, diabetes.code(), diabetes::toString);
    assertTrue(
        diabetes.out().matches("(?s).*Done: test rmse \\d+\\.\\d{4} \\(r2 0\\.\\d{4}\\).*"),
        diabetes::toString);
    JsonNode s = summary(diabetesRun);
    assertEquals("regression", s.get("task").asText());
    assertFalse(s.has("test_accuracy"), "a regression has no accuracy");
    assertEquals("[\"progression\"]", s.get("targets").toString());
    JsonNode m = s.get("test_metrics");

    List<Double> train =
        column(Path.of("data/diabetes/train.csv"), "progression").stream()
            .map(Double::valueOf)
            .toList();
    List<Double> y =
        column(Path.of("data/diabetes/test.csv"), "progression").stream()
            .map(Double::valueOf)
            .toList();
    double mean = train.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    double baseline =
        Math.sqrt(y.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / y.size());
    assertTrue(m.get("r2").asDouble() > 0.3, "R² " + m.get("r2"));
    assertTrue(
        m.get("rmse").asDouble() < 0.8 * baseline,
        "RMSE " + m.get("rmse") + " vs predicting the training mean: " + baseline);

    CliResult p =
        CliResult.run("predict", diabetesRun.toString(), "--input", "data/diabetes/test.csv");
    assertEquals(0, p.code(), p::toString);
    List<Double> pred = p.out().lines().map(Double::valueOf).toList();
    assertEquals(y.size(), pred.size());
    // The metrics recomputed from predict's output, as scikit-learn defines them.
    double abs = 0;
    double sq = 0;
    double yMean = y.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    double tot = 0;
    for (int i = 0; i < y.size(); i++) {
      double e = pred.get(i) - y.get(i);
      abs += Math.abs(e);
      sq += e * e;
      tot += (y.get(i) - yMean) * (y.get(i) - yMean);
    }
    int n = y.size();
    assertEquals(m.get("mae").asDouble(), abs / n, 1e-4 * m.get("mae").asDouble());
    assertEquals(m.get("rmse").asDouble(), Math.sqrt(sq / n), 1e-4 * m.get("rmse").asDouble());
    assertEquals(m.get("r2").asDouble(), 1 - sq / tot, 1e-4);
    assertEquals(s.get("test_loss").asDouble(), sq / n, 1e-4 * sq / n, "the MSE loss");

    CliResult jsonl =
        CliResult.run(
            "predict",
            diabetesRun.toString(),
            "--input",
            "data/diabetes/test.csv",
            "--format",
            "jsonl");
    assertEquals(
        pred.get(0),
        JSON.readTree(jsonl.out().lines().findFirst().orElseThrow()).get("progression").asDouble(),
        1e-4);
  }

  @Test
  void aModuleWhoseOwnOutputDoesNotFitTheClassesIsRefusedAtPlanTime() {
    Path out = tmp.resolve("wrong-count");
    String[] fit = {
      "task={type: classification}",
      "head.classes=[setosa, versicolor, virginica]",
      "data.train={type: csv, path: data/iris/iris.csv, label: species}",
      "data.valid=~",
      "data.test=~",
      "output.dir=" + out
    };
    for (String command : List.of("validate", "run")) {
      List<String> args = new ArrayList<>(List.of(command, DIABETES));
      args.addAll(List.of(fit));
      CliResult r = CliResult.run(args.toArray(String[]::new));
      assertEquals(2, r.code(), r::toString);
      // iris has 4 features: the module is probed with the declared shape first
      assertTrue(
          r.err().contains("model.input_shape") || r.err().contains("cannot run"), r::toString);
    }
    // with the right number of features, the output count is what does not fit
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                DIABETES,
                "task={type: classification}",
                "head.classes=[1, 2, 3]",
                "data.valid=~",
                "data.test=~",
                "output.dir=" + out,
                "data.train={type: csv, path: data/diabetes/train.csv, label: sex,"
                    + " features: [age, bmi, bp, s1, s2, s3, s4, s5, s6, progression]}"));
    CliResult r = CliResult.run(args.toArray(String[]::new));
    assertEquals(2, r.code(), r::toString);
    assertTrue(
        r.err()
            .contains(
                "head.replace: 'none' keeps the model's own output, which has 1"
                    + " value per example, but head.classes lists 3 classes"),
        r::toString);
    assertFalse(Files.exists(out), "nothing written");
    assertFalse(Files.exists(RunDirectory.partialOf(out)));
  }

  @Test
  void dataOfTheWrongKindForTheModelIsRefusedBeforeAnythingLoads() {
    CliResult csvForText =
        CliResult.run(
            "validate",
            "recipes/quickstart.yaml",
            "data.train={type: csv, path: data/iris/iris.csv, label: species}",
            "data.valid=~",
            "data.test=~");
    assertEquals(2, csvForText.code(), csvForText::toString);
    assertTrue(
        csvForText
            .err()
            .contains(
                "data.train: a csv split gives feature vectors, but"
                    + " model.type 'bert-onnx' reads token ids of texts (from text-jsonl (or, for an"
                    + " embedding task, pairs, scored-pairs and ir) splits)"),
        csvForText::toString);
    Path out = tmp.resolve("wrong-kind");
    CliResult textForModule =
        CliResult.run(
            "run",
            DIGITS,
            "data.train={path: data/spamassassin/train.jsonl.gz}",
            "data.valid=~",
            "data.test=~",
            "output.dir=" + out);
    assertEquals(2, textForModule.code(), textForModule::toString);
    assertTrue(
        textForModule
            .err()
            .contains(
                "data.train: a text-jsonl split gives token ids of"
                    + " texts, but model.type 'torchscript' reads feature vectors"),
        textForModule::toString);
    assertFalse(Files.exists(out));
  }

  @Test
  void aFileThatIsNotTorchScriptIsBadInputAndLeavesNothing() throws Exception {
    Path fake = Files.writeString(tmp.resolve("fake.pt"), "not a TorchScript archive\n");
    Path out = tmp.resolve("fake-run");
    CliResult r = CliResult.run("run", DIABETES, "model.path=" + fake, "output.dir=" + out);
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("model.path: " + fake), r::toString);
    assertTrue(r.err().contains("not a TorchScript archive"), r::toString);
    assertFalse(r.err().contains("Exception"), r::toString);
    assertFalse(Files.exists(out));
    assertFalse(Files.exists(RunDirectory.partialOf(out)));
  }

  @Test
  void aMissingColumnOrASingleClassIsRefusedBeforeTheModelLoads() {
    Path out = tmp.resolve("bad-data");
    CliResult missing =
        CliResult.run(
            "run",
            DIABETES,
            "data.train.targets=[nope]",
            "data.valid.targets=[nope]",
            "data.test.targets=[nope]",
            "output.dir=" + out);
    assertEquals(2, missing.code(), missing::toString);
    assertTrue(
        missing
            .err()
            .contains(
                "data.train: data/diabetes/train.csv: target column 'nope'"
                    + " is not in the header"),
        missing::toString);
    assertFalse(missing.out().contains("Loading"), "refused before the model loads");
    // iris starts with 50 setosa: the first 10 rows hold one class
    CliResult oneClass =
        CliResult.run(
            "run",
            DIGITS,
            "head.classes=[setosa, versicolor, virginica]",
            "data.train={type: csv, path: data/iris/iris.csv, label: species, limit: 10}",
            "data.valid=~",
            "data.test=~",
            "output.dir=" + out);
    assertEquals(2, oneClass.code(), oneClass::toString);
    assertTrue(
        oneClass
            .err()
            .contains(
                "all 10 rows read have the label 'setosa'; a classifier"
                    + " needs at least two classes"),
        oneClass::toString);
    assertFalse(oneClass.out().contains("Loading"), "refused before the model loads");
    assertFalse(Files.exists(out));
  }

  @Test
  void anExportedMethodCanFeedANewHead() throws Exception {
    Path out = tmp.resolve("features-method");
    CliResult r =
        CliResult.run(
            "run",
            DIABETES,
            "model.features_method=features",
            "head.replace=classifier",
            "stages.0.epochs=8",
            "groups=[{name: body, match: [\"body.*\"]}, {name: out, match: [\"out.*\"]},"
                + " {name: head, match: [\"head.*\"]}]",
            "stages=[{epochs: 8, train: [body, head]}]",
            "task.loss=huber",
            "task.delta=20",
            "monitor.sinks=[jsonl]",
            "output.dir=" + out);
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("(10 features, a new linear head of 1 output)"), r::toString);
    JsonNode meta = JSON.readTree(out.resolve("model/finetune4j-model.json").toFile());
    assertEquals("features", meta.at("/module/method").asText());
    assertEquals(16, meta.at("/module/outputs").asInt());
    assertTrue(summary(out).at("/test_metrics/r2").asDouble() > 0, r::toString);
    CliResult p = CliResult.run("predict", out.toString(), "--input", "data/diabetes/valid.csv");
    assertEquals(0, p.code(), p::toString);
    assertEquals(70, p.out().lines().count());
    CliResult bad = CliResult.run("validate", DIABETES, "model.features_method=nope");
    assertEquals(2, bad.code(), bad::toString);
    assertNotNull(bad.err());
    assertTrue(
        bad.err()
            .contains(
                "model.features_method: the module has no method 'nope' (its"
                    + " methods: [features, forward])"),
        bad::toString);
  }
}
