package io.github.finetune4j.recipe;

/**
 * The datasets and how they are batched.
 *
 * @param train training split
 * @param valid validation split, evaluated at the end of every epoch
 * @param test test split, evaluated once at the end
 * @param maxLength truncation length in tokens
 * @param batchSize examples per batch
 */
@Doc("Datasets and batching.")
public record DataSpec(
    @Required @Doc("Training split.") SourceSpec train,
    @Doc("Validation split, evaluated after every epoch.") SourceSpec valid,
    @Doc("Test split, evaluated once after training.") SourceSpec test,
    @Doc("Truncate texts to this many tokens (default 128).") Integer maxLength,
    @Doc("Examples per batch (default 16).") Integer batchSize) {

  /** Applies defaults. */
  public DataSpec {
    maxLength = maxLength == null ? 128 : maxLength;
    batchSize = batchSize == null ? 16 : batchSize;
  }
}
