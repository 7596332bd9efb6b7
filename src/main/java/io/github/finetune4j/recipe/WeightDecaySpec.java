package io.github.finetune4j.recipe;

import java.util.List;

/**
 * Weight decay.
 *
 * @param value decay coefficient
 * @param mode coupled (L2 added to the gradient) or decoupled (AdamW)
 * @param exclude parameter kinds that get no decay
 */
@Doc("Weight decay applied to trainable parameters.")
public record WeightDecaySpec(
    @Required @Doc("Decay coefficient, e.g. 0.01.") Double value,
    @OneOf({"decoupled", "coupled"})
        @Doc("`decoupled` (AdamW: w -= lr*wd*w, default) or `coupled` (L2 added to the gradient).")
        String mode,
    @OneOf({"bias", "norm", "1d", "embedding"})
        @Doc(
            "Parameters that get no decay (default [bias, norm, 1d]): biases, normalization weights,"
                + " all 1-D parameters, embeddings. `[]` decays everything.")
        List<String> exclude) {

  /** Applies defaults. */
  public WeightDecaySpec {
    mode = mode == null ? "decoupled" : mode;
    exclude = exclude == null ? List.of("bias", "norm", "1d") : List.copyOf(exclude);
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
    private Double value;
    private String mode;
    private List<String> exclude;

    private Builder() {}

    /**
     * Sets the decay coefficient, e.g. 0.01 (required).
     *
     * @param value the value
     * @return this builder
     */
    public Builder setValue(double value) {
      this.value = value;
      return this;
    }

    /**
     * Sets {@code decoupled} (default) or {@code coupled}.
     *
     * @param mode the value
     * @return this builder
     */
    public Builder optMode(String mode) {
      this.mode = mode;
      return this;
    }

    /**
     * Sets parameter kinds that get no decay (default bias, norm, 1d).
     *
     * @param exclude the values
     * @return this builder
     */
    public Builder optExclude(List<String> exclude) {
      this.exclude = exclude == null ? null : List.copyOf(exclude);
      return this;
    }

    /**
     * Sets parameter kinds that get no decay (default bias, norm, 1d).
     *
     * @param exclude the values
     * @return this builder
     */
    public Builder optExclude(String... exclude) {
      return optExclude(List.of(exclude));
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the WeightDecaySpec
     * @throws IllegalStateException naming every required field that was not set
     */
    public WeightDecaySpec build() {
      BuilderChecks.requireSet("WeightDecaySpec", "value", value);
      return new WeightDecaySpec(value, mode, exclude);
    }
  }
}
