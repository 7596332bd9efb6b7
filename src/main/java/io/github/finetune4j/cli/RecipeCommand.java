package io.github.finetune4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Parameters;

/** Base of the commands that take a recipe and overrides. */
abstract class RecipeCommand extends CliCommand {
  @Parameters(index = "0", paramLabel = "RECIPE", description = "Recipe file (YAML or JSON).")
  Path recipe;

  @Parameters(
      index = "1..*",
      paramLabel = "KEY=VALUE",
      description = "Overrides of recipe fields, e.g. optimizer.lr=3e-4 train.seed=7.")
  List<String> overrides = new ArrayList<>();
}
