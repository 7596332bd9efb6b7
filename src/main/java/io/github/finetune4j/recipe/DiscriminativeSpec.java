package io.github.finetune4j.recipe;

/**
 * Discriminative learning rates: each lower group gets the next group's lr divided by a factor.
 *
 * @param factor the divisor per group
 */
@Doc("Discriminative learning rates (ULMFiT): top group gets `lr`, each lower group lr/factor^k.")
public record DiscriminativeSpec(
    @Required @Doc("Divisor per group step (ULMFiT uses 2.6).") Double factor) {

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
    private Double factor;

    private Builder() {}

    /**
     * Sets the divisor per group step (ULMFiT uses 2.6) (required).
     *
     * @param factor the value
     * @return this builder
     */
    public Builder setFactor(double factor) {
      this.factor = factor;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the DiscriminativeSpec
     * @throws IllegalStateException naming every required field that was not set
     */
    public DiscriminativeSpec build() {
      BuilderChecks.requireSet("DiscriminativeSpec", "factor", factor);
      return new DiscriminativeSpec(factor);
    }
  }
}
