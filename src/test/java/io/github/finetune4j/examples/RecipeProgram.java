package io.github.finetune4j.examples;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.pipeline.FineTune;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeReader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * What the recipe-driven examples share: read a recipe file with {@code key=value} overrides from
 * the command line, print its plan, run it, print its test metrics. The recipe, not the program,
 * holds the paths and numbers.
 */
final class RecipeProgram {

  private RecipeProgram() {}

  /**
   * Reads, plans and runs a recipe.
   *
   * @param recipeFile the recipe
   * @param overrides {@code key=value} overrides
   * @return the summary
   * @throws Exception when the recipe is invalid or the run fails
   */
  static ObjectNode run(Path recipeFile, String... overrides) throws Exception {
    Recipe recipe = RecipeReader.read(recipeFile, Arrays.asList(overrides));
    System.out.print(FineTune.plan(recipe).toText());
    ObjectNode summary = FineTune.run(recipe, recipeFile, System.out, List.of());
    System.out.println("test metrics " + summary.get("test_metrics"));
    return summary;
  }
}
