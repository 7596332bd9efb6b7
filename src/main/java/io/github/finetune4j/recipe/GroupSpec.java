package io.github.finetune4j.recipe;

import java.util.List;

/**
 * A named parameter group.
 *
 * @param name group name, used by stages and the optimizer
 * @param match name patterns
 * @param lr learning rate of this group, overriding the optimizer's spread
 */
@Doc("A named group of parameters, selected by name patterns.")
public record GroupSpec(
    @Required @Doc("Group name, used by stages and the optimizer.") String name,
    @Required
        @Doc(
            "Parameter-name patterns: globs (`*` any run of characters, `?` one, `[0-3]` a class) or"
                + " regular expressions prefixed with `re:`. A pattern must match the whole name.")
        List<String> match,
    @Doc("Learning rate for this group; overrides `optimizer.lr` and any spread.") Double lr) {

  /** Copies the list. */
  public GroupSpec {
    match = match == null ? null : List.copyOf(match);
  }
}
