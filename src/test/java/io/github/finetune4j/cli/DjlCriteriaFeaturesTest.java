package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.model.FeatureModelFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model of feature vectors exported by a run is a DJL model directory too: plain {@code Criteria}
 * loads it (its serving.properties names {@link FeatureModelFactory}) and predicts what {@code
 * finetune predict} does — a regression with the model's own head (diabetes) and a classification
 * with a new head on a BatchNorm body (digits).
 */
class DjlCriteriaFeaturesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  /** The raw feature values of each row of a CSV file with a header, in the given order. */
  static List<float[]> rows(Path csv, List<String> features) throws Exception {
    List<String> lines = Files.readAllLines(csv);
    List<String> header = List.of(lines.get(0).split(","));
    List<float[]> out = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",");
      float[] x = new float[features.size()];
      for (int i = 0; i < x.length; i++) {
        x[i] = Float.parseFloat(cells[header.indexOf(features.get(i))]);
      }
      out.add(x);
    }
    return out;
  }

  static List<String> features(Path modelDir) throws Exception {
    List<String> out = new ArrayList<>();
    JSON.readTree(modelDir.resolve("finetune4j-model.json").toFile())
        .get("standardizer")
        .get("features")
        .forEach(f -> out.add(f.asText()));
    return out;
  }

  static List<JsonNode> predict(Path run, String csv) throws Exception {
    CliResult p = CliResult.run("predict", run.toString(), "--input", csv, "--format", "jsonl");
    assertEquals(0, p.code(), p::toString);
    List<JsonNode> out = new ArrayList<>();
    for (String l : p.out().lines().toList()) {
      out.add(JSON.readTree(l));
    }
    return out;
  }

  @Test
  void aRegressionExportLoadsInPlainDjlAndAgreesWithPredict() throws Exception {
    Path run = tmp.resolve("diabetes");
    CliResult r =
        CliResult.run("run", "recipes/tabular/diabetes-regression.yaml", "output.dir=" + run);
    assertEquals(0, r.code(), r::toString);
    Path model = run.resolve("model");
    List<JsonNode> ours = predict(run, "data/diabetes/test.csv");
    List<float[]> rows = rows(Path.of("data/diabetes/test.csv"), features(model));
    Criteria<float[], float[]> criteria =
        Criteria.builder()
            .setTypes(float[].class, float[].class)
            .optModelPath(model)
            .optTranslatorFactory(new FeatureModelFactory())
            .build();
    try (ZooModel<float[], float[]> m = criteria.loadModel();
        Predictor<float[], float[]> predictor = m.newPredictor()) {
      for (int i = 0; i < rows.size(); i++) {
        double want = ours.get(i).get("progression").asDouble();
        assertEquals(want, predictor.predict(rows.get(i))[0], 1e-4 * Math.abs(want), "row " + i);
      }
    }
    // DJL Serving's types, with only the path: serving.properties supplies everything
    Criteria<Input, Output> serving =
        Criteria.builder().setTypes(Input.class, Output.class).optModelPath(model).build();
    try (ZooModel<Input, Output> m = serving.loadModel();
        Predictor<Input, Output> predictor = m.newPredictor()) {
      ObjectNode row = JSON.createObjectNode();
      List<String> names = features(model);
      for (int i = 0; i < names.size(); i++) {
        row.put(names.get(i), rows.get(0)[i]);
      }
      Input in = new Input();
      in.add(row.toString());
      JsonNode out = JSON.readTree(predictor.predict(in).getData().getAsString());
      double want = ours.get(0).get("progression").asDouble();
      assertEquals(want, out.get("progression").asDouble(), 1e-4 * Math.abs(want));
    }
  }

  @Test
  void aClassificationExportWithANewHeadLoadsInPlainDjlAndAgreesWithPredict() throws Exception {
    Path run = tmp.resolve("digits");
    CliResult r = CliResult.run("run", "recipes/tabular/digits-transfer.yaml", "output.dir=" + run);
    assertEquals(0, r.code(), r::toString);
    Path model = run.resolve("model");
    List<JsonNode> ours = predict(run, "data/digits/test.csv");
    List<float[]> rows = rows(Path.of("data/digits/test.csv"), features(model));
    Criteria<float[], Classifications> criteria =
        Criteria.builder()
            .setTypes(float[].class, Classifications.class)
            .optModelPath(model)
            .optTranslatorFactory(new FeatureModelFactory())
            .build();
    try (ZooModel<float[], Classifications> m = criteria.loadModel();
        Predictor<float[], Classifications> predictor = m.newPredictor()) {
      for (int i = 0; i < rows.size(); i += 7) {
        Classifications c = predictor.predict(rows.get(i));
        JsonNode want = ours.get(i);
        assertEquals(want.get("label").asText(), c.best().getClassName(), "row " + i);
        JsonNode probs = want.get("probabilities");
        probs
            .fieldNames()
            .forEachRemaining(
                k -> assertEquals(probs.get(k).asDouble(), c.get(k).getProbability(), 1e-5, k));
      }
    }
  }
}
