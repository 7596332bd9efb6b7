package io.github.finetune4j.model.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;

/**
 * One initializer of an ONNX graph: its name, element type, dimensions and little-endian data.
 *
 * <p>The data is a read-only view into the bytes the model was read from when the file stored it as
 * {@code raw_data}, so reading a large model does not copy its weights a second time.
 */
public final class OnnxTensor {

  /** ONNX {@code TensorProto.DataType.FLOAT}. */
  public static final int FLOAT = 1;

  /** ONNX {@code TensorProto.DataType.INT32}. */
  public static final int INT32 = 6;

  /** ONNX {@code TensorProto.DataType.INT64}. */
  public static final int INT64 = 7;

  private final String name;
  private final int dataType;
  private final long[] dims;
  private final ByteBuffer data;

  /**
   * Creates a tensor.
   *
   * @param name the initializer name
   * @param dataType the ONNX element type code ({@link #FLOAT}, {@link #INT64}, ...)
   * @param dims the dimensions, outermost first
   * @param data the elements, little-endian; the buffer is not copied
   */
  public OnnxTensor(String name, int dataType, long[] dims, ByteBuffer data) {
    this.name = name;
    this.dataType = dataType;
    this.dims = dims.clone();
    this.data = data.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Returns the initializer name.
   *
   * @return the name as written in the graph
   */
  public String name() {
    return name;
  }

  /**
   * Returns the ONNX element type code.
   *
   * @return the code, e.g. {@link #FLOAT}
   */
  public int dataType() {
    return dataType;
  }

  /**
   * Returns a copy of the dimensions.
   *
   * @return the dimensions, outermost first; empty for a scalar
   */
  public long[] dims() {
    return dims.clone();
  }

  /**
   * Returns the number of elements, the product of the dimensions.
   *
   * @return the element count
   */
  public long elementCount() {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
  }

  /**
   * Returns the elements of a float tensor as a read-only view.
   *
   * @return a fresh little-endian view positioned at the first element
   * @throws IllegalStateException if the tensor is not {@link #FLOAT}
   */
  public FloatBuffer floats() {
    requireType(FLOAT, "FLOAT");
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
  }

  /**
   * Copies the elements of a float tensor into a new array.
   *
   * @return the elements in row-major order
   */
  public float[] toFloatArray() {
    FloatBuffer fb = floats();
    float[] out = new float[fb.remaining()];
    fb.get(out);
    return out;
  }

  /**
   * Copies the elements of an integer tensor ({@link #INT64} or {@link #INT32}) into a new array.
   *
   * @return the elements in row-major order, widened to {@code long}
   */
  public long[] toLongArray() {
    ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (dataType == INT64) {
      LongBuffer lb = b.asLongBuffer();
      long[] out = new long[lb.remaining()];
      lb.get(out);
      return out;
    }
    requireType(INT32, "INT64 or INT32");
    long[] out = new long[b.remaining() / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.getInt();
    }
    return out;
  }

  private void requireType(int expected, String label) {
    if (dataType != expected) {
      throw new IllegalStateException(
          "ONNX tensor " + name + " has data type " + dataType + ", expected " + label);
    }
  }

  @Override
  public String toString() {
    return "OnnxTensor[" + name + ", type " + dataType + ", dims " + Arrays.toString(dims) + "]";
  }
}
