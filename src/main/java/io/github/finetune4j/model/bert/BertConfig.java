package io.github.finetune4j.model.bert;

/**
 * The shape of a BERT encoder, as in a Hugging Face {@code config.json}.
 *
 * <p>Serializes with Jackson as a plain JSON object (it is stored as the block configuration of an
 * exported model).
 *
 * @param vocabSize number of word-piece ids ({@code vocab_size})
 * @param hiddenSize width of every token vector ({@code hidden_size})
 * @param numLayers number of transformer layers ({@code num_hidden_layers})
 * @param numHeads attention heads per layer; must divide {@code hiddenSize}
 * @param intermediateSize width of the feed-forward layer ({@code intermediate_size})
 * @param maxPositions number of learned positions ({@code max_position_embeddings})
 * @param typeVocabSize number of token types ({@code type_vocab_size})
 * @param layerNormEps epsilon of every LayerNorm ({@code layer_norm_eps})
 * @param hiddenDropout dropout rate on embeddings and sub-layer outputs, used only in training
 * @param attentionDropout dropout rate on attention probabilities, used only in training
 */
public record BertConfig(
    int vocabSize,
    int hiddenSize,
    int numLayers,
    int numHeads,
    int intermediateSize,
    int maxPositions,
    int typeVocabSize,
    double layerNormEps,
    double hiddenDropout,
    double attentionDropout) {

  /** Default dropout rate of BERT models, on hidden states and attention probabilities. */
  public static final double DEFAULT_DROPOUT = 0.1;

  /** Checks that the sizes are positive and that the heads divide the hidden size. */
  public BertConfig {
    requirePositive("vocabSize", vocabSize);
    requirePositive("hiddenSize", hiddenSize);
    requirePositive("numLayers", numLayers);
    requirePositive("numHeads", numHeads);
    requirePositive("intermediateSize", intermediateSize);
    requirePositive("maxPositions", maxPositions);
    requirePositive("typeVocabSize", typeVocabSize);
    if (hiddenSize % numHeads != 0) {
      throw new IllegalArgumentException(
          "hiddenSize " + hiddenSize + " is not a multiple of numHeads " + numHeads);
    }
    if (!(layerNormEps > 0)) {
      throw new IllegalArgumentException("layerNormEps must be positive, got " + layerNormEps);
    }
    requireRate("hiddenDropout", hiddenDropout);
    requireRate("attentionDropout", attentionDropout);
  }

  /**
   * Creates a configuration with the default dropout rates.
   *
   * @param vocabSize number of word-piece ids
   * @param hiddenSize width of every token vector
   * @param numLayers number of transformer layers
   * @param numHeads attention heads per layer
   * @param intermediateSize width of the feed-forward layer
   * @param maxPositions number of learned positions
   * @param typeVocabSize number of token types
   * @param layerNormEps epsilon of every LayerNorm
   */
  public BertConfig(
      int vocabSize,
      int hiddenSize,
      int numLayers,
      int numHeads,
      int intermediateSize,
      int maxPositions,
      int typeVocabSize,
      double layerNormEps) {
    this(
        vocabSize,
        hiddenSize,
        numLayers,
        numHeads,
        intermediateSize,
        maxPositions,
        typeVocabSize,
        layerNormEps,
        DEFAULT_DROPOUT,
        DEFAULT_DROPOUT);
  }

  /**
   * The configuration of sentence-transformers/all-MiniLM-L6-v2.
   *
   * @return 30522 ids, 384 wide, 6 layers of 12 heads, 1536 feed-forward, 512 positions, 2 types
   */
  public static BertConfig miniLmL6() {
    return new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12);
  }

  /**
   * Width of one attention head.
   *
   * @return {@code hiddenSize / numHeads}
   */
  public int headSize() {
    return hiddenSize / numHeads;
  }

  /**
   * Returns a copy with other dropout rates.
   *
   * @param hidden the hidden dropout rate
   * @param attention the attention dropout rate
   * @return the new configuration
   */
  public BertConfig withDropout(double hidden, double attention) {
    return new BertConfig(
        vocabSize,
        hiddenSize,
        numLayers,
        numHeads,
        intermediateSize,
        maxPositions,
        typeVocabSize,
        layerNormEps,
        hidden,
        attention);
  }

  /**
   * Returns a copy with another number of layers (for small test models).
   *
   * @param layers the number of transformer layers
   * @return the new configuration
   */
  public BertConfig withNumLayers(int layers) {
    return new BertConfig(
        vocabSize,
        hiddenSize,
        layers,
        numHeads,
        intermediateSize,
        maxPositions,
        typeVocabSize,
        layerNormEps,
        hiddenDropout,
        attentionDropout);
  }

  private static void requirePositive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }

  private static void requireRate(String name, double value) {
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException(name + " must be in [0, 1), got " + value);
    }
  }
}
