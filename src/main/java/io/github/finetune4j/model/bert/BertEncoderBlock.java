package io.github.finetune4j.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import ai.djl.util.PairList;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A BERT encoder built from DJL {@code Linear}/{@code LayerNorm} blocks and embedding tables, whose
 * parameters carry the Hugging Face names under {@link io.github.finetune4j.params.ParameterNames}:
 * {@code embeddings.word_embeddings.weight}, {@code encoder.layer.0.attention.self.query.weight},
 * ..., {@code encoder.layer.5.output.LayerNorm.bias}.
 *
 * <p>Forward input: {@code inputIds [B, T]} int64, {@code attentionMask [B, T]} int64 (1 = token, 0
 * = padding) and optionally {@code tokenTypeIds [B, T]} int64 (zeros when absent). Output: the last
 * hidden state {@code [B, T, hiddenSize]}. Dropout (rates in {@link BertConfig}) is active only
 * when {@code training} is true. Use {@link #meanPool} for a sentence vector.
 *
 * <p><b>Use inside another block.</b> A block that adds a head (a text classifier) can adopt the
 * two halves of the encoder as its own direct children, so that their parameter names stay {@code
 * embeddings.*} and {@code encoder.*} next to its {@code head.*}:
 *
 * <pre>{@code
 * BertEncoderBlock bert = MiniLmImporter.importEncoder(manager); // or new BertEncoderBlock(cfg)
 * embeddings = addChildBlock("embeddings", bert.getEmbeddings());
 * encoder = addChildBlock("encoder", bert.getEncoder());
 * head = addChildBlock("head", Linear.builder().setUnits(classes).build());
 * // initializeChildBlocks: BertEncoderBlock.initializeParts(manager, type, embeddings, encoder,
 * //                                                           idsShape); head.initialize(...)
 * // forwardInternal: NDArray h = BertEncoderBlock.encode(ps, embeddings, encoder, ids, mask,
 * //                                                      types, training).head();
 * }</pre>
 *
 * Already-loaded parameter arrays survive {@code initialize}: DJL only creates arrays for
 * parameters that have none.
 *
 * <p>Weight initialization: parameters of type {@code WEIGHT} (linear and embedding matrices) use a
 * truncated normal with sigma 0.02, as BERT does; biases and LayerNorm betas start at zero,
 * LayerNorm gammas at one.
 */
public final class BertEncoderBlock extends AbstractBlock {

  /** Standard deviation of BERT's weight initialization ({@code initializer_range}). */
  public static final float INITIALIZER_RANGE = 0.02f;

  private final BertConfig config;
  private final Block embeddings;
  private final Block encoder;

  /**
   * Creates an uninitialized encoder; call {@link #initialize} before use.
   *
   * @param config the shape of the encoder
   */
  public BertEncoderBlock(BertConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    embeddings = addChildBlock("embeddings", new BertModules.Embeddings(config));
    encoder = addChildBlock("encoder", new BertModules.Encoder(config));
    setInitializer(new TruncatedNormalInitializer(INITIALIZER_RANGE), Parameter.Type.WEIGHT);
  }

  /**
   * Returns the configuration the encoder was built with.
   *
   * @return the configuration
   */
  public BertConfig getConfig() {
    return config;
  }

  /**
   * Returns the embeddings half: input {@code (inputIds[, tokenTypeIds])}, output {@code [B, T,
   * H]}.
   *
   * @return the block whose parameters are named {@code word_embeddings.weight}, ...
   */
  public Block getEmbeddings() {
    return embeddings;
  }

  /**
   * Returns the transformer-layer half: input {@code (hidden [B, T, H], attentionMask [B, T])},
   * output {@code [B, T, H]}.
   *
   * @return the block whose parameters are named {@code layer.0.attention.self.query.weight}, ...
   */
  public Block getEncoder() {
    return encoder;
  }

  /**
   * Runs an encoder given as its two halves; the forward pass of this block, reusable by a block
   * that owns the halves as its own children.
   *
   * @param ps the parameter store of the current forward pass
   * @param embeddings the embeddings half ({@link #getEmbeddings()})
   * @param encoder the layer half ({@link #getEncoder()})
   * @param inputIds word-piece ids {@code [B, T]}, int64
   * @param attentionMask 1 for tokens and 0 for padding {@code [B, T]}, int64
   * @param tokenTypeIds segment ids {@code [B, T]}, int64, or {@code null} for all zeros
   * @param training whether dropout is active
   * @return a list holding the last hidden state {@code [B, T, H]}
   */
  public static NDList encode(
      ParameterStore ps,
      Block embeddings,
      Block encoder,
      NDArray inputIds,
      NDArray attentionMask,
      NDArray tokenTypeIds,
      boolean training) {
    if (inputIds.getShape().dimension() != 2
        || !inputIds.getShape().equals(attentionMask.getShape())) {
      throw new IllegalArgumentException(
          "inputIds and attentionMask must both be [batch, length], got "
              + inputIds.getShape()
              + " and "
              + attentionMask.getShape());
    }
    NDList embedIn =
        tokenTypeIds == null ? new NDList(inputIds) : new NDList(inputIds, tokenTypeIds);
    NDArray hidden = embeddings.forward(ps, embedIn, training).singletonOrThrow();
    return encoder.forward(ps, new NDList(hidden, attentionMask), training);
  }

  /**
   * Initializes the two halves of an encoder for inputs of the given shape; what {@link
   * #initialize} does for this block, reusable by a block that owns the halves.
   *
   * @param manager the manager that will own new parameter arrays
   * @param dataType the parameter type, normally {@link DataType#FLOAT32}
   * @param embeddings the embeddings half
   * @param encoder the layer half
   * @param inputIdsShape the shape {@code [B, T]} of the input ids (any positive B and T)
   */
  public static void initializeParts(
      NDManager manager, DataType dataType, Block embeddings, Block encoder, Shape inputIdsShape) {
    embeddings.initialize(manager, dataType, inputIdsShape);
    Shape hidden = embeddings.getOutputShapes(new Shape[] {inputIdsShape})[0];
    encoder.initialize(manager, dataType, hidden, inputIdsShape);
  }

  /**
   * Makes every layer of an encoder's layer half run with bfloat16 matrix products through {@code
   * kernels}, or again with DJL's float32 operations when it is null. The parameters stay float32.
   *
   * @param encoder the layer half ({@link #getEncoder()})
   * @param kernels the loaded kernel, or null
   */
  public static void useKernels(Block encoder, BertKernels kernels) {
    ((BertModules.Encoder) encoder).setKernels(kernels);
  }

  /**
   * The number of layers of an encoder's layer half.
   *
   * @param encoder the layer half ({@link #getEncoder()})
   * @return the layer count
   */
  public static int layerCount(Block encoder) {
    return ((BertModules.Encoder) encoder).size();
  }

  /**
   * Runs some layers of an encoder's layer half: layers {@code from} to {@code to - 1}, as the
   * encoder's own forward pass runs them.
   *
   * @param ps the parameter store of the current forward pass
   * @param encoder the layer half ({@link #getEncoder()})
   * @param hidden hidden states {@code [B, T, H]}
   * @param attentionMask 1 for tokens and 0 for padding {@code [B, T]}
   * @param from the first layer
   * @param to the layer after the last one
   * @param training whether dropout is active
   * @return the hidden states after layer {@code to - 1}
   */
  public static NDArray runLayers(
      ParameterStore ps,
      Block encoder,
      NDArray hidden,
      NDArray attentionMask,
      int from,
      int to,
      boolean training) {
    return ((BertModules.Encoder) encoder).layers(ps, hidden, attentionMask, from, to, training);
  }

  /**
   * Masked mean over the sequence: the sentence embedding of sentence-transformers models.
   *
   * @param hidden the hidden states {@code [B, T, H]}
   * @param attentionMask 1 for tokens and 0 for padding {@code [B, T]}
   * @return {@code [B, H]}, each row the mean of its unmasked token vectors
   */
  public static NDArray meanPool(NDArray hidden, NDArray attentionMask) {
    NDArray mask = attentionMask.toType(hidden.getDataType(), false).expandDims(2);
    NDArray sum = hidden.mul(mask).sum(new int[] {1});
    NDArray count = mask.sum(new int[] {1}).clip(1e-9f, Float.MAX_VALUE);
    return sum.div(count);
  }

  /**
   * Masked max pooling, as sentence-transformers' {@code Pooling(pooling_mode_max_tokens)}: each
   * dimension's largest value over the real tokens (padding is set to -1e9 first).
   *
   * @param hidden {@code [B, T, H]}
   * @param attentionMask {@code [B, T]}, 1 for real tokens
   * @return {@code [B, H]}
   */
  public static NDArray maxPool(NDArray hidden, NDArray attentionMask) {
    NDArray mask = attentionMask.toType(hidden.getDataType(), false).expandDims(2);
    // (mask - 1) * 1e9: 0 on real tokens, -1e9 on padding; the mask needs no gradient
    NDArray penalty =
        mask.sub(hidden.getManager().ones(new Shape(), hidden.getDataType()))
            .mul(hidden.getManager().full(new Shape(), 1e9f, hidden.getDataType()));
    return hidden.add(penalty).max(new int[] {1});
  }

  /**
   * Pools token states into one vector per text.
   *
   * @param pooling {@code mean}, {@code cls} or {@code max}
   * @param hidden {@code [B, T, H]}
   * @param attentionMask {@code [B, T]}
   * @return {@code [B, H]}
   */
  public static NDArray pool(String pooling, NDArray hidden, NDArray attentionMask) {
    return switch (pooling) {
      case "cls" -> hidden.get(new ai.djl.ndarray.index.NDIndex(":, 0, :"));
      case "max" -> maxPool(hidden, attentionMask);
      case "mean" -> meanPool(hidden, attentionMask);
      default -> throw new IllegalArgumentException("unknown pooling '" + pooling + "'");
    };
  }

  /**
   * Sets every parameter from {@code weights}, keyed by dotted Hugging Face name. The block must be
   * initialized; all parameters must be present and every shape must match.
   *
   * @param weights the values by name, e.g. from {@link MiniLmImporter#weights}
   * @throws IllegalArgumentException if a name is unknown or missing, or a shape differs
   */
  public void loadWeights(Map<String, WeightTensor> weights) {
    Set<String> missing = BertWeights.load(this, weights);
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "No weights given for " + missing.size() + " parameters: " + missing);
    }
  }

  /** Inputs: {@code inputIds, attentionMask[, tokenTypeIds]}. */
  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    if (inputs.size() < 2) {
      throw new IllegalArgumentException(
          "BertEncoderBlock needs inputIds and attentionMask, got " + inputs.size() + " inputs");
    }
    NDArray types = inputs.size() > 2 ? inputs.get(2) : null;
    return encode(ps, embeddings, encoder, inputs.get(0), inputs.get(1), types, training);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    initializeParts(manager, dataType, embeddings, encoder, inputShapes[0]);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0].add(config.hiddenSize())};
  }

  @Override
  public String toString() {
    return "BertEncoderBlock" + config;
  }
}
