package io.github.finetune4j.optim;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The optimizer state of one parameter as plain Java arrays, for checkpoints.
 *
 * @param step number of updates applied to the parameter
 * @param shape the parameter's shape; every buffer holds {@code prod(shape)} values, row-major
 * @param buffers state buffers by torch name ({@code exp_avg}, {@code momentum_buffer}, ...)
 */
public record ParamState(long step, long[] shape, Map<String, float[]> buffers) {

  /** Copies the arrays and checks the buffer lengths. */
  public ParamState {
    if (step < 0) {
      throw new IllegalArgumentException("step must be >= 0, got " + step);
    }
    shape = shape.clone();
    long size = 1;
    for (long d : shape) {
      size *= d;
    }
    Map<String, float[]> copy = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : buffers.entrySet()) {
      if (e.getValue().length != size) {
        throw new IllegalArgumentException(
            "buffer "
                + e.getKey()
                + " has "
                + e.getValue().length
                + " values, shape "
                + Arrays.toString(shape)
                + " needs "
                + size);
      }
      copy.put(e.getKey(), e.getValue().clone());
    }
    buffers = Collections.unmodifiableMap(copy);
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }
}
