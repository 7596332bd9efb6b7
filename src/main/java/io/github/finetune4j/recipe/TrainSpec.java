package io.github.finetune4j.recipe;

/**
 * Run-wide training settings.
 *
 * @param seed random seed for initialization, dropout and shuffling
 * @param evalEveryEpoch evaluate on the validation split after every epoch
 * @param threads intra-op threads for the engine
 * @param maxSkippedSteps the most steps that may be skipped for non-finite gradients before the run
 *     fails
 */
@Doc("Run-wide training settings.")
public record TrainSpec(
    @Doc("Random seed for initialization, dropout and data order (default 42).") Long seed,
    @Doc("Evaluate on the validation split after every epoch (default true).")
        Boolean evalEveryEpoch,
    @Doc("Intra-op threads for the engine (default: the number of cores).") Integer threads,
    @Doc(
            "The most steps that may be skipped because their gradients are not finite before the run"
                + " fails (default 10; 0: the first such step fails the run). A loss that is not finite"
                + " always fails the run.")
        Long maxSkippedSteps) {

  /** Applies defaults. */
  public TrainSpec {
    seed = seed == null ? 42L : seed;
    evalEveryEpoch = evalEveryEpoch == null ? Boolean.TRUE : evalEveryEpoch;
    maxSkippedSteps = maxSkippedSteps == null ? 10L : maxSkippedSteps;
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
    private Long seed;
    private Boolean evalEveryEpoch;
    private Integer threads;
    private Long maxSkippedSteps;

    private Builder() {}

    /**
     * Sets the random seed (default 42).
     *
     * @param seed the value
     * @return this builder
     */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Sets whether to evaluate after every epoch (default true).
     *
     * @param evalEveryEpoch the value
     * @return this builder
     */
    public Builder optEvalEveryEpoch(boolean evalEveryEpoch) {
      this.evalEveryEpoch = evalEveryEpoch;
      return this;
    }

    /**
     * Sets intra-op engine threads (default: the number of cores).
     *
     * @param threads the value
     * @return this builder
     */
    public Builder optThreads(int threads) {
      this.threads = threads;
      return this;
    }

    /**
     * Sets the most steps that may be skipped for non-finite gradients (default 10).
     *
     * @param maxSkippedSteps the value
     * @return this builder
     */
    public Builder optMaxSkippedSteps(long maxSkippedSteps) {
      this.maxSkippedSteps = maxSkippedSteps;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the TrainSpec
     */
    public TrainSpec build() {
      return new TrainSpec(seed, evalEveryEpoch, threads, maxSkippedSteps);
    }
  }
}
