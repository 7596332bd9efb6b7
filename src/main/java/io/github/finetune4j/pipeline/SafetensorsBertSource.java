package io.github.finetune4j.pipeline;

import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.model.safetensors.BertCheckpoint;
import io.github.finetune4j.model.safetensors.CheckpointFormatException;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.recipe.SafetensorsModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code model: {type: safetensors, dir}}: a Hugging Face BERT-family checkpoint directory ({@code
 * config.json}, {@code model.safetensors}, {@code tokenizer.json}), F32/F16/BF16.
 */
final class SafetensorsBertSource implements TextEncoderSource {

  private final SafetensorsModel spec;

  SafetensorsBertSource(SafetensorsModel spec) {
    this.spec = spec;
  }

  @Override
  public String describe() {
    return "safetensors " + spec.dir();
  }

  @Override
  public BertConfig config() throws BadInputException {
    try {
      return BertCheckpoint.readConfig(Path.of(spec.dir()).resolve(BertCheckpoint.CONFIG_FILE));
    } catch (IOException e) {
      throw bad(e);
    }
  }

  @Override
  public TextTokenizer tokenizer(int maxLength) throws BadInputException {
    try {
      return TextTokenizer.fromFile(
          Path.of(spec.dir()).resolve(BertCheckpoint.TOKENIZER_FILE), maxLength);
    } catch (IOException | RuntimeException e) {
      throw new BadInputException(
          List.of(
              "model.dir: "
                  + spec.dir()
                  + ": "
                  + BertCheckpoint.TOKENIZER_FILE
                  + " is not a usable tokenizer ("
                  + e.getMessage()
                  + ")"));
    }
  }

  @Override
  public Map<String, WeightTensor> weights() throws BadInputException {
    try (BertCheckpoint checkpoint = BertCheckpoint.open(Path.of(spec.dir()))) {
      return checkpoint.weights();
    } catch (IOException e) {
      throw bad(e);
    }
  }

  /** One line per problem: a config.json with several wrong fields gives several lines. */
  private BadInputException bad(IOException e) {
    List<String> problems =
        e instanceof CheckpointFormatException c ? c.problems() : List.of(e.getMessage());
    return new BadInputException(problems.stream().map(p -> "model.dir: " + p).toList());
  }
}
