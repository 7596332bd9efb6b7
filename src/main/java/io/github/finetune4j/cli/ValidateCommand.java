package io.github.finetune4j.cli;

import io.github.finetune4j.pipeline.BadInputException;
import io.github.finetune4j.pipeline.FineTune;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeException;
import java.util.Locale;
import picocli.CommandLine.Command;

/** {@code finetune validate}: check a recipe against its model, loading no weights. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    version = Main.VERSION,
    description = "Check a recipe and report every problem; loads no weights.")
final class ValidateCommand extends RecipeCommand {
  @Override
  public Integer call() {
    try {
      Recipe r = readRecipe(recipe, overrides);
      // The model-dependent checks too (groups partition the parameters, norm modes the
      // model's layers can honour): the architecture is built, no weight file is read.
      FineTune.plan(r);
      out()
          .printf(
              Locale.ROOT,
              "%s: valid (%d groups, %s)%n",
              Escapes.escape(recipe.toString()),
              r.groups().size(),
              r.stages() != null
                  ? r.stages().size() + " stages"
                  : "stages from its unfreeze policy");
      return OK;
    } catch (RecipeException e) {
      return badRecipe(recipe, e);
    } catch (BadInputException e) {
      return badInput("recipe " + recipe + " does not fit its model", e);
    }
  }
}
