package io.github.finetune4j.recipe;

/**
 * Run-wide training settings.
 *
 * @param seed random seed for initialization, dropout and shuffling
 * @param evalEveryEpoch evaluate on the validation split after every epoch
 * @param threads intra-op threads for the engine
 * @param checkpointEvery steps between checkpoints (0: epoch ends only), or null for none
 * @param keepCheckpoints how many checkpoints are kept
 * @param onNonfinite {@code stop} or {@code skip}: what a step whose loss or gradients are not
 *     finite does
 * @param maxSkippedSteps with {@code skip}: the most steps that may be skipped before the run fails
 * @param accumulate micro-batches per optimizer step
 * @param earlyStopping early stopping, or null for none
 * @param featureCache whether a frozen prefix runs apart (inference mode, outputs cached)
 * @param featureCacheMb the cache's heap budget in MiB; beyond it rows go to a memory-mapped file
 * @param precision {@code fp32}, {@code bf16} or {@code auto}: the compute type of the matrix
 *     products
 * @param device {@code auto}, {@code cpu} or {@code gpu}
 */
@Doc("Run-wide training settings.")
public record TrainSpec(
    @Doc("Random seed for initialization, dropout and data order (default 42).") Long seed,
    @Doc("Evaluate on the validation split after every epoch (default true).")
        Boolean evalEveryEpoch,
    @Doc("Intra-op threads for the engine (default: the number of cores).") Integer threads,
    @OneOf({"stop", "skip"})
        @Doc(
            "What a step whose loss or gradients are not finite does. `stop` (default): the run"
                + " fails at that step (exit 1) naming the step and the groups, without applying"
                + " its update; `skip`: the step's update is skipped and counted, and the run fails"
                + " after more than `max_skipped_steps`. In both, an update that leaves a weight"
                + " non-finite or a validation/test loss that is not finite fails the run, and a"
                + " failed run's weights are put back to the last good ones (the newest checkpoint,"
                + " or the weights before training).")
        String onNonfinite,
    @Doc(
            "With `on_nonfinite: skip`: the most steps that may be skipped before the run fails"
                + " (default 10; 0: the first such step fails the run).")
        Long maxSkippedSteps,
    @Doc(
            "Write a checkpoint every N optimizer steps and at each epoch end, into"
                + " `DIR.partial/checkpoints` (the last `keep_checkpoints`); `finetune run R"
                + " --resume` continues from the newest valid one, bit-identical to an"
                + " uninterrupted run (default: no checkpoints; 0: at epoch ends only).")
        Integer checkpointEvery,
    @Doc("How many checkpoints to keep (default 2).") Integer keepCheckpoints,
    @Doc(
            "Gradient accumulation: each optimizer step sums the gradients of this many batches of"
                + " `data.batch_size` (default 1), the same as one batch this many times larger"
                + " (the loss is the mean over all its examples).")
        Integer accumulate,
    EarlyStoppingSpec earlyStopping,
    @Doc(
            "`true` (default): in a stage that trains only layers above a frozen bottom part of the"
                + " model (the head alone, or the top layers), that part runs in inference mode (no"
                + " dropout, fixed statistics) once per example and the stage trains on its stored"
                + " outputs; `plan` shows where it is cut. `false`: every step runs the whole model"
                + " in training mode, dropout of frozen layers included.")
        Boolean featureCache,
    @Doc(
            "Heap budget of the feature cache in MiB (default 1024); rows beyond it go to a"
                + " memory-mapped file in the run directory, deleted after the run.")
        Integer featureCacheMb,
    @OneOf({"fp32", "bf16", "auto"})
        @Doc(
            "Compute type of the encoder's matrix products: `fp32` (default); `bf16`: bfloat16"
                + " products with float32 weights, optimizer state, LayerNorm, softmax and loss;"
                + " `auto`: bf16 where the CPU has bfloat16 matrix units (AMX or AVX512-BF16),"
                + " else fp32.")
        String precision,
    @OneOf({"auto", "cpu", "gpu"})
        @Doc(
            "Where the run computes: `cpu`, `gpu` (fails when the engine has none) or `auto` (the"
                + " GPU when the engine has one, else the CPU; default). The CPU native library"
                + " is the default build; see README for the GPU one.")
        String device) {

  /** Applies defaults. */
  public TrainSpec {
    seed = seed == null ? 42L : seed;
    evalEveryEpoch = evalEveryEpoch == null ? Boolean.TRUE : evalEveryEpoch;
    onNonfinite = onNonfinite == null ? "stop" : onNonfinite;
    maxSkippedSteps =
        maxSkippedSteps == null && "skip".equals(onNonfinite) ? Long.valueOf(10) : maxSkippedSteps;
    keepCheckpoints = keepCheckpoints == null ? 2 : keepCheckpoints;
    accumulate = accumulate == null ? 1 : accumulate;
    featureCache = featureCache == null ? Boolean.TRUE : featureCache;
    featureCacheMb = featureCacheMb == null ? 1024 : featureCacheMb;
    precision = precision == null ? "fp32" : precision;
    device = device == null ? "auto" : device;
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
    private Integer checkpointEvery;
    private Integer keepCheckpoints;
    private Integer threads;
    private Long maxSkippedSteps;
    private String onNonfinite;
    private Integer accumulate;
    private EarlyStoppingSpec earlyStopping;
    private Boolean featureCache;
    private Integer featureCacheMb;
    private String precision;
    private String device;

    private Builder() {}

    /**
     * Sets whether a frozen prefix runs apart and is cached (default true).
     *
     * @param featureCache the value
     * @return this builder
     */
    public Builder optFeatureCache(boolean featureCache) {
      this.featureCache = featureCache;
      return this;
    }

    /**
     * Sets the feature cache's heap budget in MiB (default 1024).
     *
     * @param mb the value
     * @return this builder
     */
    public Builder optFeatureCacheMb(int mb) {
      this.featureCacheMb = mb;
      return this;
    }

    /**
     * Sets the compute precision, {@code fp32}, {@code bf16} or {@code auto} (default fp32).
     *
     * @param precision the value
     * @return this builder
     */
    public Builder optPrecision(String precision) {
      this.precision = precision;
      return this;
    }

    /**
     * Sets the device, {@code auto}, {@code cpu} or {@code gpu} (default auto).
     *
     * @param device the value
     * @return this builder
     */
    public Builder optDevice(String device) {
      this.device = device;
      return this;
    }

    /**
     * Sets how many batches each optimizer step accumulates (default 1).
     *
     * @param accumulate the value
     * @return this builder
     */
    public Builder optAccumulate(int accumulate) {
      this.accumulate = accumulate;
      return this;
    }

    /**
     * Sets early stopping (default none).
     *
     * @param earlyStopping the value
     * @return this builder
     */
    public Builder optEarlyStopping(EarlyStoppingSpec earlyStopping) {
      this.earlyStopping = earlyStopping;
      return this;
    }

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
     * Sets what a step whose loss or gradients are not finite does: {@code stop} (default) or
     * {@code skip}.
     *
     * @param onNonfinite the value
     * @return this builder
     */
    public Builder optOnNonfinite(String onNonfinite) {
      this.onNonfinite = onNonfinite;
      return this;
    }

    /**
     * With {@code skip}: sets the most steps that may be skipped (default 10).
     *
     * @param maxSkippedSteps the value
     * @return this builder
     */
    public Builder optMaxSkippedSteps(long maxSkippedSteps) {
      this.maxSkippedSteps = maxSkippedSteps;
      return this;
    }

    /**
     * Writes a checkpoint every N steps and at each epoch end (0: at epoch ends only).
     *
     * @param checkpointEvery the value
     * @return this builder
     */
    public Builder optCheckpointEvery(int checkpointEvery) {
      this.checkpointEvery = checkpointEvery;
      return this;
    }

    /**
     * Sets how many checkpoints are kept.
     *
     * @param keepCheckpoints the value
     * @return this builder
     */
    public Builder optKeepCheckpoints(int keepCheckpoints) {
      this.keepCheckpoints = keepCheckpoints;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the TrainSpec
     */
    public TrainSpec build() {
      return new TrainSpec(
          seed,
          evalEveryEpoch,
          threads,
          onNonfinite,
          maxSkippedSteps,
          checkpointEvery,
          keepCheckpoints,
          accumulate,
          earlyStopping,
          featureCache,
          featureCacheMb,
          precision,
          device);
    }
  }
}
