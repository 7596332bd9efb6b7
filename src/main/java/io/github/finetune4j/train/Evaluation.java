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
 */
public record Evaluation(Map<String, Double> metrics, List<String> classes, long[][] confusion) {

  /** An evaluation with no metrics (no split). */
  public static final Evaluation NONE = new Evaluation(Map.of(), List.of(), null);

  /** Copies the map, keeping its order. */
  public Evaluation {
    metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    classes = List.copyOf(classes);
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
