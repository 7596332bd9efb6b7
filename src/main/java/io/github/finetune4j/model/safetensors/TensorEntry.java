package io.github.finetune4j.model.safetensors;

import java.util.Arrays;

/**
 * One tensor as a safetensors header describes it, already checked against the file.
 *
 * @param name the tensor's name in the file
 * @param dtype its element type
 * @param shape its dimensions, outermost first (empty for a scalar)
 * @param begin where its bytes start, relative to the data area (after the header)
 * @param end where its bytes end, exclusive; {@code end - begin} is {@link #byteSize()}
 */
public record TensorEntry(String name, SafetensorsDtype dtype, long[] shape, long begin, long end) {

  /** Copies the shape. */
  public TensorEntry {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /**
   * Returns the number of elements.
   *
   * @return the product of the shape (1 for a scalar)
   */
  public long elementCount() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /**
   * Returns the number of bytes the tensor occupies.
   *
   * @return {@code end - begin}
   */
  public long byteSize() {
    return end - begin;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorEntry t
        && name.equals(t.name)
        && dtype == t.dtype
        && Arrays.equals(shape, t.shape)
        && begin == t.begin
        && end == t.end;
  }

  @Override
  public int hashCode() {
    return (name.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Long.hashCode(begin);
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
  }
}
