package io.github.finetune4j.train;

import java.util.Set;

/**
 * A training stage.
 *
 * @param epochs epochs in the stage
 * @param trainable names of the groups that train; the others are frozen
 */
public record Stage(int epochs, Set<String> trainable) {
  /** Copies the set. */
  public Stage {
    trainable = Set.copyOf(trainable);
  }
}
