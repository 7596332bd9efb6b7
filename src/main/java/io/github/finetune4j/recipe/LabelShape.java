package io.github.finetune4j.recipe;

/**
 * How a task's examples say what they are trained towards — what the data splits must give and
 * whether {@code head.classes} names the outputs. Each task kind states its shape ({@link
 * TaskSpec#labels()}); the recipe checks, the data readers and the predictors go by the shape, so a
 * new task of an existing shape needs none of them changed.
 */
public enum LabelShape {
  /** One class per example: a label field or column, an image's sub-folder; head.classes. */
  CLASS,
  /** Numbers per example in csv {@code targets} columns; no head.classes. */
  VALUES,
  /**
   * A set of labels per example: a list in a text's label field (head.classes lists them), or one
   * 0/1 csv column per label in {@code targets}.
   */
  LABEL_SET,
  /**
   * No labels: the examples pair texts (pairs, triplets, scored pairs) or form an
   * information-retrieval split; no head.classes (an embedding task).
   */
  PAIRS
}
