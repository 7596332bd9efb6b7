package io.github.finetune4j.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class OnnxModelReaderTest {

  /** A minimal protobuf writer, enough to hand-build a ModelProto. */
  private static final class Proto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Proto varint(int field, long value) {
      tag(field, 0);
      raw(value);
      return this;
    }

    Proto fixed64(int field, long value) {
      tag(field, 1);
      out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
      return this;
    }

    Proto fixed32(int field, float value) {
      tag(field, 5);
      out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array());
      return this;
    }

    Proto bytes(int field, byte[] value) {
      tag(field, 2);
      raw(value.length);
      out.writeBytes(value);
      return this;
    }

    Proto string(int field, String value) {
      return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    Proto message(int field, Proto value) {
      return bytes(field, value.toBytes());
    }

    Proto packedVarints(int field, long... values) {
      Proto p = new Proto();
      for (long v : values) {
        p.raw(v);
      }
      return bytes(field, p.toBytes());
    }

    private void tag(int field, int wire) {
      raw((long) field << 3 | wire);
    }

    private void raw(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) (v & 0x7F) | 0x80);
        v >>>= 7;
      }
      out.write((int) v);
    }

    byte[] toBytes() {
      return out.toByteArray();
    }
  }

  private static byte[] floatsLe(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  private static byte[] tinyModel() {
    Proto matmul =
        new Proto()
            .string(1, "x")
            .string(1, "W")
            .string(2, "y")
            .string(3, "/encoder/layer.0/attention/self/query/MatMul")
            .string(4, "MatMul")
            .message(5, new Proto().string(1, "alpha").fixed32(2, 1f).varint(20, 1));
    Proto weight =
        new Proto()
            .packedVarints(1, 2, 3)
            .varint(2, OnnxTensor.FLOAT)
            .string(8, "W")
            .bytes(9, floatsLe(1f, 2f, 3f, -4f, 5.5f, 6f));
    Proto packedFloats =
        new Proto()
            .varint(1, 2)
            .varint(2, OnnxTensor.FLOAT)
            .bytes(4, floatsLe(1.5f, -2f))
            .string(8, "b");
    Proto unpackedFloats =
        new Proto().varint(1, 1).varint(2, OnnxTensor.FLOAT).fixed32(4, 0.25f).string(8, "c");
    Proto longs =
        new Proto()
            .varint(1, 3)
            .varint(2, OnnxTensor.INT64)
            .string(8, "shape")
            .packedVarints(7, 1, -1, 300);
    Proto graph =
        new Proto()
            .message(1, matmul)
            .string(2, "tiny")
            .message(5, weight)
            .message(5, packedFloats)
            .message(5, unpackedFloats)
            .message(5, longs)
            .message(11, new Proto().string(1, "x"))
            .message(12, new Proto().string(1, "y"));
    return new Proto()
        .varint(1, 8) // ir_version
        .string(2, "hand") // producer_name
        .fixed64(99, 42L) // an unknown field, skipped by wire type
        .message(7, graph)
        .message(8, new Proto().string(1, "").varint(2, 14)) // opset_import
        .toBytes();
  }

  @Test
  void decodesHandBuiltModel() throws IOException {
    OnnxGraph g = OnnxModelReader.read(new ByteArrayInputStream(tinyModel()));

    assertEquals("tiny", g.name());
    assertEquals(List.of("x"), g.inputs());
    assertEquals(List.of("y"), g.outputs());
    assertEquals(List.of("W", "b", "c", "shape"), List.copyOf(g.initializers().keySet()));

    OnnxTensor w = g.initializers().get("W");
    assertEquals(OnnxTensor.FLOAT, w.dataType());
    assertArrayEquals(new long[] {2, 3}, w.dims());
    assertEquals(6, w.elementCount());
    assertArrayEquals(new float[] {1f, 2f, 3f, -4f, 5.5f, 6f}, w.toFloatArray());
    assertEquals(5.5f, w.floats().get(4));

    assertArrayEquals(new long[] {2}, g.initializers().get("b").dims());
    assertArrayEquals(new float[] {1.5f, -2f}, g.initializers().get("b").toFloatArray());
    assertArrayEquals(new float[] {0.25f}, g.initializers().get("c").toFloatArray());

    OnnxTensor shape = g.initializers().get("shape");
    assertEquals(OnnxTensor.INT64, shape.dataType());
    assertArrayEquals(new long[] {1, -1, 300}, shape.toLongArray());
    assertThrows(IllegalStateException.class, shape::floats);

    assertEquals(1, g.nodes().size());
    OnnxNode n = g.nodes().get(0);
    assertEquals("MatMul", n.opType());
    assertEquals("/encoder/layer.0/attention/self/query/MatMul", n.name());
    assertEquals(List.of("x", "W"), n.inputs());
    assertEquals(List.of("y"), n.outputs());
  }

  @Test
  void rejectsTruncatedAndGraphlessInput() {
    byte[] model = tinyModel();
    byte[] cut = Arrays.copyOf(model, model.length - 30);
    IOException e =
        assertThrows(IOException.class, () -> OnnxModelReader.read(new ByteArrayInputStream(cut)));
    assertTrue(e.getMessage().startsWith("Malformed ONNX protobuf"), e.getMessage());
    byte[] noGraph = new Proto().varint(1, 8).toBytes();
    e =
        assertThrows(
            IOException.class, () -> OnnxModelReader.read(new ByteArrayInputStream(noGraph)));
    assertTrue(e.getMessage().contains("no graph"), e.getMessage());
  }

  @Test
  void readsBundledMiniLm() throws IOException {
    OnnxGraph g;
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2.onnx")) {
      g = OnnxModelReader.read(in);
    }
    assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"), g.inputs());
    assertEquals(List.of("last_hidden_state"), g.outputs());
    // 5 embedding tensors + position_ids, 10 HF-named tensors and 6 MatMul weights per layer.
    assertEquals(6 + 6 * 16, g.initializers().size());
    OnnxTensor word = g.initializers().get("embeddings.word_embeddings.weight");
    assertArrayEquals(new long[] {30522, 384}, word.dims());
    assertEquals(30522L * 384, word.floats().remaining());
    assertArrayEquals(
        new long[] {1536}, g.initializers().get("encoder.layer.5.intermediate.dense.bias").dims());
    long matmulWeights =
        g.nodes().stream()
            .filter(n -> n.opType().equals("MatMul"))
            .filter(n -> g.initializers().containsKey(n.inputs().get(1)))
            .count();
    assertEquals(36, matmulWeights);
    OnnxNode query =
        g.nodes().stream()
            .filter(n -> n.name().equals("/encoder/layer.0/attention/self/query/MatMul"))
            .findFirst()
            .orElseThrow();
    assertTrue(query.inputs().get(1).startsWith("onnx::MatMul_"), query.inputs().toString());
    assertArrayEquals(new long[] {384, 384}, g.initializers().get(query.inputs().get(1)).dims());
  }
}
