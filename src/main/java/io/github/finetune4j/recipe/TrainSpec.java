package io.github.finetune4j.recipe;

/**
 * Run-wide training settings.
 *
 * @param seed random seed for initialization, dropout and shuffling
 * @param evalEveryEpoch evaluate on the validation split after every epoch
 * @param threads intra-op threads for the engine
 */
@Doc("Run-wide training settings.")
public record TrainSpec(
    @Doc("Random seed for initialization, dropout and data order (default 42).") Long seed,
    @Doc("Evaluate on the validation split after every epoch (default true).") Boolean evalEveryEpoch,
    @Doc("Intra-op threads for the engine (default: the number of cores).") Integer threads) {

  /** Applies defaults. */
  public TrainSpec {
    seed = seed == null ? 42L : seed;
    evalEveryEpoch = evalEveryEpoch == null ? Boolean.TRUE : evalEveryEpoch;
  }
}
