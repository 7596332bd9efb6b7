package io.github.finetune4j.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The ONNX reader and writer under Jazzer (issue #23 item 4). The reader, on any bytes, gives a
 * graph whose tensors hold what their dims say, or an {@link IOException} with a message; any other
 * exception fails. The writer, on any graph of float initializers Jazzer makes up (names, shapes,
 * values — NaN and infinities included), writes bytes the reader reads back to the same names,
 * shapes and bits. A plain test run replays {@code OnnxFuzzTestInputs/<method>/}; {@code
 * JAZZER_FUZZ=1} fuzzes (docs/runs.md).
 */
class OnnxFuzzTest {

  @FuzzTest
  void anyBytesAreAGraphOrAnIOException(byte[] data) {
    try {
      OnnxGraph g = OnnxModelReader.read(ByteBuffer.wrap(data));
      for (OnnxTensor t : g.initializers().values()) {
        long n = 1;
        for (long d : t.dims()) {
          assertTrue(d >= 0, () -> "a negative dimension: " + t);
          n *= d;
        }
        assertEquals(n, t.elementCount(), t.toString());
        if (t.dataType() == OnnxTensor.FLOAT) {
          assertEquals(n, t.toFloatArray().length, t.toString());
        }
      }
    } catch (IOException e) {
      assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "no message");
    }
  }

  @FuzzTest
  void writtenInitializersReadBackBitForBit(FuzzedDataProvider in) throws IOException {
    OnnxGraphBuilder g = new OnnxGraphBuilder(in.consumeString(20));
    String x = g.input("x", OnnxGraphBuilder.FLOAT, "batch", 1L);
    List<String> names = new ArrayList<>();
    List<long[]> shapes = new ArrayList<>();
    List<float[]> values = new ArrayList<>();
    int count = in.consumeInt(0, 4);
    for (int i = 0; i < count; i++) {
      String name = "w" + i + "_" + in.consumeString(12);
      int rank = in.consumeInt(0, 3);
      long[] shape = new long[rank];
      int n = 1;
      for (int d = 0; d < rank; d++) {
        shape[d] = in.consumeInt(0, 5);
        n *= (int) shape[d];
      }
      float[] v = new float[n];
      for (int k = 0; k < n; k++) {
        v[k] = in.consumeFloat();
      }
      g.initializer(name, shape, FloatBuffer.wrap(v));
      names.add(name);
      shapes.add(shape);
      values.add(v);
    }
    g.output(g.node("Identity", x), "y", OnnxGraphBuilder.FLOAT, "batch", 1L);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    g.writeTo(out);
    OnnxGraph read = OnnxModelReader.read(ByteBuffer.wrap(out.toByteArray()));
    assertEquals(names, List.copyOf(read.initializers().keySet()));
    for (int i = 0; i < names.size(); i++) {
      OnnxTensor t = read.initializers().get(names.get(i));
      assertArrayEquals(shapes.get(i), t.dims(), names.get(i));
      float[] got = t.toFloatArray();
      assertEquals(values.get(i).length, got.length, names.get(i));
      for (int k = 0; k < got.length; k++) {
        assertEquals(
            Float.floatToRawIntBits(values.get(i)[k]),
            Float.floatToRawIntBits(got[k]),
            names.get(i));
      }
    }
    assertEquals(List.of("x"), read.inputs());
    assertEquals(List.of("y"), read.outputs());
  }
}
