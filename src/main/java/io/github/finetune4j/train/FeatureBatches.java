package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Fixed-length float feature vectors with class labels (tabular data, flattened images). */
public final class FeatureBatches implements Batches {

  private final float[][] features;
  private final int[] labels;
  private final int width;

  /**
   * Wraps examples (not copied).
   *
   * @param features one row per example, all of the same length
   * @param labels class index per example
   */
  public FeatureBatches(float[][] features, int[] labels) {
    if (features.length != labels.length) {
      throw new IllegalArgumentException("features and labels differ in length");
    }
    this.width = features.length == 0 ? 0 : features[0].length;
    for (float[] row : features) {
      if (row.length != width) {
        throw new IllegalArgumentException("feature rows differ in length");
      }
    }
    this.features = features;
    this.labels = labels;
  }

  @Override
  public int size() {
    return features.length;
  }

  @Override
  public NDList inputs(NDManager manager, int[] idx) {
    float[] flat = new float[idx.length * width];
    for (int b = 0; b < idx.length; b++) {
      System.arraycopy(features[idx[b]], 0, flat, b * width, width);
    }
    return new NDList(manager.create(flat, new Shape(idx.length, width)));
  }

  @Override
  public NDArray labels(NDManager manager, int[] idx) {
    long[] out = new long[idx.length];
    for (int b = 0; b < idx.length; b++) {
      out[b] = labels[idx[b]];
    }
    return manager.create(out);
  }
}
