package io.github.finetune4j.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * The sub-blocks of {@link BertEncoderBlock}, one per Hugging Face {@code nn.Module}, named like
 * their Python attributes so that parameter names come out as {@code
 * encoder.layer.0.attention.self.query.weight}.
 *
 * <p>Each block initializes its own children from its input shapes and implements its part of the
 * forward pass; the tree is:
 *
 * <pre>
 * embeddings: word_embeddings, position_embeddings, token_type_embeddings, LayerNorm
 * encoder.layer.N: attention.self.{query,key,value}, attention.output.{dense,LayerNorm},
 *                  intermediate.dense, output.{dense,LayerNorm}
 * </pre>
 */
final class BertModules {

  /**
   * Additive attention-mask value for padded keys. Large enough that {@code exp} underflows to
   * exactly zero next to real scores, small enough to stay finite in float16.
   */
  static final float MASK_VALUE = -10000f;

  private BertModules() {}

  /**
   * A 0-dimensional float32 tensor holding {@code value}, in storage that libtorch allocates and
   * owns, attached to {@code like}'s manager.
   *
   * <p>Use it instead of DJL's {@code x.div(Number)}, {@code x.mul(Number)} and the like wherever
   * {@code x} may require gradients. DJL's PyTorch engine turns the {@code Number} into a tensor
   * with {@code torch::from_blob} over a Java direct {@code ByteBuffer} that only the temporary
   * Java array keeps alive, and closes that array as soon as the operation returns. Autograd,
   * however, saves the scalar for the backward pass ({@code DivBackward0} keeps the divisor): once
   * a garbage collection frees the unreachable buffer, the backward pass reads freed memory, and
   * the gradients get scaled by whatever lives there now (1e15..1e20, infinity, NaN). A tensor from
   * {@code full} owns its storage, so autograd's reference keeps it alive. The result is bitwise
   * that of {@code x.div(Number)} (the same float32 0-dim operand).
   */
  static NDArray ownedScalar(NDArray like, float value) {
    return like.getManager().full(new Shape(), value, DataType.FLOAT32, like.getDevice());
  }

  static NDArray dropout(NDArray x, double rate, boolean training) {
    if (!training || rate == 0) {
      return x;
    }
    return Dropout.dropout(x, (float) rate, true).singletonOrThrow();
  }

  static NDArray run(ParameterStore ps, Block block, boolean training, NDArray... inputs) {
    return block.forward(ps, new NDList(inputs), training).singletonOrThrow();
  }

  static LayerNorm layerNorm(BertConfig config) {
    return LayerNorm.builder().axis(2).optEpsilon((float) config.layerNormEps()).build();
  }

  /** A lookup table with one parameter named {@code weight} of shape {@code [count, dim]}. */
  static final class EmbeddingTable extends AbstractBlock {
    private final Parameter weight;
    private final int dim;

    EmbeddingTable(int count, int dim) {
      this.dim = dim;
      weight =
          addParameter(
              Parameter.builder()
                  .setName("weight")
                  .setType(Parameter.Type.WEIGHT)
                  .optShape(new Shape(count, dim))
                  .build());
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      NDArray ids = inputs.singletonOrThrow();
      NDArray w = ps.getValue(weight, ids.getDevice(), training);
      return Embedding.embedding(ids, w, SparseFormat.DENSE);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {inputShapes[0].add(dim)};
    }
  }

  /** {@code embeddings}: word + position + token type, then LayerNorm and dropout. */
  static final class Embeddings extends AbstractBlock {
    private final BertConfig config;
    private final EmbeddingTable word;
    private final EmbeddingTable position;
    private final EmbeddingTable tokenType;
    private final LayerNorm norm;

    Embeddings(BertConfig config) {
      this.config = config;
      word =
          addChildBlock(
              "word_embeddings", new EmbeddingTable(config.vocabSize(), config.hiddenSize()));
      position =
          addChildBlock(
              "position_embeddings",
              new EmbeddingTable(config.maxPositions(), config.hiddenSize()));
      tokenType =
          addChildBlock(
              "token_type_embeddings",
              new EmbeddingTable(config.typeVocabSize(), config.hiddenSize()));
      norm = addChildBlock("LayerNorm", layerNorm(config));
    }

    /** Inputs: input ids {@code [B, T]} int64 and, optionally, token type ids {@code [B, T]}. */
    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      NDArray ids = inputs.get(0);
      long length = ids.getShape().get(1);
      if (length > config.maxPositions()) {
        throw new IllegalArgumentException(
            "sequence length " + length + " exceeds maxPositions " + config.maxPositions());
      }
      NDArray types = inputs.size() > 1 ? inputs.get(1) : ids.zerosLike();
      NDArray positions =
          ids.getManager().arange(0f, (float) length, 1f, DataType.INT64, ids.getDevice());
      NDArray x =
          run(ps, word, training, ids)
              .add(run(ps, position, training, positions))
              .add(run(ps, tokenType, training, types));
      x = run(ps, norm, training, x);
      return new NDList(dropout(x, config.hiddenDropout(), training));
    }

    @Override
    protected void initializeChildBlocks(
        NDManager manager, DataType dataType, Shape... inputShapes) {
      Shape ids = inputShapes[0];
      word.initialize(manager, dataType, ids);
      position.initialize(manager, dataType, new Shape(ids.get(1)));
      tokenType.initialize(manager, dataType, ids);
      norm.initialize(manager, dataType, ids.add(config.hiddenSize()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {inputShapes[0].add(config.hiddenSize())};
    }
  }

  /** {@code attention.self}: multi-head scaled dot-product attention over the query/key/value. */
  static final class SelfAttention extends AbstractBlock {
    private final BertConfig config;
    private final Linear query;
    private final Linear key;
    private final Linear value;

    SelfAttention(BertConfig config) {
      this.config = config;
      query = addChildBlock("query", Linear.builder().setUnits(config.hiddenSize()).build());
      key = addChildBlock("key", Linear.builder().setUnits(config.hiddenSize()).build());
      value = addChildBlock("value", Linear.builder().setUnits(config.hiddenSize()).build());
    }

    /** Inputs: hidden {@code [B, T, H]}, additive mask {@code [B, 1, 1, T]}. */
    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      NDArray x = inputs.get(0);
      NDArray mask = inputs.get(1);
      Shape shape = x.getShape();
      NDArray q = heads(run(ps, query, training, x));
      NDArray k = heads(run(ps, key, training, x));
      NDArray v = heads(run(ps, value, training, x));
      // Divide by an engine-owned scalar, never by a Number: see ownedScalar.
      NDArray scale = ownedScalar(x, (float) Math.sqrt(config.headSize()));
      NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).div(scale).add(mask);
      NDArray probs = dropout(scores.softmax(-1), config.attentionDropout(), training);
      NDArray context = probs.matMul(v).transpose(0, 2, 1, 3).reshape(shape);
      return new NDList(context);
    }

    /** {@code [B, T, H] -> [B, heads, T, headSize]}. */
    private NDArray heads(NDArray x) {
      Shape s = x.getShape();
      return x.reshape(s.get(0), s.get(1), config.numHeads(), config.headSize())
          .transpose(0, 2, 1, 3);
    }

    @Override
    protected void initializeChildBlocks(
        NDManager manager, DataType dataType, Shape... inputShapes) {
      for (Linear l : List.of(query, key, value)) {
        l.initialize(manager, dataType, inputShapes[0]);
      }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {inputShapes[0]};
    }
  }

  /**
   * {@code attention.output} and {@code output}: dense, dropout, residual add, LayerNorm.
   *
   * <p>Inputs: the sub-layer result {@code [B, T, in]} and the residual {@code [B, T, H]}.
   */
  static final class DenseResidualNorm extends AbstractBlock {
    private final BertConfig config;
    private final Linear dense;
    private final LayerNorm norm;

    DenseResidualNorm(BertConfig config) {
      this.config = config;
      dense = addChildBlock("dense", Linear.builder().setUnits(config.hiddenSize()).build());
      norm = addChildBlock("LayerNorm", layerNorm(config));
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      NDArray y =
          dropout(run(ps, dense, training, inputs.get(0)), config.hiddenDropout(), training);
      return new NDList(run(ps, norm, training, y.add(inputs.get(1))));
    }

    @Override
    protected void initializeChildBlocks(
        NDManager manager, DataType dataType, Shape... inputShapes) {
      dense.initialize(manager, dataType, inputShapes[0]);
      norm.initialize(manager, dataType, inputShapes[1]);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {inputShapes[1]};
    }
  }

  /** {@code attention}: self-attention followed by its output projection. */
  static final class Attention extends AbstractBlock {
    private final SelfAttention self;
    private final DenseResidualNorm output;

    Attention(BertConfig config) {
      self = addChildBlock("self", new SelfAttention(config));
      output = addChildBlock("output", new DenseResidualNorm(config));
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      NDArray x = inputs.get(0);
      NDArray context = run(ps, self, training, x, inputs.get(1));
      return new NDList(run(ps, output, training, context, x));
    }

    @Override
    protected void initializeChildBlocks(
        NDManager manager, DataType dataType, Shape... inputShapes) {
      self.initialize(manager, dataType, inputShapes);
      output.initialize(manager, dataType, inputShapes[0], inputShapes[0]);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {inputShapes[0]};
    }
  }

  /** {@code intermediate}: dense to the feed-forward width, then exact (erf) GELU. */
  static final class Intermediate extends AbstractBlock {
    private final BertConfig config;
    private final Linear dense;

    Intermediate(BertConfig config) {
      this.config = config;
      dense = addChildBlock("dense", Linear.builder().setUnits(config.intermediateSize()).build());
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      return new NDList(Activation.gelu(run(ps, dense, training, inputs.singletonOrThrow())));
    }

    @Override
    protected void initializeChildBlocks(
        NDManager manager, DataType dataType, Shape... inputShapes) {
      dense.initialize(manager, dataType, inputShapes[0]);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      Shape s = inputShapes[0];
      return new Shape[] {s.slice(0, s.dimension() - 1).add(config.intermediateSize())};
    }
  }

  /** {@code encoder.layer.N}: attention, then the feed-forward sub-layer. */
  static final class Layer extends AbstractBlock {
    private final BertConfig config;
    private final Attention attention;
    private final Intermediate intermediate;
    private final DenseResidualNorm output;

    /** When set, the layer runs with bfloat16 matrix products through this kernel. */
    private BertKernels kernels;

    Layer(BertConfig config) {
      this.config = config;
      attention = addChildBlock("attention", new Attention(config));
      intermediate = addChildBlock("intermediate", new Intermediate(config));
      output = addChildBlock("output", new DenseResidualNorm(config));
    }

    void setKernels(BertKernels kernels) {
      this.kernels = kernels;
    }

    /** Inputs: hidden {@code [B, T, H]}, additive mask {@code [B, 1, 1, T]}. */
    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      if (kernels != null) {
        return new NDList(
            kernels.layer(
                inputs.get(0),
                inputs.get(1),
                weights(ps, inputs.get(0).getDevice(), training),
                config,
                training));
      }
      NDArray a = run(ps, attention, training, inputs.get(0), inputs.get(1));
      NDArray i = run(ps, intermediate, training, a);
      return new NDList(run(ps, output, training, i, a));
    }

    /** The 16 parameters in the kernel's order, as this pass's parameter store gives them. */
    private NDArray[] weights(ParameterStore ps, ai.djl.Device device, boolean training) {
      List<Block> order =
          List.of(
              attention.self.query,
              attention.self.key,
              attention.self.value,
              attention.output.dense,
              attention.output.norm,
              intermediate.dense,
              output.dense,
              output.norm);
      NDArray[] out = new NDArray[16];
      int i = 0;
      for (Block b : order) {
        for (Parameter p : b.getParameters().values()) {
          out[i++] = ps.getValue(p, device, training);
        }
      }
      if (i != 16) {
        throw new IllegalStateException("a BERT layer has " + i + " parameters, not 16");
      }
      return out;
    }

    @Override
    protected void initializeChildBlocks(
        NDManager manager, DataType dataType, Shape... inputShapes) {
      attention.initialize(manager, dataType, inputShapes);
      intermediate.initialize(manager, dataType, inputShapes[0]);
      output.initialize(
          manager, dataType, intermediate.getOutputShapes(inputShapes)[0], inputShapes[0]);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {inputShapes[0]};
    }
  }

  /** {@code encoder.layer}: the layers, as children named {@code 0, 1, ...}, applied in order. */
  static final class LayerList extends AbstractBlock {
    private final List<Layer> layers = new ArrayList<>();

    LayerList(BertConfig config) {
      for (int i = 0; i < config.numLayers(); i++) {
        layers.add(addChildBlock(Integer.toString(i), new Layer(config)));
      }
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      NDArray x = inputs.get(0);
      NDArray mask = inputs.get(1);
      for (Layer layer : layers) {
        x = run(ps, layer, training, x, mask);
      }
      return new NDList(x);
    }

    @Override
    protected void initializeChildBlocks(
        NDManager manager, DataType dataType, Shape... inputShapes) {
      for (Layer layer : layers) {
        layer.initialize(manager, dataType, inputShapes);
      }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {inputShapes[0]};
    }
  }

  /**
   * {@code encoder}: turns the 0/1 attention mask into an additive one, then runs the layers.
   *
   * <p>Inputs: hidden {@code [B, T, H]} and attention mask {@code [B, T]} (1 = token, 0 = pad).
   */
  static final class Encoder extends AbstractBlock {
    private final LayerList layer;

    Encoder(BertConfig config) {
      layer = addChildBlock("layer", new LayerList(config));
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      return new NDList(layers(ps, inputs.get(0), inputs.get(1), 0, layer.layers.size(), training));
    }

    /** Runs every layer through {@code kernels} (null: DJL's float32 operations). */
    void setKernels(BertKernels kernels) {
      layer.layers.forEach(l -> l.setKernels(kernels));
    }

    /** The number of layers. */
    int size() {
      return layer.layers.size();
    }

    /**
     * Runs layers {@code from} to {@code to - 1} on hidden states {@code [B, T, H]} with the 0/1
     * attention mask {@code [B, T]}.
     */
    NDArray layers(ParameterStore ps, NDArray x, NDArray mask, int from, int to, boolean training) {
      Shape s = mask.getShape();
      NDArray additive =
          mask.toType(x.getDataType(), false)
              .neg()
              .add(1f)
              .mul(MASK_VALUE)
              .reshape(s.get(0), 1, 1, s.get(1));
      for (int i = from; i < to; i++) {
        x = run(ps, layer.layers.get(i), training, x, additive);
      }
      return x;
    }

    @Override
    protected void initializeChildBlocks(
        NDManager manager, DataType dataType, Shape... inputShapes) {
      Shape mask = inputShapes[1];
      layer.initialize(
          manager, dataType, inputShapes[0], new Shape(mask.get(0), 1, 1, mask.get(1)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {inputShapes[0]};
    }
  }
}
