package io.github.finetune4j.pipeline;

import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.model.text.TextTokenizer;
import java.util.Map;

/**
 * A model source of pre-trained BERT-family text encoders: it says the architecture (read without
 * any weight), gives the tokenizer and, when asked, the pre-trained weights by block parameter
 * name. One class per kind of source; {@link ModelSources} registers them.
 */
interface TextEncoderSource extends ModelSource {

  @Override
  default ModelFamily<?> family() {
    return new TextFamily(this);
  }

  @Override
  default InputKind inputKind() {
    return InputKind.TOKEN_IDS;
  }

  /**
   * The encoder's architecture, read without loading any weight (for plan and validate).
   *
   * @return the configuration
   * @throws BadInputException when the configuration cannot be read or is not supported
   */
  BertConfig config() throws BadInputException;

  /**
   * The tokenizer that belongs to the encoder.
   *
   * @param maxLength the most tokens per text
   * @return the tokenizer
   * @throws BadInputException when the tokenizer cannot be read
   */
  TextTokenizer tokenizer(int maxLength) throws BadInputException;

  /**
   * The pre-trained weights by block parameter name ({@code embeddings.*}, {@code encoder.*}).
   *
   * @return the weights
   * @throws BadInputException when the weights cannot be read or do not fit the configuration
   */
  Map<String, WeightTensor> weights() throws BadInputException;
}
