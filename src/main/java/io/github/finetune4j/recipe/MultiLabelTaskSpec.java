package io.github.finetune4j.recipe;

import java.util.List;

/**
 * Multi-label classification: each example has any number of the labels, each label an independent
 * yes/no (sigmoid outputs, binary cross-entropy).
 *
 * @param threshold the probability at or above which a label is predicted
 * @param thresholds {@code fixed} or {@code tuned} on the validation split
 * @param posWeight per label, the weight of its positive examples in the loss, or null for 1
 */
@Kind("multilabel")
@Doc(
    "Multi-label classification: any number of labels per example, each an independent yes/no"
        + " (sigmoid + binary cross-entropy). Text splits give a list of labels per example in the"
        + " label field (`head.classes` lists them all, in output order); csv splits give one 0/1"
        + " column per label in `targets` (the column names are the labels). Metrics micro and"
        + " macro F1, subset accuracy, Hamming loss, per-label precision / recall / F1; the"
        + " headline is micro F1.")
public record MultiLabelTaskSpec(
    @Doc("The probability at or above which a label is predicted (default 0.5).") Double threshold,
    @OneOf({"fixed", "tuned"})
        @Doc(
            "`fixed` (default): every label at `threshold`. `tuned`: once training has ended, each"
                + " label's threshold is chosen on the validation split to maximise its F1 (the"
                + " midpoints between the sorted probabilities and 0.5 are tried; ties go to the"
                + " one nearest 0.5, a label without positives keeps 0.5); the test split is"
                + " scored, and the model exported, with them. Needs a validation split.")
        String thresholds,
    @Doc(
            "Per label, in output order, the weight of its positive examples in the loss"
                + " (torch's `pos_weight`; > 1 favours recall of a rare label). Default: 1 for"
                + " every label.")
        List<Double> posWeight)
    implements TaskSpec {

  /** Fills in the defaults. */
  public MultiLabelTaskSpec {
    threshold = threshold == null ? 0.5 : threshold;
    thresholds = thresholds == null ? "fixed" : thresholds;
    posWeight = posWeight == null ? null : List.copyOf(posWeight);
  }

  /** Reads {@link LabelShape#LABEL_SET}. */
  @Override
  public LabelShape labels() {
    return LabelShape.LABEL_SET;
  }

  /**
   * The threshold lies in (0, 1); the positive weights are positive, one per label; tuning needs a
   * validation split.
   */
  @Override
  public void check(List<String> classes, DataSpec data, List<String> problems) {
    if (!(threshold > 0 && threshold < 1)) {
      problems.add("task.threshold: must be between 0 and 1 (exclusive), got " + threshold);
    }
    if (posWeight != null) {
      for (int i = 0; i < posWeight.size(); i++) {
        Double w = posWeight.get(i);
        if (w == null || !(w > 0) || w.isInfinite()) {
          problems.add("task.pos_weight[" + i + "]: must be a positive number, got " + w);
        }
      }
      if (classes != null && posWeight.size() != classes.size()) {
        problems.add(
            "task.pos_weight: gives "
                + posWeight.size()
                + " weight"
                + (posWeight.size() == 1 ? "" : "s")
                + ", but head.classes lists "
                + classes.size()
                + " labels; give one per label, in their order");
      }
    }
    if ("tuned".equals(thresholds)
        && data != null
        && data.valid() == null
        && !(data.train() instanceof ImageFolderSplit f && f.validFraction() != null)) {
      problems.add(
          "task.thresholds: 'tuned' chooses the thresholds on the validation split; give"
              + " data.valid");
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

  /** Builder: every field optional. */
  public static final class Builder {
    private Double threshold;
    private String thresholds;
    private List<Double> posWeight;

    private Builder() {}

    /**
     * Sets the decision threshold.
     *
     * @param threshold in (0, 1)
     * @return this builder
     */
    public Builder optThreshold(double threshold) {
      this.threshold = threshold;
      return this;
    }

    /**
     * Sets how the thresholds are chosen.
     *
     * @param thresholds {@code fixed} or {@code tuned}
     * @return this builder
     */
    public Builder optThresholds(String thresholds) {
      this.thresholds = thresholds;
      return this;
    }

    /**
     * Sets the per-label weights of positive examples.
     *
     * @param posWeight one positive weight per label
     * @return this builder
     */
    public Builder optPosWeight(List<Double> posWeight) {
      this.posWeight = posWeight;
      return this;
    }

    /**
     * Builds the task.
     *
     * @return it
     */
    public MultiLabelTaskSpec build() {
      return new MultiLabelTaskSpec(threshold, thresholds, posWeight);
    }
  }
}
