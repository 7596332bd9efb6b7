package io.github.finetune4j.recipe;

import java.util.List;
import java.util.Map;

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
        @Doc("Metric sinks (default all): console progress, metrics.jsonl, metrics.csv, TensorBoard"
            + " events, report.html at the end.")
        List<String> sinks,
    @Doc(
            "Warn when a group drifts further than this from its pre-trained weights (‖w−w₀‖/‖w₀‖),"
                + " by group name; `\"*\"` sets the default.")
        Map<String, Double> driftBounds) {

  /** Applies defaults. */
  public MonitorSpec {
    every = every == null ? 10 : every;
    sinks = sinks == null ? List.of("console", "jsonl", "csv", "tensorboard", "html") : List.copyOf(sinks);
    driftBounds = driftBounds == null ? Map.of() : Map.copyOf(driftBounds);
  }
}
