package io.github.finetune4j.recipe;

import java.util.Objects;

/**
 * The datasets and how they are batched.
 *
 * @param train training split
 * @param valid validation split, evaluated at the end of every epoch
 * @param test test split, evaluated once at the end
 * @param maxLength truncation length in tokens
 * @param batchSize examples per batch
 * @param shuffle shuffle the training examples every epoch (seeded by {@code train.seed})
 * @param image how images become inputs, for {@code image-folder} splits
 * @param standardize whether csv features are standardized: {@code auto}, {@code true} or {@code
 *     false}
 */
@Doc("Datasets and batching.")
public record DataSpec(
    @Required @Doc("Training split.") SourceSpec train,
    @Doc("Validation split, evaluated after every epoch.") SourceSpec valid,
    @Doc("Test split, evaluated once after training.") SourceSpec test,
    @Doc("Truncate texts to this many tokens (default 128).") Integer maxLength,
    @Doc("Examples per batch (default 16).") Integer batchSize,
    @Doc(
            "Shuffle the training examples every epoch, seeded by `train.seed` (default true); false"
                + " keeps the file order.")
        Boolean shuffle,
    @Doc("How the images of `image-folder` splits become inputs (only for those splits).")
        ImageSpec image,
    @OneOf({"auto", "true", "false"})
        @Doc(
            "Whether the feature columns of `csv` splits are standardized (x − mean) / std with"
                + " the training split's mean and population standard deviation before the model"
                + " sees them; the features, like the targets (`task.standardize_targets`), are"
                + " the user's choice. `auto` (default): standardized for a network trained from"
                + " scratch (`builtin`, `init: random`); a Finetune4J export (a `djl` directory or"
                + " the `model.pt` next to its `finetune4j-model.json`) gets the transform it"
                + " recorded (the same statistics, or none); any other pre-trained module"
                + " (`torchscript`, `djl`) gets its features as they are, the scale it was trained"
                + " on. `true` always standardizes (statistics of this training split); `false`"
                + " never does. The export records which (`standardizer` in"
                + " `finetune4j-model.json`, `type: none` for raw features) and `predict` does the"
                + " same; `plan` and `summary.json` (`standardize`) say which applied and why. Only"
                + " for `csv` splits.")
        String standardize) {

  /** Applies defaults. */
  public DataSpec {
    standardize = standardize == null ? "auto" : standardize;
    maxLength = maxLength == null ? 128 : maxLength;
    batchSize = batchSize == null ? 16 : batchSize;
    shuffle = shuffle == null ? Boolean.TRUE : shuffle;
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
    private SourceSpec train;
    private SourceSpec valid;
    private SourceSpec test;
    private Integer maxLength;
    private Integer batchSize;
    private Boolean shuffle;
    private ImageSpec image;
    private String standardize;

    private Builder() {}

    /**
     * Sets whether the features of csv splits are standardized: {@code auto} (default), {@code
     * true} or {@code false}.
     *
     * @param standardize the value
     * @return this builder
     */
    public Builder optStandardize(String standardize) {
      this.standardize = standardize;
      return this;
    }

    /**
     * Sets whether the features of csv splits are standardized ({@code true} or {@code false}; the
     * default is {@code auto}).
     *
     * @param standardize the value
     * @return this builder
     */
    public Builder optStandardize(boolean standardize) {
      return optStandardize(String.valueOf(standardize));
    }

    /**
     * Sets how images become inputs (for {@code image-folder} splits).
     *
     * @param image the value
     * @return this builder
     */
    public Builder optImage(ImageSpec image) {
      this.image = image;
      return this;
    }

    /**
     * Sets the training split (required).
     *
     * @param train the value
     * @return this builder
     */
    public Builder setTrain(SourceSpec train) {
      this.train = Objects.requireNonNull(train, "train");
      return this;
    }

    /**
     * Sets the validation split, evaluated after every epoch.
     *
     * @param valid the value
     * @return this builder
     */
    public Builder optValid(SourceSpec valid) {
      this.valid = valid;
      return this;
    }

    /**
     * Sets the test split, evaluated once after training.
     *
     * @param test the value
     * @return this builder
     */
    public Builder optTest(SourceSpec test) {
      this.test = test;
      return this;
    }

    /**
     * Sets truncation length in tokens (default 128).
     *
     * @param maxLength the value
     * @return this builder
     */
    public Builder optMaxLength(int maxLength) {
      this.maxLength = maxLength;
      return this;
    }

    /**
     * Sets examples per batch (default 16).
     *
     * @param batchSize the value
     * @return this builder
     */
    public Builder optBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Sets whether the training examples are shuffled every epoch (default true).
     *
     * @param shuffle the value
     * @return this builder
     */
    public Builder optShuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the DataSpec
     * @throws IllegalStateException naming every required field that was not set
     */
    public DataSpec build() {
      BuilderChecks.requireSet("DataSpec", "train", train);
      return new DataSpec(train, valid, test, maxLength, batchSize, shuffle, image, standardize);
    }
  }
}
