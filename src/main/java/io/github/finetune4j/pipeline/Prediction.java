package io.github.finetune4j.pipeline;

import java.util.List;
import java.util.Map;

/**
 * What an exported model predicts for one input, whatever its task — the one prediction type of
 * {@link Predictor}, decoded by the task ({@link TaskKind#decode}):
 *
 * <ul>
 *   <li>classification: {@code label} the most likely class, {@code labels} that one class, {@code
 *       probabilities} per class (softmax);
 *   <li>multi-label: {@code labels} the labels at or above the model's threshold (possibly none),
 *       {@code label} them joined by commas, {@code probabilities} per label (sigmoid);
 *   <li>regression: {@code values} per target, in the targets' units; no label.
 * </ul>
 *
 * @param text the input text, or null for a row of features or an image
 * @param label the predicted class, or a multi-label model's label set joined by commas ({@code
 *     "a,b"}, or empty); null for a regression
 * @param probabilities probability per class or label, in output order (empty for a regression)
 * @param labels the predicted labels, in output order (empty for a regression)
 * @param values the predicted value per target, in output order (empty unless a regression)
 */
public record Prediction(
    String text,
    String label,
    Map<String, Double> probabilities,
    List<String> labels,
    Map<String, Double> values) {

  /** Copies the collections. */
  public Prediction {
    labels = List.copyOf(labels);
  }

  /**
   * A single-label classification.
   *
   * @param text the input text, or null
   * @param label the most likely class
   * @param probabilities probability per class
   */
  public Prediction(String text, String label, Map<String, Double> probabilities) {
    this(text, label, probabilities, List.of(label), Map.of());
  }
}
