package io.github.finetune4j.recipe;

/**
 * Gradient clipping.
 *
 * @param globalNorm max global L2 norm
 * @param value two-sided clamp bound
 */
@Doc("Gradient clipping (value first, then global norm, when both are given).")
public record ClipSpec(
    @Doc("Scale all trainable gradients so their global L2 norm is at most this (HF default 1.0).")
        Double globalNorm,
    @Doc("Clamp every gradient element to [−value, value].") Double value) {

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
    private Double globalNorm;
    private Double value;

    private Builder() {}

    /**
     * Sets the maximum global L2 norm of the gradients.
     *
     * @param globalNorm the value
     * @return this builder
     */
    public Builder optGlobalNorm(double globalNorm) {
      this.globalNorm = globalNorm;
      return this;
    }

    /**
     * Sets the two-sided clamp bound of every gradient element.
     *
     * @param value the value
     * @return this builder
     */
    public Builder optValue(double value) {
      this.value = value;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the ClipSpec
     */
    public ClipSpec build() {
      return new ClipSpec(globalNorm, value);
    }
  }
}
