package io.github.finetune4j.pipeline;

import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.bert.MiniLmImporter;
import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.model.onnx.OnnxModelReader;
import io.github.finetune4j.model.safetensors.BertCheckpoint;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.recipe.BertOnnxModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code model: {type: bert-onnx, path, config, tokenizer}}: any BERT-family ONNX export (its
 * initializers read without ONNX Runtime) with its Hugging Face {@code config.json} and {@code
 * tokenizer.json}.
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
      throw new BadInputException(List.of("model.config: " + e.getMessage()));
    }
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

  @Override
  public Map<String, WeightTensor> weights() throws BadInputException {
    try {
      return MiniLmImporter.weights(OnnxModelReader.read(Path.of(spec.path())));
    } catch (IOException | IllegalArgumentException e) {
      throw new BadInputException(List.of("model.path: " + spec.path() + ": " + e.getMessage()));
    }
  }
}
