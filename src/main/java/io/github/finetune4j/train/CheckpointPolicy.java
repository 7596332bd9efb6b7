package io.github.finetune4j.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * When a run writes checkpoints, and the one it resumes from.
 *
 * @param root the folder checkpoints go in ({@code DIR.partial/checkpoints})
 * @param every write one every this many optimizer steps (and at each epoch end); 0 for epoch ends
 *     only
 * @param keep how many to keep (at least 1)
 * @param extras written into each checkpoint's state (e.g. the recipe's hash)
 * @param resume the checkpoint to continue from, or null for a fresh run
 * @param stop polled after every step, or null: when true, a checkpoint is written and {@code
 *     stopped} is told its step (a signal handler then ends the process)
 * @param stopped told the step of the checkpoint written on a stop
 * @param files further files each checkpoint holds (e.g. a TorchScript module with its buffers,
 *     which are not DJL parameters); the code that resumes reads them back
 */
public record CheckpointPolicy(
    Path root,
    int every,
    int keep,
    ObjectNode extras,
    Checkpoint resume,
    BooleanSupplier stop,
    LongConsumer stopped,
    List<Checkpoint.Extra> files) {

  /** Checks the numbers. */
  public CheckpointPolicy {
    if (every < 0 || keep < 1) {
      throw new IllegalArgumentException("every must be >= 0 and keep >= 1");
    }
    files = files == null ? List.of() : List.copyOf(files);
  }

  /**
   * A policy without extra files.
   *
   * @param root the folder checkpoints go in
   * @param every write one every this many optimizer steps (0: epoch ends only)
   * @param keep how many to keep
   * @param extras written into each checkpoint's state
   * @param resume the checkpoint to continue from, or null
   * @param stop polled after every step, or null
   * @param stopped told the step of the checkpoint written on a stop
   */
  public CheckpointPolicy(
      Path root,
      int every,
      int keep,
      ObjectNode extras,
      Checkpoint resume,
      BooleanSupplier stop,
      LongConsumer stopped) {
    this(root, every, keep, extras, resume, stop, stopped, List.of());
  }
}
