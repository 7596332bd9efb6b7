package io.github.finetune4j.data;

import java.nio.FloatBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An immutable table of numeric features with, per row, either a class label (classification) or
 * one or more float targets (regression).
 *
 * <p>Memory: the features are held in one {@code float[]} of {@code rows() * featureCount()}
 * values, row after row (row-major), and regression targets likewise in one {@code float[]} of
 * {@code rows() * targetNames().size()} values; {@link #featureBuffer()} and {@link
 * #targetBuffer()} give read-only views of them without copying (for example for {@code
 * NDManager.create(FloatBuffer, Shape)}), while {@link #features()}, {@link #row(int)} and {@link
 * #targets()} return copies.
 */
public final class TabularData {

  private final int rows;
  private final List<String> featureNames;
  private final float[] features;
  private final int[] labels;
  private final List<String> classes;
  private final List<String> targetNames;
  private final float[] targets;

  private TabularData(
      int rows,
      List<String> featureNames,
      float[] features,
      int[] labels,
      List<String> classes,
      List<String> targetNames,
      float[] targets) {
    this.rows = rows;
    this.featureNames = featureNames;
    this.features = features;
    this.labels = labels;
    this.classes = classes;
    this.targetNames = targetNames;
    this.targets = targets;
  }

  /**
   * A classification table; the arrays are copied.
   *
   * @param featureNames the feature column names, in column order, distinct
   * @param features {@code labels.length * featureNames.size()} values, row-major
   * @param labels per row, an index into {@code classes}
   * @param classes the class labels, distinct
   * @return the table
   * @throws IllegalArgumentException when the sizes do not agree, a name repeats, or a label is not
   *     an index into {@code classes}
   */
  public static TabularData classification(
      List<String> featureNames, float[] features, int[] labels, List<String> classes) {
    List<String> names = distinct(featureNames, "feature");
    List<String> cls = distinct(classes, "class");
    checkSize(features.length, labels.length, names.size(), "features");
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= cls.size()) {
        throw new IllegalArgumentException(
            "label "
                + labels[i]
                + " of row "
                + i
                + " is not an index into the "
                + cls.size()
                + " classes");
      }
    }
    return new TabularData(labels.length, names, features.clone(), labels.clone(), cls, null, null);
  }

  /**
   * A regression table; the arrays are copied.
   *
   * @param featureNames the feature column names, in column order, distinct
   * @param features {@code rows * featureNames.size()} values, row-major
   * @param targetNames the target column names, at least one, distinct
   * @param targets {@code rows * targetNames.size()} values, row-major
   * @return the table
   * @throws IllegalArgumentException when the sizes do not agree or a name repeats
   */
  public static TabularData regression(
      List<String> featureNames, float[] features, List<String> targetNames, float[] targets) {
    List<String> names = distinct(featureNames, "feature");
    List<String> tnames = distinct(targetNames, "target");
    if (tnames.isEmpty()) {
      throw new IllegalArgumentException("a regression table needs at least one target");
    }
    if (targets.length % tnames.size() != 0) {
      throw new IllegalArgumentException(
          targets.length + " target values are not a whole number of rows of " + tnames.size());
    }
    int rows = targets.length / tnames.size();
    checkSize(features.length, rows, names.size(), "features");
    return new TabularData(rows, names, features.clone(), null, null, tnames, targets.clone());
  }

  /** A classification table over arrays the caller hands over and no longer touches. */
  static TabularData ownedClassification(
      List<String> featureNames, float[] features, int[] labels, List<String> classes) {
    return new TabularData(
        labels.length,
        List.copyOf(featureNames),
        features,
        labels,
        List.copyOf(classes),
        null,
        null);
  }

  /** A regression table over arrays the caller hands over and no longer touches. */
  static TabularData ownedRegression(
      int rows,
      List<String> featureNames,
      float[] features,
      List<String> targetNames,
      float[] targets) {
    return new TabularData(
        rows, List.copyOf(featureNames), features, null, null, List.copyOf(targetNames), targets);
  }

  /**
   * The same rows, labels and targets with other feature values (same names, same shape).
   *
   * @param newFeatures {@code rows() * featureCount()} values, row-major, handed over
   */
  TabularData withFeatures(float[] newFeatures) {
    return new TabularData(rows, featureNames, newFeatures, labels, classes, targetNames, targets);
  }

  /**
   * The number of rows.
   *
   * @return the rows
   */
  public int rows() {
    return rows;
  }

  /**
   * The number of feature columns.
   *
   * @return the columns
   */
  public int featureCount() {
    return featureNames.size();
  }

  /**
   * The feature column names.
   *
   * @return the names in column order (unmodifiable)
   */
  public List<String> featureNames() {
    return featureNames;
  }

  /**
   * One feature value.
   *
   * @param row the row, from 0
   * @param column the feature column, from 0
   * @return the value
   * @throws IndexOutOfBoundsException outside the table
   */
  public float feature(int row, int column) {
    return features[index(row, column, featureCount())];
  }

  /**
   * The feature values of one row.
   *
   * @param row the row, from 0
   * @return a copy, {@link #featureCount()} values
   * @throws IndexOutOfBoundsException outside the table
   */
  public float[] row(int row) {
    int start = index(row, 0, 1) * featureCount();
    float[] out = new float[featureCount()];
    System.arraycopy(features, start, out, 0, out.length);
    return out;
  }

  /**
   * All feature values, one array per row.
   *
   * @return a copy, {@code rows()} arrays of {@link #featureCount()} values
   */
  public float[][] features() {
    return matrix(features, featureCount());
  }

  /**
   * All feature values without copying.
   *
   * @return a read-only view of {@code rows() * featureCount()} values, row-major, positioned at 0
   */
  public FloatBuffer featureBuffer() {
    return FloatBuffer.wrap(features).asReadOnlyBuffer();
  }

  /**
   * Whether the rows carry class labels rather than regression targets.
   *
   * @return true for classification
   */
  public boolean isClassification() {
    return labels != null;
  }

  /**
   * The class labels that {@link #label(int)} indexes.
   *
   * @return the classes (unmodifiable)
   * @throws IllegalStateException for regression data
   */
  public List<String> classes() {
    requireClassification();
    return classes;
  }

  /**
   * The class of one row.
   *
   * @param row the row, from 0
   * @return an index into {@link #classes()}
   * @throws IllegalStateException for regression data
   */
  public int label(int row) {
    requireClassification();
    return labels[row];
  }

  /**
   * The class of every row.
   *
   * @return a copy, {@code rows()} indexes into {@link #classes()}
   * @throws IllegalStateException for regression data
   */
  public int[] labels() {
    requireClassification();
    return labels.clone();
  }

  /**
   * The target column names.
   *
   * @return the names in order (unmodifiable)
   * @throws IllegalStateException for classification data
   */
  public List<String> targetNames() {
    requireRegression();
    return targetNames;
  }

  /**
   * One target value.
   *
   * @param row the row, from 0
   * @param target the target, from 0, in the order of {@link #targetNames()}
   * @return the value
   * @throws IllegalStateException for classification data
   * @throws IndexOutOfBoundsException outside the table
   */
  public float target(int row, int target) {
    requireRegression();
    return targets[index(row, target, targetNames.size())];
  }

  /**
   * All target values, one array per row.
   *
   * @return a copy, {@code rows()} arrays of {@code targetNames().size()} values
   * @throws IllegalStateException for classification data
   */
  public float[][] targets() {
    requireRegression();
    return matrix(targets, targetNames.size());
  }

  /**
   * All target values without copying.
   *
   * @return a read-only view of {@code rows() * targetNames().size()} values, row-major
   * @throws IllegalStateException for classification data
   */
  public FloatBuffer targetBuffer() {
    requireRegression();
    return FloatBuffer.wrap(targets).asReadOnlyBuffer();
  }

  /**
   * Some of the rows, for example a training or validation split.
   *
   * @param rowIndexes the rows to keep, in the order wanted; a row may be repeated
   * @return a new table with the same columns (and classes) and those rows
   * @throws IndexOutOfBoundsException for an index outside the table
   */
  public TabularData select(int[] rowIndexes) {
    int f = featureCount();
    float[] feats = new float[Math.multiplyExact(rowIndexes.length, f)];
    int t = targets == null ? 0 : targetNames.size();
    float[] targs = targets == null ? null : new float[Math.multiplyExact(rowIndexes.length, t)];
    int[] labs = labels == null ? null : new int[rowIndexes.length];
    for (int i = 0; i < rowIndexes.length; i++) {
      int r = index(rowIndexes[i], 0, 1);
      System.arraycopy(features, r * f, feats, i * f, f);
      if (labs != null) {
        labs[i] = labels[r];
      } else {
        System.arraycopy(targets, r * t, targs, i * t, t);
      }
    }
    return new TabularData(
        rowIndexes.length, featureNames, feats, labs, classes, targetNames, targs);
  }

  private int index(int row, int column, int columns) {
    if (row < 0 || row >= rows) {
      throw new IndexOutOfBoundsException("row " + row + " of a table of " + rows + " rows");
    }
    if (column < 0 || column >= columns) {
      throw new IndexOutOfBoundsException("column " + column + " of " + columns + " columns");
    }
    return row * columns + column;
  }

  private float[][] matrix(float[] flat, int columns) {
    float[][] out = new float[rows][columns];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(flat, r * columns, out[r], 0, columns);
    }
    return out;
  }

  private void requireClassification() {
    if (labels == null) {
      throw new IllegalStateException("regression data has targets, not class labels");
    }
  }

  private void requireRegression() {
    if (targets == null) {
      throw new IllegalStateException("classification data has class labels, not targets");
    }
  }

  private static List<String> distinct(List<String> names, String what) {
    List<String> copy = List.copyOf(names);
    Set<String> seen = new HashSet<>();
    for (String n : copy) {
      if (!seen.add(n)) {
        throw new IllegalArgumentException("the " + what + " name '" + n + "' repeats");
      }
    }
    return copy;
  }

  private static void checkSize(int length, int rows, int columns, String what) {
    if ((long) rows * columns != length) {
      throw new IllegalArgumentException(
          what + " hold " + length + " values, not " + rows + " rows of " + columns);
    }
  }
}
