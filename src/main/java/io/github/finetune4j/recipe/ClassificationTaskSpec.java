package io.github.finetune4j.recipe;

import java.util.List;

/**
 * Single-label classification: softmax cross-entropy over {@code head.classes}; metrics accuracy,
 * macro F1 and per-class precision, recall and F1.
 *
 * @param fewShot few-shot training in the SetFit manner before the stages, or null for none
 */
@Kind("classification")
@Doc(
    "Single-label classification over `head.classes` (softmax cross-entropy); metrics accuracy,"
        + " macro F1, per-class precision / recall / F1 and the confusion matrix.")
public record ClassificationTaskSpec(
    @Doc(
            "Few-shot mode (SetFit): tune the text encoder on pairs of the labelled examples before"
                + " the stages train the head (default: none).")
        FewShotSpec fewShot)
    implements TaskSpec {

  /** Classification without a few-shot phase. */
  public ClassificationTaskSpec() {
    this(null);
  }

  /**
   * The few-shot section's fields; it reads single texts ({@code text-jsonl} without {@code
   * text_pair}). The model's kind is checked with the model section ({@code RecipeChecks}).
   */
  @Override
  public void check(List<String> classes, DataSpec data, List<String> problems) {
    if (fewShot == null) {
      return;
    }
    fewShot.check("task.few_shot", problems);
    if (data != null && data.train() != null) {
      if (!(data.train() instanceof TextJsonlSplit t)) {
        problems.add(
            "task.few_shot: pairs are drawn from labelled texts (data.train.type: text-jsonl),"
                + " got '"
                + data.train().kind()
                + "'");
      } else if (t.textPair() != null) {
        problems.add(
            "task.few_shot: pairs are drawn from single texts; data.train reads pairs of texts"
                + " (text_pair: "
                + t.textPair()
                + ")");
      }
    }
  }

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder: {@code setX} for required fields, {@code optX} for optional ones. */
  public static final class Builder {
    private FewShotSpec fewShot;

    private Builder() {}

    /**
     * Sets the few-shot phase (default none).
     *
     * @param fewShot the section
     * @return this builder
     */
    public Builder optFewShot(FewShotSpec fewShot) {
      this.fewShot = fewShot;
      return this;
    }

    /**
     * Builds the value.
     *
     * @return the ClassificationTaskSpec
     */
    public ClassificationTaskSpec build() {
      return new ClassificationTaskSpec(fewShot);
    }
  }
}
