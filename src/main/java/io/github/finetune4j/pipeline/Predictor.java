package io.github.finetune4j.pipeline;

import static io.github.finetune4j.pipeline.Exporter.MODEL_CONFIG;
import static io.github.finetune4j.pipeline.Exporter.MODEL_DIR;
import static io.github.finetune4j.pipeline.Exporter.MODEL_NAME;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.pipeline.FineTune.Prediction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Loads an exported run and classifies texts. */
final class Predictor {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Predictor() {}

  static List<Prediction> predict(Path runDir, List<String> texts)
      throws BadInputException, IOException {
    Path dir = Files.isRegularFile(runDir.resolve(MODEL_DIR).resolve(MODEL_CONFIG)) ? runDir.resolve(MODEL_DIR) : runDir;
    if (!Files.isRegularFile(dir.resolve(MODEL_CONFIG))) {
      throw new BadInputException(
          List.of(runDir + ": no exported model here (expected " + MODEL_DIR + "/" + MODEL_CONFIG
              + " written by `finetune run`)"));
    }
    JsonNode cfg = JSON.readTree(dir.resolve(MODEL_CONFIG).toFile());
    BertConfig bert = JSON.treeToValue(cfg.get("bert"), BertConfig.class);
    List<String> classes = new ArrayList<>();
    cfg.get("classes").forEach(c -> classes.add(c.asText()));
    TextClassifierBlock block =
        new TextClassifierBlock(bert, classes.size(), cfg.get("pooling").asText(), cfg.get("dropout").asDouble());
    List<Prediction> out = new ArrayList<>();
    try (Model model = Model.newInstance("finetune4j", Device.cpu());
        TextTokenizer tokenizer = TextTokenizer.fromDirectory(dir, cfg.get("max_length").asInt())) {
      model.setBlock(block);
      try {
        model.load(dir, MODEL_NAME);
      } catch (ai.djl.MalformedModelException e) {
        throw new IOException("the exported model in " + dir + " is damaged: " + e.getMessage(), e);
      }
      ParameterStore ps = new ParameterStore(model.getNDManager(), false);
      for (String text : texts) {
        try (NDScope scope = new NDScope();
            NDManager sm = model.getNDManager().newSubManager()) {
          long[] ids = tokenizer.ids(text);
          NDArray in = sm.create(ids, new Shape(1, ids.length));
          NDArray mask = sm.ones(new Shape(1, ids.length), DataType.INT64);
          float[] p = block.forward(ps, new NDList(in, mask), false).singletonOrThrow().softmax(1).toFloatArray();
          int best = 0;
          Map<String, Double> probs = new LinkedHashMap<>();
          for (int i = 0; i < p.length; i++) {
            probs.put(classes.get(i), (double) p[i]);
            best = p[i] > p[best] ? i : best;
          }
          out.add(new Prediction(text, classes.get(best), probs));
        }
      }
    }
    return out;
  }
}
