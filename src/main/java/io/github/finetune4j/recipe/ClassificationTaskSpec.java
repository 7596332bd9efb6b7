package io.github.finetune4j.recipe;

/**
 * Single-label classification: softmax cross-entropy over {@code head.classes}; metrics accuracy,
 * macro F1 and per-class precision, recall and F1.
 */
@Kind("classification")
@Doc(
    "Single-label classification over `head.classes` (softmax cross-entropy); metrics accuracy,"
        + " macro F1, per-class precision / recall / F1 and the confusion matrix.")
public record ClassificationTaskSpec() implements TaskSpec {

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder: {@code setX} for required fields, {@code optX} for optional ones (none here). */
  public static final class Builder {
    private Builder() {}

    /**
     * Builds the value.
     *
     * @return the ClassificationTaskSpec
     */
    public ClassificationTaskSpec build() {
      return new ClassificationTaskSpec();
    }
  }
}
