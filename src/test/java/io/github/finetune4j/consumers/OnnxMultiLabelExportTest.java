package io.github.finetune4j.consumers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.pipeline.FineTune;
import io.github.finetune4j.pipeline.Prediction;
import io.github.finetune4j.pipeline.Predictor;
import io.github.finetune4j.pipeline.TinyExport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A multi-label model's ONNX directory: {@code config.json} says {@code
 * multi_label_classification}, so DJL's stock {@code TextClassificationTranslator}, in a JVM with
 * no Finetune4J class, gives each label's sigmoid probability — the probabilities {@code predict}
 * gives, within 1e-5.
 */
class OnnxMultiLabelExportTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void stockDjlGivesEveryLabelsProbabilityAsPredictDoes() throws Exception {
    List<String> labels = List.of("text", "audio", "image");
    Path run = TinyExport.write(tmp.resolve("run"), labels, 11);
    Path model = TinyExport.modelDir(run);
    Path meta = model.resolve("finetune4j-model.json");
    ObjectNode m = (ObjectNode) JSON.readTree(meta.toFile());
    m.put("format", 2).put("family", "text").put("task", "multilabel").put("threshold", 0.5);
    Files.writeString(meta, JSON.writeValueAsString(m));
    TinyExport.reseal(model);
    FineTune.export(
        run,
        List.of("onnx"),
        null,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    Path onnx = model.resolve("onnx");
    assertEquals(
        "multi_label_classification",
        JSON.readTree(onnx.resolve("config.json").toFile()).get("problem_type").asText());
    List<String> texts = List.of("a sound editor", "an image viewer", "plain text tools", "x");
    List<Prediction> predicted;
    try (Predictor p = Predictor.open(run)) {
      predicted = p.predict(texts);
    }
    List<Map<String, Double>> djl =
        ConsumerHarness.classifications(ConsumerHarness.djlIsolated(onnx, "classify", texts));
    double worst = 0;
    for (int i = 0; i < texts.size(); i++) {
      assertEquals(labels.size(), djl.get(i).size(), "every label, not a softmax over them");
      for (String label : labels) {
        worst =
            Math.max(
                worst,
                Math.abs(predicted.get(i).probabilities().get(label) - djl.get(i).get(label)));
      }
    }
    assertTrue(worst <= 1e-5, "max |predict - stock DJL| = " + worst);
  }
}
