package io.github.finetune4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import ai.djl.util.PairList;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.bert.BertEncoderBlock;

/**
 * A BERT-family encoder with a classification head: {@code (inputIds, attentionMask) -> logits}.
 *
 * <p>Its direct children are {@code embeddings}, {@code encoder} (the encoder's two halves) and
 * {@code head} (a linear layer), so parameter names read {@code embeddings.word_embeddings.weight},
 * {@code encoder.layer.0.attention.self.query.weight}, ..., {@code head.weight}.
 */
public final class TextClassifierBlock extends AbstractBlock {

  private static final byte VERSION = 1;

  private final BertConfig config;
  private final int numClasses;
  private final String pooling;
  private final float dropout;
  private final Block embeddings;
  private final Block encoder;
  private final Block head;

  /**
   * Creates the block (uninitialized).
   *
   * @param config encoder architecture
   * @param numClasses number of output classes
   * @param pooling {@code mean} or {@code cls}
   * @param dropout dropout before the head
   */
  public TextClassifierBlock(BertConfig config, int numClasses, String pooling, double dropout) {
    super(VERSION);
    this.config = config;
    this.numClasses = numClasses;
    this.pooling = pooling;
    this.dropout = (float) dropout;
    BertEncoderBlock bert = new BertEncoderBlock(config);
    this.embeddings = addChildBlock("embeddings", bert.getEmbeddings());
    this.encoder = addChildBlock("encoder", bert.getEncoder());
    this.head = addChildBlock("head", Linear.builder().setUnits(numClasses).build());
    head.setInitializer(
        new TruncatedNormalInitializer(BertEncoderBlock.INITIALIZER_RANGE), Parameter.Type.WEIGHT);
  }

  /**
   * The encoder architecture.
   *
   * @return the config
   */
  public BertConfig config() {
    return config;
  }

  /**
   * The number of classes.
   *
   * @return the class count
   */
  public int numClasses() {
    return numClasses;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray ids = inputs.get(0);
    NDArray mask = inputs.get(1);
    NDArray hidden =
        BertEncoderBlock.encode(ps, embeddings, encoder, ids, mask, null, training)
            .singletonOrThrow();
    NDArray pooled =
        "cls".equals(pooling)
            ? hidden.get(new NDIndex(":, 0, :"))
            : BertEncoderBlock.meanPool(hidden, mask);
    if (training && dropout > 0) {
      pooled = Dropout.dropout(pooled, dropout, true).singletonOrThrow();
    }
    return head.forward(ps, new NDList(pooled), training);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    BertEncoderBlock.initializeParts(manager, dataType, embeddings, encoder, inputShapes[0]);
    head.initialize(manager, dataType, new Shape(inputShapes[0].get(0), config.hiddenSize()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), numClasses)};
  }
}
