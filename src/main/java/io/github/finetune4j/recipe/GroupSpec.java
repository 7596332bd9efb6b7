package io.github.finetune4j.recipe;

import java.util.List;

/**
 * A named parameter group.
 *
 * @param name group name, used by stages and the optimizer
 * @param match name patterns
 * @param lr learning rate of this group, overriding the optimizer's spread
 * @param norm policy for the group's normalization layers
 */
@Doc("A named group of parameters, selected by name patterns.")
public record GroupSpec(
    @Required @Doc("Group name, used by stages and the optimizer.") String name,
    @Required
        @Doc(
            "Parameter-name patterns: globs (`*` any run of characters, `?` one, `[0-3]` a class) or"
                + " regular expressions prefixed with `re:`. A pattern must match the whole name.")
        List<String> match,
    @Doc("Learning rate for this group; overrides `optimizer.lr` and any spread.") Double lr,
    @OneOf({"train", "freeze_stats", "freeze_all", "recalibrate"})
        @Doc("Normalization layers of the group: `train` (default) as the group; `freeze_all` keeps"
            + " their parameters (and statistics) fixed even while the group trains; `freeze_stats`"
            + " keeps running statistics fixed; `recalibrate` re-estimates them on the training data"
            + " without gradients. A mode the model cannot honour is refused at validate time.")
        String norm) {

  /** Copies the list. */
  public GroupSpec {
    match = match == null ? null : List.copyOf(match);
    norm = norm == null ? "train" : norm;
  }
}
