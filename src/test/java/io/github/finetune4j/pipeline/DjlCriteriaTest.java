package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.TextClassifierFactory;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An export is a DJL model directory: plain {@code Criteria}, given only its path, loads it (its
 * serving.properties names the block and translator factory) and predicts what {@code finetune
 * predict} does.
 */
class DjlCriteriaTest {

  @TempDir Path tmp;

  @Test
  void plainCriteriaLoadsTheExportAndAgreesWithPredict() throws Exception {
    Path run = TinyExport.write(tmp.resolve("run"), List.of("neg", "neu", "pos"), 11);
    List<String> texts =
        List.of(
            "a fine day",
            "nothing to see here",
            "Cheap meds, click now!",
            "Minutes of Tuesday's meeting");
    List<Prediction> ours = FineTune.predict(run, texts);
    Criteria<String, Classifications> criteria =
        Criteria.builder()
            .setTypes(String.class, Classifications.class)
            .optModelPath(TinyExport.modelDir(run))
            .optTranslatorFactory(new TextClassifierFactory())
            .build();
    try (ZooModel<String, Classifications> model = criteria.loadModel();
        Predictor<String, Classifications> predictor = model.newPredictor()) {
      for (int i = 0; i < texts.size(); i++) {
        Classifications c = predictor.predict(texts.get(i));
        assertEquals(ours.get(i).label(), c.best().getClassName(), texts.get(i));
        for (String cls : List.of("neg", "neu", "pos")) {
          assertEquals(
              ours.get(i).probabilities().get(cls),
              c.get(cls).getProbability(),
              1e-5,
              cls + " of " + texts.get(i));
        }
      }
    }
  }

  /** DJL Serving's convention: only the path; serving.properties names the translator. */
  @Test
  void plainCriteriaOfInputAndOutputFindsTheTranslatorThroughServingProperties() throws Exception {
    Path run = TinyExport.write(tmp.resolve("run2"), List.of("neg", "pos"), 3);
    String text = "Minutes of Tuesday's meeting";
    Prediction ours = FineTune.predict(run, List.of(text)).get(0);
    Criteria<Input, Output> criteria =
        Criteria.builder()
            .setTypes(Input.class, Output.class)
            .optModelPath(TinyExport.modelDir(run))
            .build();
    try (ZooModel<Input, Output> model = criteria.loadModel();
        Predictor<Input, Output> predictor = model.newPredictor()) {
      Input in = new Input();
      in.add(text);
      JsonNode json = new ObjectMapper().readTree(predictor.predict(in).getData().getAsString());
      for (JsonNode c : json) {
        assertEquals(
            ours.probabilities().get(c.get("className").asText()),
            c.get("probability").asDouble(),
            1e-5,
            c.toString());
      }
      assertEquals(2, json.size());
    }
  }
}
