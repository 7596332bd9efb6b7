package io.github.finetune4j.policy;

import java.util.List;
import java.util.Map;

/**
 * One stage of training: how many epochs, which groups train, and per-group lr multipliers.
 *
 * @param epochs epochs in the stage
 * @param trainable names of the groups that train, bottom to top
 * @param lrScale lr multiplier per trainable group (absent = 1)
 */
public record StagePlan(int epochs, List<String> trainable, Map<String, Double> lrScale) {
  /** Copies the collections. */
  public StagePlan {
    trainable = List.copyOf(trainable);
    lrScale = Map.copyOf(lrScale);
  }

  /**
   * The multiplier of a group in this stage: 0 when frozen.
   *
   * @param group group name
   * @return the multiplier
   */
  public double scale(String group) {
    return trainable.contains(group) ? lrScale.getOrDefault(group, 1.0) : 0.0;
  }
}
