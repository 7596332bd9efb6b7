package io.github.finetune4j.cli;

import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeModel;
import io.github.finetune4j.recipe.RecipeReader;
import picocli.CommandLine.Command;

/** {@code finetune schema}: print the JSON Schema of the recipe format. */
@Command(
    name = "schema",
    mixinStandardHelpOptions = true,
    version = Main.VERSION,
    description = "Print the JSON Schema of the recipe format.")
final class SchemaCommand extends CliCommand {
  @Override
  public Integer call() {
    out().println(RecipeReader.toJson(RecipeModel.schema(Recipe.class)));
    return OK;
  }
}
