package io.github.finetune4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Per-feature standardization {@code (x - mean) / std}, fitted on a training split and applied to
 * every split and at prediction time.
 *
 * <p>The mean and the population standard deviation (divided by the row count, not by one less) are
 * accumulated in double precision in two passes. A constant column (every value the same) gets
 * standard deviation 1 and its own value as mean, so that it maps to exactly 0; {@link
 * #constantColumns()} lists such columns.
 *
 * <p>{@link #identity} is the transform of features fed as they are ({@code data.standardize:
 * false}, or a pre-trained module that was not trained on standardized inputs): it keeps the
 * feature names and changes no value, and its JSON says that no transform applies ({@code {"type":
 * "none", "features": [...]}}).
 */
public final class Standardizer {

  /** The value of the {@code type} field that {@link #toJson()} writes. */
  public static final String TYPE = "standardize";

  /** The value of the {@code type} field of the identity ({@link #identity}): no transform. */
  public static final String NONE = "none";

  private final List<String> featureNames;
  private final double[] means;
  private final double[] stds;
  private final List<String> constantColumns;
  private final boolean identity;

  private Standardizer(
      List<String> featureNames,
      double[] means,
      double[] stds,
      List<String> constantColumns,
      boolean identity) {
    this.featureNames = List.copyOf(featureNames);
    this.means = means;
    this.stds = stds;
    this.constantColumns = List.copyOf(constantColumns);
    this.identity = identity;
  }

  /**
   * The identity on these features: every value is kept as it is (mean 0, standard deviation 1, no
   * constant columns), and {@link #toJson()} records that no transform applies.
   *
   * @param featureNames the feature columns, in the order the model reads them
   * @return the identity
   * @throws IllegalArgumentException when a name repeats
   */
  public static Standardizer identity(List<String> featureNames) {
    if (new HashSet<>(featureNames).size() != featureNames.size()) {
      throw new IllegalArgumentException("standardizer: field 'features' repeats a name");
    }
    double[] ones = new double[featureNames.size()];
    Arrays.fill(ones, 1.0);
    return new Standardizer(featureNames, new double[featureNames.size()], ones, List.of(), true);
  }

  /**
   * Whether this is the identity ({@link #identity}): the features are fed as they are.
   *
   * @return true when no transform applies
   */
  public boolean isIdentity() {
    return identity;
  }

  /**
   * Fits on the features of a training split.
   *
   * @param train the rows to compute the statistics from
   * @return the fitted standardizer
   * @throws IllegalArgumentException when {@code train} has no rows or a value that is not finite
   */
  public static Standardizer fit(TabularData train) {
    int rows = train.rows();
    int cols = train.featureCount();
    if (rows == 0) {
      throw new IllegalArgumentException("cannot fit a standardizer on no rows");
    }
    FloatBuffer x = train.featureBuffer();
    double[] sum = new double[cols];
    float[] min = new float[cols];
    float[] max = new float[cols];
    for (int c = 0; c < cols; c++) {
      min[c] = x.get(c);
      max[c] = x.get(c);
    }
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        float v = x.get(r * cols + c);
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException(
              "feature '" + train.featureNames().get(c) + "' holds " + v + " in row " + r);
        }
        sum[c] += v;
        min[c] = Math.min(min[c], v);
        max[c] = Math.max(max[c], v);
      }
    }
    double[] means = new double[cols];
    for (int c = 0; c < cols; c++) {
      means[c] = min[c] == max[c] ? min[c] : sum[c] / rows;
    }
    double[] squares = new double[cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        double d = x.get(r * cols + c) - means[c];
        squares[c] += d * d;
      }
    }
    double[] stds = new double[cols];
    List<String> constant = new ArrayList<>();
    for (int c = 0; c < cols; c++) {
      double std = Math.sqrt(squares[c] / rows);
      // Exact equality, not a tolerance: rounding in the mean cannot make a constant column vary.
      if (min[c] == max[c] || std == 0) {
        stds[c] = 1.0;
        constant.add(train.featureNames().get(c));
      } else {
        stds[c] = std;
      }
    }
    return new Standardizer(train.featureNames(), means, stds, constant, false);
  }

  /**
   * The feature names it was fitted on, in column order.
   *
   * @return the names (unmodifiable)
   */
  public List<String> featureNames() {
    return featureNames;
  }

  /**
   * The mean of each feature.
   *
   * @return a copy, in column order
   */
  public double[] means() {
    return means.clone();
  }

  /**
   * The standard deviation each feature is divided by: the population standard deviation, or 1 for
   * a constant column.
   *
   * @return a copy, in column order
   */
  public double[] stds() {
    return stds.clone();
  }

  /**
   * The columns that were constant in the training split; they standardize to 0 (the value they
   * had) and carry no information.
   *
   * @return the names in column order (unmodifiable), empty when none
   */
  public List<String> constantColumns() {
    return constantColumns;
  }

  /**
   * Standardizes the features of a split; labels and targets are kept as they are.
   *
   * @param data a table with the same feature columns, in the same order
   * @return a new table
   * @throws IllegalArgumentException when the feature names differ
   */
  public TabularData apply(TabularData data) {
    if (!data.featureNames().equals(featureNames)) {
      throw new IllegalArgumentException(
          "the table's feature columns "
              + data.featureNames()
              + " are not the ones the standardizer was fitted on "
              + featureNames);
    }
    if (identity) {
      return data;
    }
    int cols = featureNames.size();
    FloatBuffer x = data.featureBuffer();
    float[] out = new float[x.remaining()];
    for (int i = 0; i < out.length; i++) {
      int c = i % cols;
      out[i] = (float) ((x.get(i) - means[c]) / stds[c]);
    }
    return data.withFeatures(out);
  }

  /**
   * Standardizes one row, for example at prediction time.
   *
   * @param row the feature values, in the order of {@link #featureNames()}
   * @return a new array
   * @throws IllegalArgumentException when the row does not have one value per feature
   */
  public float[] apply(float[] row) {
    if (row.length != means.length) {
      throw new IllegalArgumentException(
          "a row of " + row.length + " values for " + means.length + " features");
    }
    if (identity) {
      return row.clone();
    }
    float[] out = new float[row.length];
    for (int c = 0; c < row.length; c++) {
      out[c] = (float) ((row[c] - means[c]) / stds[c]);
    }
    return out;
  }

  /**
   * The statistics as JSON, for the model export: {@code {"type": "standardize", "features": [...],
   * "mean": [...], "std": [...], "constant": [...]}}, where {@code std} holds 1 for the columns
   * listed in {@code constant}. Numbers are written so that {@link #fromJson(JsonNode)} reads back
   * exactly the same doubles. The identity writes {@code {"type": "none", "features": [...]}}: the
   * features are fed as they are.
   *
   * @return a new object
   */
  public ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode node = f.objectNode();
    node.put("type", identity ? NONE : TYPE);
    ArrayNode names = node.putArray("features");
    featureNames.forEach(names::add);
    if (identity) {
      return node;
    }
    ArrayNode mean = node.putArray("mean");
    for (double m : means) {
      mean.add(m);
    }
    ArrayNode std = node.putArray("std");
    for (double s : stds) {
      std.add(s);
    }
    ArrayNode constant = node.putArray("constant");
    constantColumns.forEach(constant::add);
    return node;
  }

  /**
   * Reads what {@link #toJson()} wrote: a fitted standardizer, or the identity ({@code "type":
   * "none"}, which has only {@code features}).
   *
   * @param json the object
   * @return the standardizer
   * @throws IllegalArgumentException when the object is not a standardizer's; the message says
   *     which field is wrong and starts with "standardizer"
   */
  public static Standardizer fromJson(JsonNode json) {
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException("standardizer: expected a JSON object");
    }
    JsonNode type = json.get("type");
    String t = type == null || !type.isTextual() ? null : type.asText();
    if (!TYPE.equals(t) && !NONE.equals(t)) {
      throw new IllegalArgumentException(
          "standardizer: field 'type' must be \"" + TYPE + "\" or \"" + NONE + "\"");
    }
    List<String> names = strings(json, "features");
    Set<String> unique = new HashSet<>(names);
    if (unique.size() != names.size()) {
      throw new IllegalArgumentException("standardizer: field 'features' repeats a name");
    }
    if (NONE.equals(t)) {
      for (String field : List.of("mean", "std", "constant")) {
        if (json.has(field)) {
          throw new IllegalArgumentException(
              "standardizer: type \"none\" (features fed as they are) has no field '"
                  + field
                  + "'");
        }
      }
      return identity(names);
    }
    double[] means = numbers(json, "mean", names.size());
    double[] stds = numbers(json, "std", names.size());
    for (double s : stds) {
      if (!(s > 0)) {
        throw new IllegalArgumentException(
            "standardizer: field 'std' must hold only numbers above 0");
      }
    }
    List<String> constant = strings(json, "constant");
    int last = -1;
    for (String name : constant) {
      int c = names.indexOf(name);
      if (c <= last || stds[c] != 1.0) {
        throw new IllegalArgumentException(
            "standardizer: field 'constant' must list, in feature order, features whose 'std'"
                + " is 1");
      }
      last = c;
    }
    return new Standardizer(names, means, stds, constant, false);
  }

  private static List<String> strings(JsonNode json, String field) {
    JsonNode array = json.get(field);
    if (array == null || !array.isArray()) {
      throw new IllegalArgumentException("standardizer: field '" + field + "' must be a list");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode n : array) {
      if (!n.isTextual()) {
        throw new IllegalArgumentException(
            "standardizer: field '" + field + "' must hold only strings");
      }
      out.add(n.asText());
    }
    return out;
  }

  private static double[] numbers(JsonNode json, String field, int size) {
    JsonNode array = json.get(field);
    if (array == null || !array.isArray() || array.size() != size) {
      throw new IllegalArgumentException(
          "standardizer: field '" + field + "' must be a list of " + size + " numbers");
    }
    double[] out = new double[size];
    for (int i = 0; i < size; i++) {
      JsonNode n = array.get(i);
      if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
        throw new IllegalArgumentException(
            "standardizer: field '" + field + "' must hold only finite numbers");
      }
      out[i] = n.asDouble();
    }
    return out;
  }
}
