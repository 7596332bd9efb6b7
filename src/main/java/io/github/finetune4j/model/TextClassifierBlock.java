package io.github.finetune4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
import io.github.finetune4j.model.bert.BertKernels;
import java.util.ArrayList;
import java.util.List;

/**
 * A BERT-family encoder with a classification head: {@code (inputIds, attentionMask[,
 * tokenTypeIds]) -> logits}; without segment ids (single texts) they are all 0.
 *
 * <p>Its direct children are {@code embeddings}, {@code encoder} (the encoder's two halves) and
 * {@code head} (a linear layer), so parameter names read {@code embeddings.word_embeddings.weight},
 * {@code encoder.layer.0.attention.self.query.weight}, ..., {@code head.weight}.
 */
public final class TextClassifierBlock extends AbstractBlock implements Segmented {

  private static final byte VERSION = 1;

  private final BertConfig config;
  private final int numClasses;
  private final String pooling;
  private final float dropout;
  private final Block embeddings;
  private final Block encoder;
  private final Block head;
  private BertKernels kernels;

  /**
   * Creates the block (uninitialized).
   *
   * @param config encoder architecture
   * @param numClasses number of output classes; 0 for no head (an embedding model, whose outputs
   *     are the pooled vectors {@code [B, H]})
   * @param pooling {@code mean}, {@code cls} or {@code max}
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
    if (numClasses > 0) {
      this.head = addChildBlock("head", Linear.builder().setUnits(numClasses).build());
      head.setInitializer(
          new TruncatedNormalInitializer(BertEncoderBlock.INITIALIZER_RANGE),
          Parameter.Type.WEIGHT);
    } else {
      this.head = null; // an embedding model: the pooled vectors are the outputs
    }
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
   * Runs the encoder's layers with bfloat16 matrix products ({@link BertKernels}, loaded into
   * {@code manager}) or, with {@code false}, with DJL's float32 operations again.
   *
   * @param bf16 whether to use bfloat16 products
   * @param manager owns the kernel (e.g. the model's manager)
   */
  public void setBf16(boolean bf16, NDManager manager) {
    if (kernels != null) {
      kernels.close();
      kernels = null;
    }
    if (bf16) {
      kernels = BertKernels.load(manager);
    }
    BertEncoderBlock.useKernels(encoder, kernels);
  }

  /**
   * Whether the encoder runs with bfloat16 matrix products.
   *
   * @return true after {@code setBf16(true, ...)}
   */
  public boolean bf16() {
    return kernels != null;
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
    return forwardSegments(ps, inputs, 0, segments().size(), training);
  }

  /**
   * {@code embeddings}, {@code encoder.layer.0} ... {@code encoder.layer.N-1}, {@code pool} (no
   * parameters), {@code head} (dropout and the linear layer). Up to the pooling a segment's outputs
   * are the hidden states {@code [B, T, H]} and the 0/1 attention mask {@code [B, T]}; then the
   * pooled vectors {@code [B, H]}.
   */
  @Override
  public List<Segment> segments() {
    List<Segment> out = new ArrayList<>();
    out.add(new Segment("embeddings", n -> n.startsWith("embeddings."), true));
    for (int i = 0; i < BertEncoderBlock.layerCount(encoder); i++) {
      String prefix = "encoder.layer." + i + ".";
      out.add(new Segment("encoder.layer." + i, n -> n.startsWith(prefix), true));
    }
    out.add(new Segment("pool", n -> false));
    if (head != null) {
      out.add(new Segment("head", n -> n.startsWith("head.")));
    }
    return out;
  }

  @Override
  public NDList forwardSegments(
      ParameterStore ps, NDList inputs, int from, int to, boolean training) {
    int layers = BertEncoderBlock.layerCount(encoder);
    int pool = layers + 1;
    NDList x = inputs;
    if (from == 0 && to > 0) {
      NDArray ids = x.get(0);
      NDArray mask = x.get(1);
      if (ids.getShape().dimension() != 2 || !ids.getShape().equals(mask.getShape())) {
        throw new IllegalArgumentException(
            "inputIds and attentionMask must both be [batch, length], got "
                + ids.getShape()
                + " and "
                + mask.getShape());
      }
      NDList embedIn = new NDList(ids);
      if (x.size() > 2) { // segment ids of pairs of texts
        if (!x.get(2).getShape().equals(ids.getShape())) {
          throw new IllegalArgumentException(
              "tokenTypeIds must be [batch, length] like inputIds, got " + x.get(2).getShape());
        }
        embedIn.add(x.get(2));
      }
      x = new NDList(embeddings.forward(ps, embedIn, training).singletonOrThrow(), mask);
    }
    int first = Math.max(from, 1) - 1;
    int last = Math.min(to - 1, layers);
    if (last > first) {
      NDArray mask = x.get(1);
      x =
          new NDList(
              BertEncoderBlock.runLayers(ps, encoder, x.get(0), mask, first, last, training), mask);
    }
    if (from <= pool && to > pool) {
      NDArray hidden = x.get(0);
      NDArray mask = x.get(1);
      x = new NDList(BertEncoderBlock.pool(pooling, hidden, mask));
    }
    if (to > pool + 1 && head != null) {
      NDArray pooled = x.singletonOrThrow();
      if (training && dropout > 0) {
        pooled = Dropout.dropout(pooled, dropout, true).singletonOrThrow();
      }
      x = head.forward(ps, new NDList(pooled), training);
    }
    return x;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    BertEncoderBlock.initializeParts(manager, dataType, embeddings, encoder, inputShapes[0]);
    if (head != null) {
      head.initialize(manager, dataType, new Shape(inputShapes[0].get(0), config.hiddenSize()));
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {
      new Shape(inputShapes[0].get(0), head == null ? config.hiddenSize() : numClasses)
    };
  }
}
