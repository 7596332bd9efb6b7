package io.github.finetune4j.train;

/**
 * When a run counts as failed. A step whose gradients are not finite is skipped (no weight or
 * optimizer state changes); a run fails as soon as a training, validation or test loss is not
 * finite, or when more than {@code maxSkippedSteps} steps were skipped.
 *
 * @param maxSkippedSteps the most skipped steps a run may have and still succeed
 */
public record FaultPolicy(long maxSkippedSteps) {

  /** The default: up to 10 skipped steps. */
  public static final FaultPolicy DEFAULT = new FaultPolicy(10);

  /** Checks the bound. */
  public FaultPolicy {
    if (maxSkippedSteps < 0) {
      throw new IllegalArgumentException("maxSkippedSteps must be >= 0, got " + maxSkippedSteps);
    }
  }
}
