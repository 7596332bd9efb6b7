package io.github.finetune4j.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * When a run writes checkpoints, and the one it resumes from.
 *
 * @param root the folder checkpoints go in ({@code DIR.partial/checkpoints})
 * @param every write one every this many optimizer steps (and at each epoch end); 0 for epoch ends
 *     only
 * @param keep how many to keep (at least 1)
 * @param extras written into each checkpoint's state (e.g. the recipe's hash)
 * @param resume the checkpoint to continue from, or null for a fresh run
 */
public record CheckpointPolicy(
    Path root, int every, int keep, ObjectNode extras, Checkpoint resume) {

  /** Checks the numbers. */
  public CheckpointPolicy {
    if (every < 0 || keep < 1) {
      throw new IllegalArgumentException("every must be >= 0 and keep >= 1");
    }
  }
}
