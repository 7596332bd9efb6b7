package io.github.finetune4j.recipe;

import java.util.List;

/**
 * A training stage: which groups train for how many epochs.
 *
 * @param epochs epochs in the stage
 * @param train groups that are trainable in the stage
 */
@Doc("A stage: which groups train, for how many epochs. Groups not listed are frozen.")
public record StageSpec(
    @Required @Doc("Epochs in this stage.") Integer epochs,
    @Required @Doc("Names of the groups that train in this stage; the others stay frozen.")
        List<String> train) {

  /** Copies the list. */
  public StageSpec {
    train = train == null ? null : List.copyOf(train);
  }
}
