package io.github.finetune4j.recipe;

import java.util.List;

/**
 * A training stage: which groups train for how many epochs.
 *
 * @param epochs epochs in the stage
 * @param train groups that are trainable in the stage
 * @param lrScale per-group lr multiplier in this stage (default 1)
 */
@Doc("A stage: which groups train, for how many epochs. Groups not listed are frozen.")
public record StageSpec(
    @Required @Doc("Epochs in this stage.") Integer epochs,
    @Required @Doc("Names of the groups that train in this stage; the others stay frozen.")
        List<String> train,
    @Doc("Per-group lr multiplier in this stage, by group name (default 1).")
        java.util.Map<String, Double> lrScale) {

  /** Copies the list. */
  public StageSpec {
    train = train == null ? null : List.copyOf(train);
    lrScale = lrScale == null ? java.util.Map.of() : java.util.Map.copyOf(lrScale);
  }
}
