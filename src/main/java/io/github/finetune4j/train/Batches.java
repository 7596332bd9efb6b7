package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/** A labelled split the loop can batch: examples by index, made into arrays on demand. */
public interface Batches {

  /**
   * Number of examples.
   *
   * @return the size
   */
  int size();

  /**
   * The model inputs of some examples, as one batch.
   *
   * @param manager owns the arrays
   * @param idx example indices
   * @return the inputs the model's forward takes
   */
  NDList inputs(NDManager manager, int[] idx);

  /**
   * Class labels (int64) of some examples.
   *
   * @param manager owns the array
   * @param idx example indices
   * @return shape {@code [idx.length]}
   */
  NDArray labels(NDManager manager, int[] idx);

  /**
   * Class labels of some examples as int64 {@code [idx.length]}: the common {@link #labels} of a
   * split that holds one class index per example.
   *
   * @param manager owns the array
   * @param labels class index per example
   * @param idx example indices
   * @return the labels
   */
  static NDArray classIndexes(NDManager manager, int[] labels, int[] idx) {
    long[] out = new long[idx.length];
    for (int b = 0; b < idx.length; b++) {
      out[b] = labels[idx[b]];
    }
    return manager.create(out);
  }

  /**
   * Called by the loop before each training epoch (from 1); a split whose inputs change by epoch
   * (augmentation) draws them from it, so that a resumed run sees the same inputs.
   *
   * @param epoch the epoch, from 1
   */
  default void startEpoch(int epoch) {}

  /**
   * The order in which evaluation batches the split (e.g. by length, to pad less).
   *
   * @return a permutation of {@code 0..size-1}
   */
  default int[] evalOrder() {
    int[] out = new int[size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = i;
    }
    return out;
  }
}
