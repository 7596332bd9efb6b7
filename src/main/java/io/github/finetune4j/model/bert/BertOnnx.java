package io.github.finetune4j.model.bert;

import io.github.finetune4j.model.onnx.OnnxGraphBuilder;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Writes a BERT-family encoder (and a linear head on its pooled output) as an ONNX graph, the same
 * computation as {@link BertEncoderBlock} and the toolkit's text classifier in inference mode.
 *
 * <p>Inputs, as Hugging Face's ONNX exports and langchain4j, Spring AI and DJL's translators feed
 * them: {@code input_ids}, {@code attention_mask} and {@code token_type_ids}, int64, {@code [batch,
 * sequence]} with both axes dynamic. Two graphs can be written:
 *
 * <ul>
 *   <li>{@link #writeClassifier}: output {@code logits} {@code [batch, classes]} — the model's raw
 *       scores (a classification's softmax, a multi-label model's sigmoid, are the reader's part,
 *       as in Hugging Face's exports);
 *   <li>{@link #writeEncoder}: outputs {@code last_hidden_state} {@code [batch, sequence, hidden]}
 *       first (langchain4j and Spring AI read it and pool it themselves) and {@code
 *       sentence_embedding} {@code [batch, hidden]}, the model's own pooling, L2-normalized when
 *       asked.
 * </ul>
 *
 * <p>The graph uses opset {@value OnnxGraphBuilder#OPSET} operators only: {@code Gather}, {@code
 * Slice}, {@code LayerNormalization}, {@code MatMul}, {@code Softmax}, {@code Erf} (exact GELU) and
 * elementwise arithmetic. Linear weights are stored transposed ({@code [in, out]}) for {@code
 * MatMul}, as PyTorch's exporter does.
 */
public final class BertOnnx {

  private final BertConfig config;
  private final Map<String, WeightTensor> weights;
  private final String pooling;

  /**
   * Prepares a graph writer.
   *
   * @param config the encoder's sizes
   * @param weights the parameters by block name ({@code embeddings.word_embeddings.weight}, ...,
   *     {@code encoder.layer.N.output.LayerNorm.bias}, and for a classifier {@code head.weight}
   *     {@code [classes, hidden]} and {@code head.bias})
   * @param pooling {@code mean} (masked mean over the tokens), {@code cls} (the first token) or
   *     {@code max} (masked max over the tokens)
   */
  public BertOnnx(BertConfig config, Map<String, WeightTensor> weights, String pooling) {
    if (!"mean".equals(pooling) && !"cls".equals(pooling) && !"max".equals(pooling)) {
      throw new IllegalArgumentException("pooling must be mean, cls or max, got " + pooling);
    }
    this.config = config;
    this.weights = Map.copyOf(weights);
    this.pooling = pooling;
  }

  /**
   * Writes the classifier: the encoder, the pooling and the linear head; output {@code logits}.
   *
   * @param file the {@code .onnx} file to write
   * @param metadata entries for the model's {@code metadata_props}
   * @throws IOException when writing fails
   */
  public void writeClassifier(Path file, Map<String, String> metadata) throws IOException {
    OnnxGraphBuilder g = new OnnxGraphBuilder("finetune4j_text_classifier");
    Inputs in = inputs(g);
    String pooled = pool(g, encoder(g, in), in);
    WeightTensor head = weight("head.weight");
    long classes = head.shape()[0];
    String logits =
        g.node("Add", g.node("MatMul", pooled, transposed(g, "head.weight")), bias(g, "head.bias"));
    g.output(logits, "logits", OnnxGraphBuilder.FLOAT, "batch", classes);
    metadata.forEach(g::metadata);
    g.write(file);
  }

  /**
   * Writes the encoder: outputs {@code last_hidden_state} and {@code sentence_embedding}.
   *
   * @param file the {@code .onnx} file to write
   * @param normalize whether {@code sentence_embedding} is L2-normalized (cosine-ready)
   * @param metadata entries for the model's {@code metadata_props}
   * @throws IOException when writing fails
   */
  public void writeEncoder(Path file, boolean normalize, Map<String, String> metadata)
      throws IOException {
    OnnxGraphBuilder g = new OnnxGraphBuilder("finetune4j_text_encoder");
    Inputs in = inputs(g);
    String hidden = encoder(g, in);
    String pooled = pool(g, hidden, in);
    if (normalize) {
      // x / max(||x||, 1e-12), as torch.nn.functional.normalize and sentence-transformers do;
      // at opset 17 ReduceL2 still takes its axes as an attribute (ReduceSum takes an input)
      String norm = g.node("ReduceL2", Map.of("axes", new long[] {-1}, "keepdims", 1L), pooled);
      pooled = g.node("Div", pooled, g.node("Max", norm, g.constant(new long[0], 1e-12f)));
    }
    long h = config.hiddenSize();
    g.output(hidden, "last_hidden_state", OnnxGraphBuilder.FLOAT, "batch", "sequence", h);
    g.output(pooled, "sentence_embedding", OnnxGraphBuilder.FLOAT, "batch", h);
    metadata.forEach(g::metadata);
    g.write(file);
  }

  private record Inputs(String ids, String mask, String types) {}

  private static Inputs inputs(OnnxGraphBuilder g) {
    return new Inputs(
        g.input("input_ids", OnnxGraphBuilder.INT64, "batch", "sequence"),
        g.input("attention_mask", OnnxGraphBuilder.INT64, "batch", "sequence"),
        g.input("token_type_ids", OnnxGraphBuilder.INT64, "batch", "sequence"));
  }

  /** Embeddings and every layer; returns the last hidden state {@code [B, T, H]}. */
  private String encoder(OnnxGraphBuilder g, Inputs in) {
    String words = g.node("Gather", w(g, "embeddings.word_embeddings.weight"), in.ids);
    String length = g.node("Shape", Map.of("start", 1L, "end", 2L), in.ids);
    String positions =
        g.node(
            "Slice",
            w(g, "embeddings.position_embeddings.weight"),
            g.constantInt64(new long[] {1}, 0),
            length,
            g.constantInt64(new long[] {1}, 0));
    String types = g.node("Gather", w(g, "embeddings.token_type_embeddings.weight"), in.types);
    String x = g.node("Add", g.node("Add", words, positions), types);
    x = layerNorm(g, x, "embeddings.LayerNorm");

    // additive mask [B, 1, 1, T]: 0 for tokens, MASK_VALUE for padding
    String maskF = g.node("Cast", Map.of("to", (long) OnnxGraphBuilder.FLOAT), in.mask);
    String additive =
        g.node(
            "Mul",
            g.node("Sub", g.constant(new long[0], 1f), maskF),
            g.constant(new long[0], BertModules.MASK_VALUE));
    additive = g.node("Unsqueeze", additive, g.constantInt64(new long[] {2}, 1, 2));
    for (int i = 0; i < config.numLayers(); i++) {
      x = layer(g, x, additive, "encoder.layer." + i + ".");
    }
    return x;
  }

  private String layer(OnnxGraphBuilder g, String x, String additive, String p) {
    long heads = config.numHeads();
    long size = config.headSize();
    String split = g.constantInt64(new long[] {4}, 0, 0, heads, size);
    String q = heads(g, linear(g, x, p + "attention.self.query"), split, 0, 2, 1, 3);
    String k = heads(g, linear(g, x, p + "attention.self.key"), split, 0, 2, 3, 1);
    String v = heads(g, linear(g, x, p + "attention.self.value"), split, 0, 2, 1, 3);
    String scores =
        g.node(
            "Add",
            g.node(
                "Div",
                g.node("MatMul", q, k),
                g.constant(new long[0], (float) Math.sqrt(config.headSize()))),
            additive);
    String probs = g.node("Softmax", Map.of("axis", -1L), scores);
    String context =
        g.node("Transpose", Map.of("perm", new long[] {0, 2, 1, 3}), g.node("MatMul", probs, v));
    context =
        g.node("Reshape", context, g.constantInt64(new long[] {3}, 0, 0, config.hiddenSize()));
    String attention =
        layerNorm(
            g,
            g.node("Add", linear(g, context, p + "attention.output.dense"), x),
            p + "attention.output.LayerNorm");
    String inner = gelu(g, linear(g, attention, p + "intermediate.dense"));
    return layerNorm(
        g, g.node("Add", linear(g, inner, p + "output.dense"), attention), p + "output.LayerNorm");
  }

  /** {@code [B, T, H] -> [B, T, heads, size]}, then transposed by {@code perm}. */
  private static String heads(OnnxGraphBuilder g, String x, String split, long... perm) {
    return g.node("Transpose", Map.of("perm", perm), g.node("Reshape", x, split));
  }

  /** Exact GELU: {@code 0.5 x (1 + erf(x / sqrt 2))}. */
  private static String gelu(OnnxGraphBuilder g, String x) {
    String erf = g.node("Erf", g.node("Div", x, g.constant(new long[0], (float) Math.sqrt(2))));
    return g.node(
        "Mul",
        g.node("Mul", x, g.node("Add", erf, g.constant(new long[0], 1f))),
        g.constant(new long[0], 0.5f));
  }

  private String pool(OnnxGraphBuilder g, String hidden, Inputs in) {
    if ("cls".equals(pooling)) {
      return g.node("Gather", Map.of("axis", 1L), hidden, g.constantInt64(new long[0], 0));
    }
    String mask =
        g.node(
            "Unsqueeze",
            g.node("Cast", Map.of("to", (long) OnnxGraphBuilder.FLOAT), in.mask),
            g.constantInt64(new long[] {1}, 2));
    if ("max".equals(pooling)) {
      // padding gets -1e9 first, as BertEncoderBlock.maxPool (opset 17: axes is an attribute)
      String penalty =
          g.node(
              "Mul",
              g.node("Sub", mask, g.constant(new long[0], 1f)),
              g.constant(new long[0], 1e9f));
      return g.node(
          "ReduceMax",
          Map.of("axes", new long[] {1}, "keepdims", 0L),
          g.node("Add", hidden, penalty));
    }
    String axis = g.constantInt64(new long[] {1}, 1);
    String sum = g.node("ReduceSum", Map.of("keepdims", 0L), g.node("Mul", hidden, mask), axis);
    String count =
        g.node(
            "Max",
            g.node("ReduceSum", Map.of("keepdims", 0L), mask, axis),
            g.constant(new long[0], 1e-9f));
    return g.node("Div", sum, count);
  }

  private String linear(OnnxGraphBuilder g, String x, String name) {
    return g.node(
        "Add", g.node("MatMul", x, transposed(g, name + ".weight")), bias(g, name + ".bias"));
  }

  private String layerNorm(OnnxGraphBuilder g, String x, String name) {
    return g.node(
        "LayerNormalization",
        Map.of("axis", -1L, "epsilon", (float) config.layerNormEps()),
        x,
        w(g, name + ".weight"),
        w(g, name + ".bias"));
  }

  private String w(OnnxGraphBuilder g, String name) {
    WeightTensor t = weight(name);
    return g.initializer(name, t.shape(), t.data());
  }

  private String bias(OnnxGraphBuilder g, String name) {
    return w(g, name);
  }

  /** A linear weight {@code [out, in]} stored as {@code [in, out]} for {@code MatMul}. */
  private String transposed(OnnxGraphBuilder g, String name) {
    WeightTensor t = weight(name);
    long[] s = t.shape();
    if (s.length != 2) {
      throw new IllegalArgumentException(name + ": expected a matrix, got " + Arrays.toString(s));
    }
    int rows = Math.toIntExact(s[0]);
    int cols = Math.toIntExact(s[1]);
    FloatBuffer src = t.data();
    float[] out = new float[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[c * rows + r] = src.get(r * cols + c);
      }
    }
    return g.initializer(name, new long[] {cols, rows}, FloatBuffer.wrap(out));
  }

  private WeightTensor weight(String name) {
    WeightTensor t = weights.get(name);
    if (t == null) {
      throw new IllegalArgumentException("no parameter " + name + " to export");
    }
    return t;
  }
}
