package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code data.standardize: auto | true | false} (#19): with {@code false} the raw feature values
 * reach the model (the export's own block, run by plain DJL on the raw test rows, gives the run's
 * test accuracy and {@code predict}'s probabilities) and the export records that no transform
 * applies; {@code auto} standardizes for the built-in MLP trained from scratch, feeds a foreign
 * TorchScript module its features as they are, and reuses the transform a Finetune4J export
 * recorded (statistics or none); {@code true} forces it. {@code plan} and {@code summary.json} say
 * which applied and why.
 */
class StandardizeCliTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MLP = "recipes/tabular/breast-cancer-mlp.yaml";
  private static final String DIGITS = "recipes/tabular/digits-transfer.yaml";
  private static final Path TEST = Path.of("data/breast-cancer/test.csv");

  @TempDir static Path tmp;
  private static Path rawRun;
  private static CliResult raw;
  private static Path autoRun;
  private static CliResult auto;

  /** The built-in MLP on the breast-cancer table, 2 epochs: raw features, then the default. */
  @BeforeAll
  static void runBoth() {
    rawRun = tmp.resolve("raw");
    raw =
        CliResult.run(
            "run",
            MLP,
            "data.standardize=false",
            "stages.0.epochs=2",
            "monitor.sinks=[jsonl]",
            "output.dir=" + rawRun);
    autoRun = tmp.resolve("auto");
    auto =
        CliResult.run(
            "run", MLP, "stages.0.epochs=2", "monitor.sinks=[jsonl]", "output.dir=" + autoRun);
  }

  private static JsonNode json(Path file) throws Exception {
    return JSON.readTree(file.toFile());
  }

  @Test
  void withFalseTheRawFeaturesReachTheModelAndTheExportRecordsNoTransform() throws Exception {
    assertEquals(0, raw.code(), raw::toString);
    assertTrue(
        raw.out()
            .contains(
                "30 features fed as they are, not standardized (data.standardize: false);"
                    + " 370/85/114 rows"),
        raw::toString);
    JsonNode s = json(rawRun.resolve("summary.json"));
    assertFalse(s.at("/standardize/applied").asBoolean(true), s::toString);
    assertEquals("data.standardize: false", s.at("/standardize/why").asText());
    JsonNode standardizer = json(rawRun.resolve("model/finetune4j-model.json")).get("standardizer");
    assertEquals("none", standardizer.get("type").asText(), standardizer::toString);
    assertEquals(30, standardizer.get("features").size());
    assertFalse(standardizer.has("mean") || standardizer.has("std"), standardizer::toString);

    // The export's block itself (no translator, no transform) on the raw test rows: its accuracy
    // is the run's test accuracy, and its probabilities are what predict prints for the file.
    Path export = rawRun.resolve("model");
    List<String> features = DjlCriteriaFeaturesTest.features(export);
    List<float[]> rows = DjlCriteriaFeaturesTest.rows(TEST, features);
    List<String> labels = labels(TEST);
    float[][] probs = blockProbabilities(export, rows);
    List<JsonNode> predicted = DjlCriteriaFeaturesTest.predict(rawRun, TEST.toString());
    assertEquals(rows.size(), predicted.size());
    List<String> classes = List.of("malignant", "benign");
    int correct = 0;
    for (int i = 0; i < rows.size(); i++) {
      int best = probs[i][1] > probs[i][0] ? 1 : 0;
      correct += classes.get(best).equals(labels.get(i)) ? 1 : 0;
      for (int c = 0; c < 2; c++) {
        assertEquals(
            predicted.get(i).at("/probabilities/" + classes.get(c)).asDouble(),
            probs[i][c],
            1e-5,
            "row " + i);
      }
    }
    assertEquals(s.get("test_accuracy").asDouble(), (double) correct / rows.size(), 1e-9);
  }

  @Test
  void autoStandardizesTheBuiltinMlpTrainedFromScratch() throws Exception {
    assertEquals(0, auto.code(), auto::toString);
    assertTrue(
        auto.out().contains("Standardized 30 features (fitted on the 370 training rows)"),
        auto::toString);
    JsonNode s = json(autoRun.resolve("summary.json"));
    assertTrue(s.at("/standardize/applied").asBoolean(false), s::toString);
    assertEquals(
        "data.standardize: auto; builtin mlp (random weights) is trained from scratch",
        s.at("/standardize/why").asText());
    JsonNode standardizer =
        json(autoRun.resolve("model/finetune4j-model.json")).get("standardizer");
    assertEquals("standardize", standardizer.get("type").asText());
    // the two runs saw different inputs
    assertNotEquals(
        json(rawRun.resolve("summary.json")).get("test_loss").asDouble(),
        s.get("test_loss").asDouble());
  }

  @Test
  void autoFeedsAForeignTorchScriptModuleItsFeaturesAsTheyAre() throws Exception {
    CliResult plan = CliResult.run("plan", DIGITS, "data.standardize=auto");
    assertEquals(0, plan.code(), plan::toString);
    assertTrue(
        plan.out()
            .contains(
                "standardize: not applied, features as they are (data.standardize: auto;"
                    + " torchscript models/tabular/digits-bn-body.pt is a pre-trained module not"
                    + " exported by Finetune4J"),
        plan::toString);
    Path out = tmp.resolve("digits-raw");
    CliResult r =
        CliResult.run(
            "run",
            DIGITS,
            "data.standardize=auto",
            "stages.0.epochs=1",
            "stages.1.epochs=1",
            "monitor.sinks=[jsonl]",
            "output.dir=" + out);
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("64 features fed as they are, not standardized"), r::toString);
    assertFalse(json(out.resolve("summary.json")).at("/standardize/applied").asBoolean(true));
    assertEquals(
        "none", json(out.resolve("model/finetune4j-model.json")).at("/standardizer/type").asText());

    // its model.pt, next to the metadata, is a Finetune4J export that recorded raw features
    CliResult again =
        CliResult.run(
            "plan",
            DIGITS,
            "data.standardize=auto",
            "model.path=" + out.resolve("model/model.pt"),
            "--json");
    assertEquals(0, again.code(), again::toString);
    JsonNode word = JSON.readTree(again.out()).get("standardize");
    assertFalse(word.get("applied").asBoolean(true), word::toString);
    assertTrue(
        word.get("why").asText().endsWith("records that its features were fed as they are"),
        word::toString);
  }

  @Test
  void trueForcesStandardizationOfAForeignModule() {
    // the shipped digits recipe says standardize: true (its body was pre-trained that way)
    CliResult plan = CliResult.run("plan", DIGITS);
    assertEquals(0, plan.code(), plan::toString);
    assertTrue(
        plan.out().contains("standardize: applied (data.standardize: true)"), plan::toString);
    CliResult off = CliResult.run("plan", MLP, "data.standardize=false");
    assertTrue(
        off.out()
            .contains(
                "standardize: not applied, features as they are (data.standardize:" + " false)"),
        off::toString);
  }

  @Test
  void autoReusesTheTransformAFinetune4jExportRecorded() throws Exception {
    assertEquals(0, auto.code(), auto::toString);
    Path export = autoRun.resolve("model");
    String djl = "model={type: djl, url: " + export + "}";
    Path out = tmp.resolve("from-export");
    CliResult r =
        CliResult.run(
            "run", MLP, djl, "stages.0.epochs=1", "monitor.sinks=[jsonl]", "output.dir=" + out);
    assertEquals(0, r.code(), r::toString);
    assertTrue(
        r.out().contains("Standardized 30 features (the standardizer recorded in " + export),
        r::toString);
    JsonNode word = json(out.resolve("summary.json")).get("standardize");
    assertTrue(word.get("applied").asBoolean(false), word::toString);
    assertTrue(
        word.get("why").asText().contains("reuses the standardizer recorded"), word::toString);
    // the same statistics, not refitted: the new export records the recorded transform exactly
    assertEquals(
        json(export.resolve("finetune4j-model.json")).get("standardizer"),
        json(out.resolve("model/finetune4j-model.json")).get("standardizer"));

    // an export of raw features stays raw
    assertEquals(0, raw.code(), raw::toString);
    CliResult fromRaw =
        CliResult.run("plan", MLP, "model={type: djl, url: " + rawRun.resolve("model") + "}");
    assertEquals(0, fromRaw.code(), fromRaw::toString);
    assertTrue(fromRaw.out().contains("standardize: not applied"), fromRaw::toString);

    // other feature columns than the recorded ones are refused before anything trains
    CliResult mismatch =
        CliResult.run(
            "validate",
            MLP,
            djl,
            "data.train.features=[\"worst*\", \"mean*\", \"*error\"]",
            "data.valid.features=[\"worst*\", \"mean*\", \"*error\"]",
            "data.test.features=[\"worst*\", \"mean*\", \"*error\"]");
    assertEquals(2, mismatch.code(), mismatch::toString);
    assertTrue(
        mismatch.err().contains("data.standardize: auto reuses the standardizer recorded in"),
        mismatch::toString);
  }

  @Test
  void aValueOutsideTheVocabularyOrForOtherSplitsIsRefused() {
    CliResult maybe = CliResult.run("validate", MLP, "data.standardize=maybe");
    assertEquals(2, maybe.code(), maybe::toString);
    assertTrue(
        maybe.err().contains("data.standardize: 'maybe' is not one of [auto, true, false]"),
        maybe::toString);
    CliResult text = CliResult.run("validate", "recipes/quickstart.yaml", "data.standardize=true");
    assertEquals(2, text.code(), text::toString);
    assertTrue(
        text.err().contains("data.standardize: only the feature columns of csv splits"),
        text::toString);
    CliResult images =
        CliResult.run(
            "validate", "recipes/vision/digits-from-scratch.yaml", "data.standardize=false");
    assertEquals(2, images.code(), images::toString);
    assertTrue(
        images.err().contains("(data.image.mean and data.image.std scale images)"),
        images::toString);
  }

  /** The label column of the breast-cancer file. */
  private static List<String> labels(Path csv) throws Exception {
    List<String> lines = Files.readAllLines(csv);
    int c = List.of(lines.get(0).split(",")).indexOf("diagnosis");
    List<String> out = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      out.add(line.split(",")[c]);
    }
    return out;
  }

  /** Softmax of the exported block's outputs, loaded by plain DJL without a translator. */
  private static float[][] blockProbabilities(Path export, List<float[]> rows) throws Exception {
    Criteria<NDList, NDList> criteria =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optModelPath(export)
            .optTranslator(new NoopTranslator())
            .optEngine("PyTorch")
            .build();
    int width = rows.get(0).length;
    float[] flat = new float[rows.size() * width];
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy(rows.get(i), 0, flat, i * width, width);
    }
    try (ZooModel<NDList, NDList> m = criteria.loadModel();
        ai.djl.inference.Predictor<NDList, NDList> p = m.newPredictor();
        NDManager manager = NDManager.newBaseManager("PyTorch")) {
      NDArray x = manager.create(flat, new Shape(rows.size(), width));
      float[] y = p.predict(new NDList(x)).singletonOrThrow().softmax(1).toFloatArray();
      float[][] out = new float[rows.size()][2];
      for (int i = 0; i < rows.size(); i++) {
        out[i][0] = y[2 * i];
        out[i][1] = y[2 * i + 1];
      }
      return out;
    }
  }
}
