package io.github.finetune4j.recipe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the run records about itself.
 *
 * @param every diagnostics period in steps
 * @param sinks where metrics go
 * @param driftBounds per-group bound on drift from the pre-trained weights
 */
@Doc("Monitoring: per-group diagnostics, where they go, and warning bounds.")
public record MonitorSpec(
    @Doc(
            "Sample per-group diagnostics (grad norm, update ratio, drift) and print progress every N"
                + " steps (default 10).")
        Integer every,
    @OneOf({"console", "jsonl", "csv", "tensorboard", "html"})
        @Doc(
            "Metric sinks (default all): console progress, metrics.jsonl, metrics.csv, TensorBoard"
                + " events, report.html at the end.")
        List<String> sinks,
    @Doc(
            "Warn when a group drifts further than this from its pre-trained weights (‖w−w₀‖/‖w₀‖),"
                + " by group name; `\"*\"` sets the default.")
        Map<String, Double> driftBounds) {

  /** Applies defaults. */
  public MonitorSpec {
    every = every == null ? 10 : every;
    sinks =
        sinks == null
            ? List.of("console", "jsonl", "csv", "tensorboard", "html")
            : List.copyOf(sinks);
    driftBounds = driftBounds == null ? Map.of() : Map.copyOf(driftBounds);
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
    private Integer every;
    private List<String> sinks;
    private Map<String, Double> driftBounds;

    private Builder() {}

    /**
     * Sets the diagnostics period in steps (default 10).
     *
     * @param every the value
     * @return this builder
     */
    public Builder optEvery(int every) {
      this.every = every;
      return this;
    }

    /**
     * Sets the metric sinks (default all).
     *
     * @param sinks the values
     * @return this builder
     */
    public Builder optSinks(List<String> sinks) {
      this.sinks = sinks == null ? null : List.copyOf(sinks);
      return this;
    }

    /**
     * Sets the metric sinks (default all).
     *
     * @param sinks the values
     * @return this builder
     */
    public Builder optSinks(String... sinks) {
      return optSinks(List.of(sinks));
    }

    /**
     * Sets per-group bounds on drift from the pre-trained weights ({@code *} sets the default),
     * replacing any added before.
     *
     * @param driftBounds the values, by group name
     * @return this builder
     */
    public Builder optDriftBounds(Map<String, Double> driftBounds) {
      this.driftBounds = driftBounds == null ? null : new LinkedHashMap<>(driftBounds);
      return this;
    }

    /**
     * Adds one per-group bound on drift from the pre-trained weights ({@code *} sets the default).
     *
     * @param group the group name
     * @param value the value
     * @return this builder
     */
    public Builder addDriftBound(String group, double value) {
      if (driftBounds == null) {
        driftBounds = new LinkedHashMap<>();
      }
      driftBounds.put(Objects.requireNonNull(group, "group"), value);
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the MonitorSpec
     */
    public MonitorSpec build() {
      return new MonitorSpec(every, sinks, driftBounds);
    }
  }
}
