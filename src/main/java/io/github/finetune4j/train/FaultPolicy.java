package io.github.finetune4j.train;

/**
 * What a run does when a step goes numerically bad (a loss, a gradient or an updated weight that is
 * not finite). With {@link Mode#STOP} the first such step ends the run as failed; with {@link
 * Mode#SKIP} a step whose loss or gradients are not finite is skipped (no weight or optimizer state
 * changes) and counted, and the run fails once more than {@code maxSkippedSteps} were skipped. In
 * both modes a validation or test loss that is not finite fails the run, and so does an update that
 * leaves a weight non-finite (it cannot be taken back by skipping). A failed run's weights are put
 * back to the last good ones (see {@link TrainingFault#restoredTo()}).
 *
 * @param mode stop at the first bad step, or skip bad steps
 * @param maxSkippedSteps with {@link Mode#SKIP}: the most skipped steps a run may have and still
 *     succeed (0 with {@link Mode#STOP})
 */
public record FaultPolicy(Mode mode, long maxSkippedSteps) {

  /** What a bad step does. */
  public enum Mode {
    /** The first bad step fails the run (the recipe's {@code train.on_nonfinite: stop}). */
    STOP,
    /** Bad steps are skipped and counted, up to a bound ({@code train.on_nonfinite: skip}). */
    SKIP
  }

  /** The default: stop at the first bad step. */
  public static final FaultPolicy DEFAULT = new FaultPolicy(Mode.STOP, 0);

  /** Checks the bound. */
  public FaultPolicy {
    if (mode == null) {
      throw new IllegalArgumentException("mode must not be null");
    }
    if (maxSkippedSteps < 0) {
      throw new IllegalArgumentException("maxSkippedSteps must be >= 0, got " + maxSkippedSteps);
    }
    if (mode == Mode.STOP && maxSkippedSteps != 0) {
      throw new IllegalArgumentException("maxSkippedSteps applies only to Mode.SKIP");
    }
  }

  /**
   * Stop at the first bad step.
   *
   * @return the policy
   */
  public static FaultPolicy stop() {
    return DEFAULT;
  }

  /**
   * Skip bad steps; fail once more than {@code maxSkippedSteps} were skipped.
   *
   * @param maxSkippedSteps the bound (0: the first bad step fails the run, like {@link #stop()})
   * @return the policy
   */
  public static FaultPolicy skip(long maxSkippedSteps) {
    return new FaultPolicy(Mode.SKIP, maxSkippedSteps);
  }
}
