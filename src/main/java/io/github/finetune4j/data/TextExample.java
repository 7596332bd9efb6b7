package io.github.finetune4j.data;

/**
 * A labelled text: one class, or (multi-label) a set of labels; or a labelled pair of texts (a
 * query and a passage, as a cross-encoder reads them).
 *
 * @param text the text (of a pair, the first)
 * @param label class index into the declared classes (-1 for a multi-label example)
 * @param labels for a multi-label example, 1 for each declared label it has and 0 for the others;
 *     null for a single-label one
 * @param pair the second text of a pair, or null for a single text
 */
public record TextExample(String text, int label, float[] labels, String pair) {

  /**
   * A single text, with one class or a set of labels.
   *
   * @param text the text
   * @param label class index into the declared classes (-1 for a multi-label example)
   * @param labels for a multi-label example, its 0/1 per declared label; null for a single-label
   *     one
   */
  public TextExample(String text, int label, float[] labels) {
    this(text, label, labels, null);
  }

  /**
   * A single-label example.
   *
   * @param text the text
   * @param label class index into the declared classes
   */
  public TextExample(String text, int label) {
    this(text, label, null, null);
  }
}
