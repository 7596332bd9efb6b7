package io.github.finetune4j.pipeline;

import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.bert.MiniLmImporter;
import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.model.text.TextTokenizer;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * {@code model: {type: bert-onnx, bundled: all-minilm-l6-v2}}: the all-MiniLM-L6-v2 ONNX file and
 * tokenizer shipped in the langchain4j Maven artifact (on the class path, never downloaded).
 */
final class BundledMiniLmSource implements TextEncoderSource {

  @Override
  public String describe() {
    return "bert-onnx all-minilm-l6-v2 (bundled)";
  }

  @Override
  public BertConfig config() {
    return BertConfig.miniLmL6();
  }

  @Override
  public TextTokenizer tokenizer(int maxLength) throws BadInputException {
    try {
      return TextTokenizer.miniLm(maxLength);
    } catch (IOException e) {
      throw new BadInputException(
          List.of("model.bundled: cannot read the bundled tokenizer: " + e.getMessage()));
    }
  }

  @Override
  public Map<String, WeightTensor> weights() throws BadInputException {
    try {
      return MiniLmImporter.weights(MiniLmImporter.readBundledGraph());
    } catch (IOException e) {
      throw new BadInputException(
          List.of("model.bundled: cannot read the bundled ONNX file: " + e.getMessage()));
    }
  }
}
