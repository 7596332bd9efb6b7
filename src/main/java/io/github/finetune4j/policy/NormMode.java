package io.github.finetune4j.policy;

import java.util.Locale;

/**
 * What a group does with its normalization layers (recipe key {@code groups[].norm}).
 *
 * <p>The rule for running statistics (BatchNorm's running mean and variance) is: they are updated
 * only while the layer's group trains <em>and</em> its mode is {@link #TRAIN}. A frozen group's
 * statistics never move (the layer runs in inference mode), so "frozen" means frozen, unlike
 * PyTorch, where a frozen backbone left in {@code train()} mode still drifts its statistics.
 */
public enum NormMode {
  /** Statistics update while the group trains; the affine parameters train with the group. */
  TRAIN,
  /** Statistics are fixed (the layer normalizes with them); the affine parameters still train. */
  FREEZE_STATS,
  /** Statistics and affine parameters are both fixed, whatever the stage. */
  FREEZE_ALL,
  /**
   * Statistics are re-estimated once, before the first step, on the training split with no gradient
   * (a cumulative average over batches), then kept fixed; the affine parameters train.
   */
  RECALIBRATE;

  /**
   * Whether the layer's running statistics stay fixed in a stage.
   *
   * @param groupTrains whether the layer's group trains in the stage
   * @return true when the layer must normalize with its stored statistics and not update them
   */
  public boolean statisticsFixed(boolean groupTrains) {
    return !groupTrains || this != TRAIN;
  }

  /**
   * Whether the layer's affine parameters (weight, bias) never train.
   *
   * @return true for {@link #FREEZE_ALL}
   */
  public boolean pinsAffine() {
    return this == FREEZE_ALL;
  }

  /**
   * The recipe spelling, e.g. {@code freeze_stats}.
   *
   * @return the lower-case name
   */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a recipe value.
   *
   * @param key {@code train}, {@code freeze_stats}, {@code freeze_all} or {@code recalibrate}
   * @return the mode
   * @throws IllegalArgumentException for anything else
   */
  public static NormMode of(String key) {
    for (NormMode m : values()) {
      if (m.key().equals(key)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown norm mode '" + key + "' (train, freeze_stats, freeze_all, recalibrate)");
  }
}
