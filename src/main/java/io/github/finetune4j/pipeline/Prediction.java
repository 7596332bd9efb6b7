package io.github.finetune4j.pipeline;

import java.util.Map;

/**
 * A classified text: the most likely class (or, for a multi-label model, the labels at or above its
 * threshold, joined by commas, possibly none) and the probability of each class or label.
 *
 * @param text the input
 * @param label the most likely class, or a multi-label model's label set ({@code "a,b"}, or empty)
 * @param probabilities probability per class (softmax) or per label (sigmoid)
 */
public record Prediction(String text, String label, Map<String, Double> probabilities) {}
