package io.github.finetune4j.model.onnx;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds an ONNX model — inputs, initializers, nodes, outputs — and writes it as the protobuf
 * {@code ModelProto} that ONNX Runtime, {@code onnx.checker} and every other ONNX consumer read,
 * with no protobuf library: the few messages ONNX needs are encoded here, field numbers as in
 * {@code onnx.proto} (IR version {@value #IR_VERSION}, default-domain opset {@value #OPSET}).
 *
 * <p>Names are checked as the graph grows: a node may only read a value that an input, an
 * initializer or an earlier node produced (so the nodes are in topological order, as ONNX
 * requires), and no value is produced twice. Float weights are written as little-endian {@code
 * raw_data} straight from the buffers given, which are not copied.
 *
 * <pre>{@code
 * OnnxGraphBuilder g = new OnnxGraphBuilder("classifier");
 * String x = g.input("features", OnnxGraphBuilder.FLOAT, "batch", 4L);
 * String w = g.initializer("head.weight", new long[] {4, 3}, FloatBuffer.wrap(weightsInByOut));
 * g.output(g.node("MatMul", x, w), "logits", OnnxGraphBuilder.FLOAT, "batch", 3L);
 * g.write(Path.of("model.onnx"));
 * }</pre>
 */
public final class OnnxGraphBuilder {

  /** ONNX IR version written: 8 (ONNX 1.10 to 1.12 write it; every current runtime reads it). */
  public static final int IR_VERSION = 8;

  /** Default-domain opset written: 17 (has {@code LayerNormalization}). */
  public static final int OPSET = 17;

  /** {@code TensorProto.DataType.FLOAT}. */
  public static final int FLOAT = 1;

  /** {@code TensorProto.DataType.INT64}. */
  public static final int INT64 = 7;

  /** {@code TensorProto.DataType.DOUBLE}. */
  public static final int DOUBLE = 11;

  // AttributeProto.AttributeType
  private static final int ATTR_FLOAT = 1;
  private static final int ATTR_INT = 2;
  private static final int ATTR_INTS = 7;

  private final String graphName;
  private final Proto graph = new Proto();
  private final Set<String> values = new HashSet<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();
  private int counter;
  private boolean outputs;

  /**
   * Starts an empty graph.
   *
   * @param graphName the graph's name
   */
  public OnnxGraphBuilder(String graphName) {
    this.graphName = Objects.requireNonNull(graphName, "graphName");
  }

  /**
   * Declares a graph input. A dimension is a {@code Long} (fixed) or a {@code String} (symbolic,
   * dynamic: {@code "batch"}, {@code "sequence"}).
   *
   * @param name the input's name
   * @param elemType {@link #FLOAT} or {@link #INT64}
   * @param dims its dimensions
   * @return the name
   */
  public String input(String name, int elemType, Object... dims) {
    produce(name);
    graph.message(11, valueInfo(name, elemType, dims));
    return name;
  }

  /**
   * Declares a float initializer (a weight).
   *
   * @param name its name
   * @param shape its shape
   * @param data its values in row-major order; the buffer is read when the model is written
   * @return the name
   */
  public String initializer(String name, long[] shape, FloatBuffer data) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    if (n != data.remaining()) {
      throw new IllegalArgumentException(
          name + ": shape needs " + n + " values, got " + data.remaining());
    }
    produce(name);
    Proto t = new Proto();
    for (long d : shape) {
      t.varint(1, d);
    }
    t.varint(2, FLOAT).string(8, name).floats(9, data);
    graph.message(5, t);
    return name;
  }

  /**
   * Declares a float constant of any shape.
   *
   * @param shape its shape ({@code new long[0]} for a scalar)
   * @param values its values
   * @return its generated name
   */
  public String constant(long[] shape, float... values) {
    return initializer(fresh("const"), shape, FloatBuffer.wrap(values.clone()));
  }

  /**
   * Declares an int64 constant of any shape.
   *
   * @param shape its shape ({@code new long[0]} for a scalar)
   * @param values its values
   * @return its generated name
   */
  public String constantInt64(long[] shape, long... values) {
    String name = fresh("const");
    produce(name);
    Proto t = new Proto();
    for (long d : shape) {
      t.varint(1, d);
    }
    t.varint(2, INT64);
    for (long v : values) {
      t.varint(7, v);
    }
    t.string(8, name);
    graph.message(5, t);
    return name;
  }

  /**
   * Declares a float64 constant of any shape (for arithmetic that must round as Java's {@code
   * double} does).
   *
   * @param shape its shape ({@code new long[0]} for a scalar)
   * @param values its values
   * @return its generated name
   */
  public String constantDouble(long[] shape, double... values) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    if (n != values.length) {
      throw new IllegalArgumentException("shape needs " + n + " values, got " + values.length);
    }
    String name = fresh("const");
    produce(name);
    Proto t = new Proto();
    for (long d : shape) {
      t.varint(1, d);
    }
    ByteBuffer raw = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (double v : values) {
      raw.putDouble(v);
    }
    t.varint(2, DOUBLE).string(8, name).bytes(9, raw.array());
    graph.message(5, t);
    return name;
  }

  /**
   * Adds a node with one output and no attributes.
   *
   * @param opType the operator, e.g. {@code MatMul}
   * @param inputs the names of its inputs
   * @return the name of its output
   */
  public String node(String opType, String... inputs) {
    return node(opType, Map.of(), inputs);
  }

  /**
   * Adds a node with one output. Attribute values are {@code Long}/{@code Integer} (INT), {@code
   * Float}/{@code Double} (FLOAT) or {@code long[]} (INTS).
   *
   * @param opType the operator
   * @param attributes its attributes by name
   * @param inputs the names of its inputs ({@code ""} for an optional input left out)
   * @return the name of its output
   */
  public String node(String opType, Map<String, Object> attributes, String... inputs) {
    String out = fresh(opType);
    nodeTo(out, opType, attributes, inputs);
    return out;
  }

  /**
   * Adds a node whose one output has a given name (a graph output's, say).
   *
   * @param output the output's name
   * @param opType the operator
   * @param attributes its attributes by name
   * @param inputs the names of its inputs
   * @return {@code output}
   */
  public String nodeTo(
      String output, String opType, Map<String, Object> attributes, String... inputs) {
    for (String in : inputs) {
      if (!in.isEmpty() && !values.contains(in)) {
        throw new IllegalArgumentException(opType + " reads " + in + ", which nothing produced");
      }
    }
    produce(output);
    Proto n = new Proto();
    for (String in : inputs) {
      n.string(1, in);
    }
    n.string(2, output).string(3, output).string(4, opType);
    attributes.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> n.message(5, attribute(e.getKey(), e.getValue())));
    graph.message(1, n);
    return output;
  }

  /**
   * Declares a graph output, renaming a value with an {@code Identity} node when its name differs.
   *
   * @param value the value to output
   * @param name the output's name
   * @param elemType its element type
   * @param dims its dimensions ({@code Long} or {@code String}, as for inputs)
   */
  public void output(String value, String name, int elemType, Object... dims) {
    if (!value.equals(name)) {
      nodeTo(name, "Identity", Map.of(), value);
    }
    outputs = true;
    graph.message(12, valueInfo(name, elemType, dims));
  }

  /**
   * Adds a {@code metadata_props} entry to the model (ONNX Runtime shows them as custom metadata).
   *
   * @param key the key
   * @param value the value
   */
  public void metadata(String key, String value) {
    metadata.put(key, value);
  }

  /**
   * Writes the model: to a temporary file beside {@code file}, then moved over it, so that a failed
   * write never leaves a file that looks complete.
   *
   * @param file the {@code .onnx} file
   * @throws IOException when writing fails
   */
  public void write(Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
      writeTo(out);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(
        tmp,
        file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Writes the model's bytes.
   *
   * @param out where to
   * @throws IOException when writing fails
   */
  public void writeTo(OutputStream out) throws IOException {
    if (!outputs) {
      throw new IllegalStateException("a graph needs at least one output");
    }
    Proto model = new Proto().varint(1, IR_VERSION);
    model.string(2, "Finetune4J");
    String version = OnnxGraphBuilder.class.getPackage().getImplementationVersion();
    model.string(3, version == null ? "dev" : version);
    Proto g = new Proto();
    g.string(2, graphName);
    model.message(7, g.append(graph));
    model.message(8, new Proto().string(1, "").varint(2, OPSET));
    metadata.forEach((k, v) -> model.message(14, new Proto().string(1, k).string(2, v)));
    model.writeTo(out);
  }

  private static Proto valueInfo(String name, int elemType, Object... dims) {
    Proto shape = new Proto();
    for (Object d : dims) {
      if (d instanceof Number n) {
        shape.message(1, new Proto().varint(1, n.longValue()));
      } else if (d instanceof String s) {
        shape.message(1, new Proto().string(2, s));
      } else {
        throw new IllegalArgumentException("a dimension is a Long or a String, got " + d);
      }
    }
    Proto tensor = new Proto().varint(1, elemType).message(2, shape);
    return new Proto().string(1, name).message(2, new Proto().message(1, tensor));
  }

  private static Proto attribute(String name, Object value) {
    Proto a = new Proto().string(1, name);
    if (value instanceof Float f) {
      a.fixed32(2, Float.floatToRawIntBits(f)).varint(20, ATTR_FLOAT);
    } else if (value instanceof Double d) {
      a.fixed32(2, Float.floatToRawIntBits(d.floatValue())).varint(20, ATTR_FLOAT);
    } else if (value instanceof Long || value instanceof Integer) {
      a.varint(3, ((Number) value).longValue()).varint(20, ATTR_INT);
    } else if (value instanceof long[] ints) {
      for (long i : ints) {
        a.varint(8, i);
      }
      a.varint(20, ATTR_INTS);
    } else {
      throw new IllegalArgumentException(name + ": unsupported attribute value " + value);
    }
    return a;
  }

  private void produce(String name) {
    if (name.isEmpty() || !values.add(name)) {
      throw new IllegalArgumentException("value name empty or produced twice: " + name);
    }
  }

  private String fresh(String prefix) {
    String name;
    do {
      name = prefix + "_" + counter++;
    } while (values.contains(name));
    return name;
  }
}
