package io.github.finetune4j.data;

/**
 * A labelled text: one class, or (multi-label) a set of labels.
 *
 * @param text the text
 * @param label class index into the declared classes (-1 for a multi-label example)
 * @param labels for a multi-label example, 1 for each declared label it has and 0 for the others;
 *     null for a single-label one
 */
public record TextExample(String text, int label, float[] labels) {

  /**
   * A single-label example.
   *
   * @param text the text
   * @param label class index into the declared classes
   */
  public TextExample(String text, int label) {
    this(text, label, null);
  }
}
