package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Fixed-length float feature vectors with class labels (tabular data, flattened images) or, for a
 * regression, float targets: {@link #labels} gives int64 {@code [batch]} class indexes, or float32
 * {@code [batch, targets]} values.
 */
public final class FeatureBatches implements Batches {

  private final float[][] features;
  private final int[] labels;
  private final float[][] targets;
  private final int width;
  private final int targetWidth;

  /**
   * Wraps examples with class labels (not copied).
   *
   * @param features one row per example, all of the same length
   * @param labels class index per example
   */
  public FeatureBatches(float[][] features, int[] labels) {
    this(features, labels, null);
  }

  /**
   * Wraps examples with regression targets (not copied).
   *
   * @param features one row per example, all of the same length
   * @param targets per example, its target values, all rows of the same length (at least one)
   * @return the split
   */
  public static FeatureBatches regression(float[][] features, float[][] targets) {
    return new FeatureBatches(features, null, targets);
  }

  private FeatureBatches(float[][] features, int[] labels, float[][] targets) {
    int n = labels != null ? labels.length : targets.length;
    if (features.length != n) {
      throw new IllegalArgumentException(
          "features and " + (labels != null ? "labels" : "targets") + " differ in length");
    }
    this.width = features.length == 0 ? 0 : features[0].length;
    for (float[] row : features) {
      if (row.length != width) {
        throw new IllegalArgumentException("feature rows differ in length");
      }
    }
    this.targetWidth = targets == null || targets.length == 0 ? 0 : targets[0].length;
    if (targets != null) {
      for (float[] row : targets) {
        if (row.length != targetWidth || row.length == 0) {
          throw new IllegalArgumentException("target rows are empty or differ in length");
        }
      }
    }
    this.features = features;
    this.labels = labels;
    this.targets = targets;
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

  /**
   * Class indexes, int64 {@code [batch]}; or, for a regression, the targets, float32 {@code [batch,
   * targets]}.
   *
   * @param manager owns the array
   * @param idx example indices
   * @return the labels or targets
   */
  @Override
  public NDArray labels(NDManager manager, int[] idx) {
    if (targets != null) {
      float[] flat = new float[idx.length * targetWidth];
      for (int b = 0; b < idx.length; b++) {
        System.arraycopy(targets[idx[b]], 0, flat, b * targetWidth, targetWidth);
      }
      return manager.create(flat, new Shape(idx.length, targetWidth));
    }
    return Batches.classIndexes(manager, labels, idx);
  }
}
