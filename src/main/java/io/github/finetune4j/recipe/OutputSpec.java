package io.github.finetune4j.recipe;

import java.util.Objects;

/**
 * Where a run writes its results.
 *
 * @param dir run directory
 * @param overwrite replace an existing run directory
 * @param keepCheckpoints keep the checkpoints in the run directory when it completes
 */
@Doc("Where the run writes its results.")
public record OutputSpec(
    @Required @Doc("Run directory (created; must not hold a previous run unless `overwrite`).")
        String dir,
    @Doc("Replace an existing run directory (default false).") Boolean overwrite,
    @Doc(
            "Keep the run's checkpoints (`checkpoints/`, see `train.checkpoint_every`) in the run"
                + " directory when it completes (default false: they are removed; never in"
                + " `model/`).")
        Boolean keepCheckpoints) {

  /** Applies defaults. */
  public OutputSpec {
    overwrite = overwrite == null ? Boolean.FALSE : overwrite;
    keepCheckpoints = keepCheckpoints == null ? Boolean.FALSE : keepCheckpoints;
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
    private String dir;
    private Boolean overwrite;
    private Boolean keepCheckpoints;

    private Builder() {}

    /**
     * Sets the run directory (required).
     *
     * @param dir the value
     * @return this builder
     */
    public Builder setDir(String dir) {
      this.dir = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * Sets whether to replace an existing run directory (default false).
     *
     * @param overwrite the value
     * @return this builder
     */
    public Builder optOverwrite(boolean overwrite) {
      this.overwrite = overwrite;
      return this;
    }

    /**
     * Keeps the run's checkpoints when it completes.
     *
     * @param keepCheckpoints the value
     * @return this builder
     */
    public Builder optKeepCheckpoints(boolean keepCheckpoints) {
      this.keepCheckpoints = keepCheckpoints;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the OutputSpec
     * @throws IllegalStateException naming every required field that was not set
     */
    public OutputSpec build() {
      BuilderChecks.requireSet("OutputSpec", "dir", dir);
      return new OutputSpec(dir, overwrite, keepCheckpoints);
    }
  }
}
