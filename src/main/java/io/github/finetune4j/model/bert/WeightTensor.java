package io.github.finetune4j.model.bert;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Float values for one parameter, in row-major order, with the shape they have.
 *
 * @param shape the dimensions, outermost first (PyTorch layout: a linear weight is {@code [out,
 *     in]})
 * @param data the values; read from its position, never modified
 */
public record WeightTensor(long[] shape, FloatBuffer data) {

  /** Checks that the data holds exactly the number of elements the shape says. */
  public WeightTensor {
    shape = shape.clone();
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    if (n != data.remaining()) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.remaining());
    }
  }

  /**
   * Wraps an array without copying it.
   *
   * @param data the values, row-major
   * @param shape the dimensions
   * @return the tensor
   */
  public static WeightTensor of(float[] data, long... shape) {
    return new WeightTensor(shape, FloatBuffer.wrap(data));
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public FloatBuffer data() {
    return data.duplicate();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WeightTensor w && Arrays.equals(shape, w.shape) && data.equals(w.data);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(shape) * 31 + data.hashCode();
  }

  @Override
  public String toString() {
    return "WeightTensor" + Arrays.toString(shape);
  }
}
