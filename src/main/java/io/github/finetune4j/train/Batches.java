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
   * The length of an example whose inputs vary in length (tokens), or -1 when they do not: a batch
   * is padded to its longest example, and the feature cache keeps each example at its own length so
   * that a batch of cached rows has the shape the uncached batch would have.
   *
   * @param i example index
   * @return its length, or -1
   */
  default int length(int i) {
    return -1;
  }

  /**
   * Whether an example's inputs are the same in every epoch (no random augmentation): only then may
   * the loop cache a frozen prefix's outputs for this split. A split whose {@link #startEpoch}
   * changes its inputs must return false.
   *
   * @return true by default
   */
  default boolean deterministic() {
    return true;
  }

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

  /**
   * The order of a training epoch's examples, from the loop's seeded shuffle: a split whose
   * examples must not share a text within a batch (pairs for in-batch negatives) rearranges it. The
   * shuffle itself by default.
   *
   * @param shuffled a permutation of {@code 0..size-1}, from the run's seeded generator
   * @param batchSize the examples of one forward pass; the loop slices the order into them
   * @return a permutation of {@code 0..size-1}
   */
  default int[] epochOrder(int[] shuffled, int batchSize) {
    return shuffled;
  }

  /**
   * Whether the task's loss is computed on this split's batches. False for a split that is scored
   * only as a whole (an information-retrieval split: its texts have no pairing for a loss); its
   * evaluation's loss is then NaN, and neither a fault nor a value early stopping watches.
   *
   * @return true by default
   */
  default boolean scoresLoss() {
    return true;
  }

  /**
   * Whether the loop may cache a frozen prefix's outputs for this split, one row of outputs per
   * example: {@link #deterministic()} by default; false for a split whose example is several texts.
   *
   * @return whether the split can be cached
   */
  default boolean cacheable() {
    return deterministic();
  }
}
