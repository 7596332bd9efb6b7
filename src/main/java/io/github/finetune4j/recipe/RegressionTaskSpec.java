package io.github.finetune4j.recipe;

import java.util.List;

/**
 * Regression on the csv splits' {@code targets} columns.
 *
 * @param loss {@code mse} or {@code huber}
 * @param delta Huber's threshold, in the targets' units
 * @param standardizeTargets whether the network predicts standardized targets
 */
@Kind("regression")
@Doc(
    "Regression on the csv splits' `targets` columns (one output per target); metrics MAE, RMSE"
        + " and R², in the targets' own units.")
public record RegressionTaskSpec(
    @OneOf({"mse", "huber"})
        @Doc(
            "`mse` (mean squared error, the default) or `huber` (squared below `delta`, linear"
                + " above).")
        String loss,
    @Doc("Huber's threshold δ in the targets' units (default 1.0; only with `loss: huber`).")
        Double delta,
    @Doc(
            "Standardize each target with the training split's mean and standard deviation (default"
                + " true): the network's outputs are read as standardized values and mapped back (y ="
                + " out·std + mean) before the loss, the metrics and predict, which all stay in the"
                + " targets' units. `false` takes the outputs as the targets themselves (a model that"
                + " already predicts them). The features are scaled by `data.standardize`.")
        Boolean standardizeTargets)
    implements TaskSpec {

  /** Applies defaults. */
  public RegressionTaskSpec {
    loss = loss == null ? "mse" : loss;
    delta = delta == null ? 1.0 : delta;
    standardizeTargets = standardizeTargets == null ? Boolean.TRUE : standardizeTargets;
  }

  /** Reads {@link LabelShape#VALUES}. */
  @Override
  public LabelShape labels() {
    return LabelShape.VALUES;
  }

  /** Huber's δ must be positive. */
  @Override
  public void check(List<String> classes, DataSpec data, List<String> problems) {
    if (!(delta > 0)) {
      problems.add("task.delta: must be positive, got " + delta);
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
    private String loss;
    private Double delta;
    private Boolean standardizeTargets;

    private Builder() {}

    /**
     * Sets the loss, {@code mse} (default) or {@code huber}.
     *
     * @param loss the value
     * @return this builder
     */
    public Builder optLoss(String loss) {
      this.loss = loss;
      return this;
    }

    /**
     * Sets Huber's threshold δ in the targets' units (default 1.0).
     *
     * @param delta the value
     * @return this builder
     */
    public Builder optDelta(double delta) {
      this.delta = delta;
      return this;
    }

    /**
     * Sets whether the targets are standardized for the network (default true).
     *
     * @param standardizeTargets the value
     * @return this builder
     */
    public Builder optStandardizeTargets(boolean standardizeTargets) {
      this.standardizeTargets = standardizeTargets;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the RegressionTaskSpec
     */
    public RegressionTaskSpec build() {
      return new RegressionTaskSpec(loss, delta, standardizeTargets);
    }
  }
}
