package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A training split whose examples are transformed afresh every epoch (image augmentation): in epoch
 * {@code e} (from 1, {@link #startEpoch}) example {@code i} is {@code transform.apply(i, e - 1,
 * base[i])}, so the inputs depend only on the seed inside the transform, the example and the epoch
 * — not on batch composition, timing, or whether the run was resumed.
 */
public final class AugmentedBatches implements Batches {

  /** Makes one example's input for one draw. */
  @FunctionalInterface
  public interface Transform {
    /**
     * Transforms an example.
     *
     * @param example its index
     * @param draw the epoch's index, from 0
     * @param base its untransformed values (not to be changed)
     * @return the input, of the length every input has
     */
    float[] apply(int example, int draw, float[] base);
  }

  private final float[][] base;
  private final int[] labels;
  private int draw;
  private final Transform transform;
  private final int width;

  /**
   * Wraps examples (not copied).
   *
   * @param base one row per example, all of one length
   * @param labels class index per example
   * @param transform the per-draw transform, which keeps the length
   */
  public AugmentedBatches(float[][] base, int[] labels, Transform transform) {
    if (base.length != labels.length) {
      throw new IllegalArgumentException("examples and labels differ in length");
    }
    this.base = base;
    this.labels = labels;
    this.transform = transform;
    this.width = base.length == 0 ? 0 : base[0].length;
  }

  /** Inputs change every epoch: never cached. */
  @Override
  public boolean deterministic() {
    return false;
  }

  @Override
  public void startEpoch(int epoch) {
    draw = epoch - 1;
  }

  @Override
  public int size() {
    return base.length;
  }

  @Override
  public NDList inputs(NDManager manager, int[] idx) {
    float[] flat = new float[idx.length * width];
    for (int b = 0; b < idx.length; b++) {
      int i = idx[b];
      float[] x = transform.apply(i, draw, base[i]);
      if (x.length != width) {
        throw new IllegalStateException("the transform changed the input length");
      }
      System.arraycopy(x, 0, flat, b * width, width);
    }
    return new NDList(manager.create(flat, new Shape(idx.length, width)));
  }

  @Override
  public NDArray labels(NDManager manager, int[] idx) {
    return Batches.classIndexes(manager, labels, idx);
  }
}
