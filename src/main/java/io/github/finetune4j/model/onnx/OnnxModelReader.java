package io.github.finetune4j.model.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the graph of an ONNX model file by decoding the protobuf wire format directly.
 *
 * <p>Only the fields needed for weight import are decoded: {@code ModelProto.graph} (7), and in
 * {@code GraphProto} the nodes (1), name (2), initializers (5), inputs (11) and outputs (12). A
 * {@code TensorProto} contributes its dims (1), data_type (2), float_data (4), int32_data (5),
 * int64_data (7), name (8) and raw_data (9). Everything else is skipped by wire type, so newer
 * files with extra fields still read. Tensors stored outside the file ({@code data_location =
 * EXTERNAL}) are rejected with an {@link IOException}.
 *
 * <p>The whole file is read into one byte array; float tensors stored as {@code raw_data} are views
 * into it, so the weights exist once in Java memory.
 */
public final class OnnxModelReader {

  private static final int WIRE_VARINT = 0;
  private static final int WIRE_FIXED64 = 1;
  private static final int WIRE_LEN = 2;
  private static final int WIRE_FIXED32 = 5;

  private OnnxModelReader() {}

  /**
   * Reads the graph of the ONNX model at {@code path}.
   *
   * @param path an {@code .onnx} file
   * @return the decoded graph
   * @throws IOException if the file cannot be read or is not a well-formed ONNX model
   */
  public static OnnxGraph read(Path path) throws IOException {
    return read(ByteBuffer.wrap(Files.readAllBytes(path)));
  }

  /**
   * Reads the graph of an ONNX model from a stream; the stream is read to its end, not closed.
   *
   * @param in the model bytes
   * @return the decoded graph
   * @throws IOException if the stream cannot be read or is not a well-formed ONNX model
   */
  public static OnnxGraph read(InputStream in) throws IOException {
    return read(ByteBuffer.wrap(in.readAllBytes()));
  }

  /**
   * Reads the graph of an ONNX model held in memory. The returned tensors may share the buffer.
   *
   * @param model the serialized {@code ModelProto}, from its position to its limit
   * @return the decoded graph
   * @throws IOException if the bytes are not a well-formed ONNX model
   */
  public static OnnxGraph read(ByteBuffer model) throws IOException {
    try {
      Wire wire = new Wire(model.slice());
      OnnxGraph graph = null;
      while (wire.hasMore()) {
        int tag = wire.varint32();
        if (tag >>> 3 == 7 && (tag & 7) == WIRE_LEN) {
          graph = readGraph(wire.bytes());
        } else {
          wire.skip(tag);
        }
      }
      if (graph == null) {
        throw new IOException("Not an ONNX model: no graph (ModelProto field 7) found");
      }
      return graph;
    } catch (RuntimeException e) {
      throw new IOException("Malformed ONNX protobuf: " + e.getMessage(), e);
    }
  }

  private static OnnxGraph readGraph(ByteBuffer buf) throws IOException {
    Wire wire = new Wire(buf);
    String name = "";
    Map<String, OnnxTensor> initializers = new LinkedHashMap<>();
    List<OnnxNode> nodes = new ArrayList<>();
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    while (wire.hasMore()) {
      int tag = wire.varint32();
      int field = tag >>> 3;
      if ((tag & 7) != WIRE_LEN) {
        wire.skip(tag);
        continue;
      }
      switch (field) {
        case 1 -> nodes.add(readNode(wire.bytes()));
        case 2 -> name = wire.string();
        case 5 -> {
          OnnxTensor t = readTensor(wire.bytes());
          initializers.put(t.name(), t);
        }
        case 11 -> inputs.add(readValueInfoName(wire.bytes()));
        case 12 -> outputs.add(readValueInfoName(wire.bytes()));
        default -> wire.skip(tag);
      }
    }
    return new OnnxGraph(name, initializers, nodes, inputs, outputs);
  }

  private static OnnxNode readNode(ByteBuffer buf) {
    Wire wire = new Wire(buf);
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    String name = "";
    String opType = "";
    while (wire.hasMore()) {
      int tag = wire.varint32();
      if ((tag & 7) != WIRE_LEN) {
        wire.skip(tag);
        continue;
      }
      switch (tag >>> 3) {
        case 1 -> inputs.add(wire.string());
        case 2 -> outputs.add(wire.string());
        case 3 -> name = wire.string();
        case 4 -> opType = wire.string();
        default -> wire.skip(tag);
      }
    }
    return new OnnxNode(name, opType, inputs, outputs);
  }

  private static String readValueInfoName(ByteBuffer buf) {
    Wire wire = new Wire(buf);
    while (wire.hasMore()) {
      int tag = wire.varint32();
      if (tag == (1 << 3 | WIRE_LEN)) {
        return wire.string();
      }
      wire.skip(tag);
    }
    return "";
  }

  private static OnnxTensor readTensor(ByteBuffer buf) throws IOException {
    Wire wire = new Wire(buf);
    List<Long> dims = new ArrayList<>();
    int dataType = 0;
    String name = "";
    ByteBuffer raw = null;
    ByteBuffer floatData = null; // packed little-endian floats, same layout as raw_data
    List<Float> floatList = new ArrayList<>(); // unpacked float_data (rare)
    List<Long> intList = new ArrayList<>(); // int32_data / int64_data
    boolean external = false;
    while (wire.hasMore()) {
      int tag = wire.varint32();
      int field = tag >>> 3;
      int type = tag & 7;
      switch (field) {
        case 1 -> {
          if (type == WIRE_LEN) {
            Wire packed = new Wire(wire.bytes());
            while (packed.hasMore()) {
              dims.add(packed.varint64());
            }
          } else {
            dims.add(wire.varint64());
          }
        }
        case 2 -> dataType = (int) wire.varint64();
        case 4 -> {
          if (type == WIRE_LEN) {
            floatData = wire.bytes();
          } else if (type == WIRE_FIXED32) {
            floatList.add(Float.intBitsToFloat(wire.fixed32()));
          } else {
            wire.skip(tag);
          }
        }
        case 5, 7 -> {
          if (type == WIRE_LEN) {
            Wire packed = new Wire(wire.bytes());
            while (packed.hasMore()) {
              intList.add(field == 5 ? (long) (int) packed.varint64() : packed.varint64());
            }
          } else if (type == WIRE_VARINT) {
            long v = wire.varint64();
            intList.add(field == 5 ? (long) (int) v : v);
          } else {
            wire.skip(tag);
          }
        }
        case 8 -> name = wire.string();
        case 9 -> raw = wire.bytes();
        case 14 -> external = wire.varint64() == 1;
        default -> wire.skip(tag);
      }
    }
    if (external) {
      throw new IOException(
          "ONNX tensor " + name + " stores its data in an external file, which is not supported");
    }
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    ByteBuffer data;
    if (raw != null) {
      data = raw;
    } else if (floatData != null) {
      data = floatData;
    } else if (!floatList.isEmpty()) {
      data = ByteBuffer.allocate(floatList.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (float f : floatList) {
        data.putFloat(f);
      }
      data.flip();
    } else if (!intList.isEmpty()) {
      int width = dataType == OnnxTensor.INT64 ? 8 : 4;
      data = ByteBuffer.allocate(intList.size() * width).order(ByteOrder.LITTLE_ENDIAN);
      for (long v : intList) {
        if (width == 8) {
          data.putLong(v);
        } else {
          data.putInt((int) v);
        }
      }
      data.flip();
    } else {
      data = ByteBuffer.allocate(0);
    }
    requireSize(name, dataType, shape, data.remaining());
    return new OnnxTensor(name, dataType, shape, data);
  }

  /**
   * A tensor of a type this reader decodes must hold exactly as many values as its dims say (a
   * scalar, dims {@code []}, one): a file that declares more or fewer is damaged.
   */
  private static void requireSize(String name, int dataType, long[] shape, int bytes)
      throws IOException {
    long count = 1;
    try {
      for (long d : shape) {
        if (d < 0) {
          throw new IOException(
              "ONNX tensor " + name + " has a negative dimension: " + Arrays.toString(shape));
        }
        count = Math.multiplyExact(count, d);
      }
    } catch (ArithmeticException e) {
      throw new IOException(
          "ONNX tensor "
              + name
              + " declares more values than a file can hold: "
              + Arrays.toString(shape));
    }
    int width =
        dataType == OnnxTensor.FLOAT || dataType == OnnxTensor.INT32
            ? 4
            : dataType == OnnxTensor.INT64 ? 8 : 0;
    if (width > 0 && (bytes % width != 0 || bytes / width != count)) {
      throw new IOException(
          "ONNX tensor "
              + name
              + " declares dims "
              + Arrays.toString(shape)
              + " ("
              + count
              + " values) but holds "
              + bytes
              + " bytes of data");
    }
  }

  /** A cursor over protobuf wire-format bytes. */
  private static final class Wire {
    private final ByteBuffer buf;

    Wire(ByteBuffer buf) {
      this.buf = buf.order(ByteOrder.LITTLE_ENDIAN);
    }

    boolean hasMore() {
      return buf.hasRemaining();
    }

    long varint64() {
      long result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte b = buf.get();
        result |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return result;
        }
      }
      throw new IllegalStateException("varint longer than 10 bytes at " + buf.position());
    }

    int varint32() {
      return (int) varint64();
    }

    int fixed32() {
      return buf.getInt();
    }

    /** Returns the next length-delimited field as a view, and moves past it. */
    ByteBuffer bytes() {
      long len = varint64();
      if (len < 0 || len > buf.remaining()) {
        throw new IllegalStateException(
            "field length " + len + " exceeds the " + buf.remaining() + " bytes left");
      }
      ByteBuffer view = buf.slice();
      view.limit((int) len);
      buf.position(buf.position() + (int) len);
      return view;
    }

    String string() {
      ByteBuffer b = bytes();
      byte[] a = new byte[b.remaining()];
      b.get(a);
      return new String(a, StandardCharsets.UTF_8);
    }

    void skip(int tag) {
      switch (tag & 7) {
        case WIRE_VARINT -> varint64();
        case WIRE_FIXED64 -> buf.position(buf.position() + 8);
        case WIRE_LEN -> bytes();
        case WIRE_FIXED32 -> buf.position(buf.position() + 4);
        default ->
            throw new IllegalStateException(
                "unsupported wire type " + (tag & 7) + " for field " + (tag >>> 3));
      }
    }
  }
}
