package io.github.finetune4j.recipe;

/**
 * Where a run writes its results.
 *
 * @param dir run directory
 * @param overwrite replace an existing run directory
 */
@Doc("Where the run writes its results.")
public record OutputSpec(
    @Required @Doc("Run directory (created; must not hold a previous run unless `overwrite`).")
        String dir,
    @Doc("Replace an existing run directory (default false).") Boolean overwrite) {

  /** Applies defaults. */
  public OutputSpec {
    overwrite = overwrite == null ? Boolean.FALSE : overwrite;
  }
}
