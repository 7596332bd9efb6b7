package io.github.finetune4j.pipeline;

import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.bert.BertEncoderBlock;
import io.github.finetune4j.model.bert.HfBertNames;
import io.github.finetune4j.model.bert.MiniLmImporter;
import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.model.onnx.OnnxGraph;
import io.github.finetune4j.model.onnx.OnnxModelReader;
import io.github.finetune4j.model.safetensors.BertCheckpoint;
import io.github.finetune4j.model.safetensors.CheckpointFormatException;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.recipe.BertOnnxModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code model: {type: bert-onnx, path, config, tokenizer}}: any BERT-family ONNX export (its
 * initializers read without ONNX Runtime) with its Hugging Face {@code config.json} and {@code
 * tokenizer.json}.
 *
 * <p>The config.json's fields and defaults are those of {@link BertCheckpoint#readConfig} (see
 * docs/models.md). Every problem of the config.json is one line of the report, and a config.json
 * whose sizes differ from the ONNX file's is said in one sentence per size, with both numbers.
 */
final class OnnxBertSource implements TextEncoderSource {

  private final BertOnnxModel spec;

  OnnxBertSource(BertOnnxModel spec) {
    this.spec = spec;
  }

  @Override
  public String describe() {
    return "bert-onnx " + spec.path();
  }

  @Override
  public BertConfig config() throws BadInputException {
    try {
      return BertCheckpoint.readConfig(Path.of(spec.config()));
    } catch (IOException e) {
      throw badConfig(e);
    }
  }

  private static BadInputException badConfig(IOException e) {
    List<String> problems =
        e instanceof CheckpointFormatException c ? c.problems() : List.of(e.getMessage());
    return new BadInputException(problems.stream().map(p -> "model.config: " + p).toList());
  }

  @Override
  public TextTokenizer tokenizer(int maxLength) throws BadInputException {
    try {
      return TextTokenizer.fromFile(Path.of(spec.tokenizer()), maxLength);
    } catch (IOException | RuntimeException e) {
      throw new BadInputException(
          List.of(
              "model.tokenizer: "
                  + spec.tokenizer()
                  + ": not a usable tokenizer.json ("
                  + e.getMessage()
                  + ")"));
    }
  }

  /**
   * Reads the ONNX file, checks its sizes against the config.json (one sentence per size that
   * differs, e.g. {@code model.config: config.json says 6 layers (num_hidden_layers), model.onnx
   * has 12}) and that it holds every parameter of the encoder, and returns the encoder's weights (a
   * pooler or other tensors outside the encoder are left out).
   */
  @Override
  public Map<String, WeightTensor> weights() throws BadInputException {
    Path onnx = Path.of(spec.path());
    OnnxGraph graph;
    Map<String, long[]> shapes;
    try {
      graph = OnnxModelReader.read(onnx);
      shapes = MiniLmImporter.shapes(graph);
    } catch (IOException | IllegalArgumentException e) {
      throw badPath(e.getMessage());
    }
    BertConfig config;
    try {
      config = BertCheckpoint.checkSizes(Path.of(spec.config()), onnx, shapes);
    } catch (IOException e) {
      throw badConfig(e);
    }
    Set<String> params = ParameterNames.of(new BertEncoderBlock(config)).keySet();
    List<String> missing = params.stream().filter(p -> !shapes.containsKey(p)).toList();
    List<String> unknown =
        shapes.keySet().stream()
            .filter(
                n ->
                    HfBertNames.isEncoderName(n)
                        && !params.contains(n)
                        && !HfBertNames.isSkippable(n))
            .toList();
    List<String> problems = new ArrayList<>();
    String name = String.valueOf(onnx.getFileName());
    if (!missing.isEmpty()) {
      problems.add(
          "model.path: "
              + name
              + " has no tensor for "
              + missing.size()
              + " parameter(s) of the encoder: "
              + listed(missing)
              + " (expected Hugging Face names, and linear weights read by MatMul nodes named"
              + " like /encoder/layer.0/attention/self/query/MatMul, as torch.onnx.export of a"
              + " BertModel writes them)");
    }
    if (!unknown.isEmpty()) {
      problems.add(
          "model.path: "
              + name
              + " has "
              + unknown.size()
              + " tensor(s) the encoder has no parameter for: "
              + listed(unknown));
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(problems);
    }
    try {
      Map<String, WeightTensor> out = new LinkedHashMap<>();
      MiniLmImporter.weights(graph)
          .forEach(
              (n, w) -> {
                if (params.contains(n)) {
                  out.put(n, w);
                }
              });
      return out;
    } catch (IllegalArgumentException e) {
      throw badPath(e.getMessage());
    }
  }

  private BadInputException badPath(String message) {
    return new BadInputException(List.of("model.path: " + spec.path() + ": " + message));
  }

  private static String listed(List<String> names) {
    String shown = names.stream().limit(5).collect(Collectors.joining(", "));
    return names.size() > 5 ? shown + " and " + (names.size() - 5) + " more" : shown;
  }
}
