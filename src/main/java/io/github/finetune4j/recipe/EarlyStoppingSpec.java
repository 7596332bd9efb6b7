package io.github.finetune4j.recipe;

/**
 * Early stopping on a validation metric, restoring the best epoch's weights.
 *
 * @param metric {@code loss} or a validation metric of the task
 * @param mode {@code auto}, {@code min} or {@code max}
 * @param patience epochs without improvement before the run stops
 * @param minDelta the least change that counts as an improvement
 * @param restoreBest put the best epoch's weights back at the end
 */
@Doc(
    "Early stopping: after each epoch the validation split is scored; when the metric has not"
        + " improved for `patience` epochs the run stops (the remaining stages too), and the best"
        + " epoch's weights are put back before the test evaluation and the export. Needs a"
        + " validation split and `train.eval_every_epoch: true`.")
public record EarlyStoppingSpec(
    @Doc(
            "`loss` (the validation loss, default) or a validation metric of the task:"
                + " `accuracy`, `macro_f1`, `f1/CLASS`, `precision/CLASS`, `recall/CLASS` for"
                + " classification; `mae`, `rmse`, `r2` (and `mae/TARGET` ...) for regression.")
        String metric,
    @OneOf({"auto", "min", "max"})
        @Doc(
            "Whether lower or higher is better; `auto` (default): lower for `loss`, `mae` and"
                + " `rmse`, higher for the others.")
        String mode,
    @Doc("Epochs without improvement before the run stops (default 3).") Integer patience,
    @Doc("The least change that counts as an improvement (default 0).") Double minDelta,
    @Doc("Put the best epoch's weights back at the end (default true).") Boolean restoreBest) {

  /** Applies defaults. */
  public EarlyStoppingSpec {
    metric = metric == null ? "loss" : metric;
    mode = mode == null ? "auto" : mode;
    patience = patience == null ? 3 : patience;
    minDelta = minDelta == null ? 0.0 : minDelta;
    restoreBest = restoreBest == null ? Boolean.TRUE : restoreBest;
  }

  /**
   * Whether higher values of the metric are better.
   *
   * @return true for {@code max}, or {@code auto} with a metric that is not a loss or an error
   */
  public boolean maximize() {
    return switch (mode) {
      case "max" -> true;
      case "min" -> false;
      default ->
          !(metric.equals("loss")
              || metric.equals("mae")
              || metric.equals("rmse")
              || metric.startsWith("mae/")
              || metric.startsWith("rmse/"));
    };
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
    private String metric;
    private String mode;
    private Integer patience;
    private Double minDelta;
    private Boolean restoreBest;

    private Builder() {}

    /**
     * Sets the metric ({@code loss} by default).
     *
     * @param metric the value
     * @return this builder
     */
    public Builder optMetric(String metric) {
      this.metric = metric;
      return this;
    }

    /**
     * Sets the mode ({@code auto}, {@code min}, {@code max}).
     *
     * @param mode the value
     * @return this builder
     */
    public Builder optMode(String mode) {
      this.mode = mode;
      return this;
    }

    /**
     * Sets the patience in epochs (default 3).
     *
     * @param patience the value
     * @return this builder
     */
    public Builder optPatience(int patience) {
      this.patience = patience;
      return this;
    }

    /**
     * Sets the least change that counts as an improvement (default 0).
     *
     * @param minDelta the value
     * @return this builder
     */
    public Builder optMinDelta(double minDelta) {
      this.minDelta = minDelta;
      return this;
    }

    /**
     * Sets whether the best epoch's weights are put back (default true).
     *
     * @param restoreBest the value
     * @return this builder
     */
    public Builder optRestoreBest(boolean restoreBest) {
      this.restoreBest = restoreBest;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the EarlyStoppingSpec
     */
    public EarlyStoppingSpec build() {
      return new EarlyStoppingSpec(metric, mode, patience, minDelta, restoreBest);
    }
  }
}
