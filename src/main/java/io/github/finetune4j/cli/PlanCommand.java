package io.github.finetune4j.cli;

import io.github.finetune4j.pipeline.BadInputException;
import io.github.finetune4j.pipeline.FineTune;
import io.github.finetune4j.pipeline.Plan;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeException;
import io.github.finetune4j.recipe.RecipeReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code finetune plan}: print the per-parameter plan of a recipe. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    version = Main.VERSION,
    description = "Print, per parameter: group, shape, trainable and lr per stage, decay.")
final class PlanCommand extends RecipeCommand {
  @Option(names = "--json", description = "Print the plan as JSON.")
  boolean json;

  @Override
  public Integer call() {
    try {
      Recipe r = readRecipe(recipe, overrides);
      Plan plan = FineTune.plan(r);
      out().print(json ? RecipeReader.toJson(plan.toJson()) + "\n" : plan.toText());
      return OK;
    } catch (RecipeException e) {
      return badRecipe(recipe, e);
    } catch (BadInputException e) {
      return badInput("recipe " + recipe + " does not fit its model", e);
    }
  }
}
