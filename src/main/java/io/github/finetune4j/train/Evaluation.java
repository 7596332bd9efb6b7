package io.github.finetune4j.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metrics of a pass over a split: named scalars in a stable order (e.g. {@code accuracy},
 * {@code macro_f1}, {@code precision/spam}; or {@code mae}, {@code rmse}, {@code r2}) and, for a
 * classification, the confusion matrix.
 *
 * @param metrics named scalars (NaN where undefined)
 * @param classes the class names of the confusion matrix (empty without one)
 * @param confusion counts, {@code confusion[true][predicted]}, or null
 * @param predicted for a regression, the first output's predictions of the first {@value
 *     #MAX_POINTS} examples (for a residual plot), or null
 * @param actual their targets, or null
 */
public record Evaluation(
    Map<String, Double> metrics,
    List<String> classes,
    long[][] confusion,
    float[] predicted,
    float[] actual) {

  /** The most (prediction, target) pairs kept for a residual plot. */
  public static final int MAX_POINTS = 2000;

  /** An evaluation with no metrics (no split). */
  public static final Evaluation NONE = new Evaluation(Map.of(), List.of(), null);

  /** Copies the map, keeping its order. */
  public Evaluation {
    metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    classes = List.copyOf(classes);
  }

  /**
   * An evaluation without residuals.
   *
   * @param metrics named scalars
   * @param classes class names of the confusion matrix
   * @param confusion counts, or null
   */
  public Evaluation(Map<String, Double> metrics, List<String> classes, long[][] confusion) {
    this(metrics, classes, confusion, null, null);
  }

  /**
   * A metric, or NaN when this evaluation has no such metric.
   *
   * @param name e.g. {@code accuracy}
   * @return the value
   */
  public double get(String name) {
    Double v = metrics.get(name);
    return v == null ? Double.NaN : v;
  }
}
