package io.github.finetune4j.recipe;

import java.util.List;

/**
 * Transfer regularizers.
 *
 * @param l2sp strength alpha of the pull toward the pre-trained weights
 * @param l2spMode coupled or decoupled
 * @param l2spGroups groups that are pulled toward w0 (default: all but the head)
 * @param l1 L1 strength
 */
@Doc("Transfer regularizers; never applied to frozen parameters.")
public record RegularizerSpec(
    @Doc(
            "L2-SP (Li et al. 2018): alpha/2·‖w−w₀‖² pulls pre-trained groups toward their loaded"
                + " weights w₀.")
        Double l2sp,
    @OneOf({"coupled", "decoupled"})
        @Doc(
            "`coupled` adds alpha·(w−w₀) to the gradient (default); `decoupled` applies"
                + " w −= lr·alpha·(w−w₀) beside the rule.")
        String l2spMode,
    @Doc(
            "Groups pulled toward w₀ (default: every group except the last, the new head; new layers"
                + " get plain weight decay).")
        List<String> l2spGroups,
    @Doc("L1 strength, coupled: adds l1·sign(w) to the gradient.") Double l1) {

  /** Applies defaults. */
  public RegularizerSpec {
    l2sp = l2sp == null ? 0.0 : l2sp;
    l2spMode = l2spMode == null ? "coupled" : l2spMode;
    l2spGroups = l2spGroups == null ? null : List.copyOf(l2spGroups);
    l1 = l1 == null ? 0.0 : l1;
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
    private Double l2sp;
    private String l2spMode;
    private List<String> l2spGroups;
    private Double l1;

    private Builder() {}

    /**
     * Sets the L2-SP strength alpha (default 0).
     *
     * @param l2sp the value
     * @return this builder
     */
    public Builder optL2sp(double l2sp) {
      this.l2sp = l2sp;
      return this;
    }

    /**
     * Sets {@code coupled} (default) or {@code decoupled}.
     *
     * @param l2spMode the value
     * @return this builder
     */
    public Builder optL2spMode(String l2spMode) {
      this.l2spMode = l2spMode;
      return this;
    }

    /**
     * Sets groups pulled toward the pre-trained weights (default: all but the last).
     *
     * @param l2spGroups the values
     * @return this builder
     */
    public Builder optL2spGroups(List<String> l2spGroups) {
      this.l2spGroups = l2spGroups == null ? null : List.copyOf(l2spGroups);
      return this;
    }

    /**
     * Sets groups pulled toward the pre-trained weights (default: all but the last).
     *
     * @param l2spGroups the values
     * @return this builder
     */
    public Builder optL2spGroups(String... l2spGroups) {
      return optL2spGroups(List.of(l2spGroups));
    }

    /**
     * Sets the L1 strength (default 0).
     *
     * @param l1 the value
     * @return this builder
     */
    public Builder optL1(double l1) {
      this.l1 = l1;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the RegularizerSpec
     */
    public RegularizerSpec build() {
      return new RegularizerSpec(l2sp, l2spMode, l2spGroups, l1);
    }
  }
}
