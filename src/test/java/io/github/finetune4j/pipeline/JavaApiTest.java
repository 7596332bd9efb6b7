package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.examples.QuickstartInJava;
import io.github.finetune4j.recipe.OutputSpec;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recipe built in Java goes through the same pipeline entry points as a recipe file. */
class JavaApiTest {

  @Test
  void planOfTheBuiltQuickstartEqualsThePlanOfTheYaml() throws Exception {
    Recipe fromYaml = RecipeReader.read(Path.of("recipes/quickstart.yaml"), List.of());
    Recipe built = FineTune.validate(QuickstartInJava.recipe());
    String expected = RecipeReader.toJson(FineTune.plan(fromYaml).toJson());
    assertEquals(expected, RecipeReader.toJson(FineTune.plan(built).toJson()));
    assertEquals(FineTune.plan(fromYaml).toText(), FineTune.plan(built).toText());
  }

  @Test
  void runTakesABuiltRecipeAndRefusesAnExistingRunDirBeforeAnyWork(@TempDir Path tmp)
      throws Exception {
    Path existing = Files.createDirectories(tmp.resolve("run"));
    Files.writeString(existing.resolve("notes.txt"), "the user's");
    Recipe q = QuickstartInJava.recipe();
    Recipe recipe = q.withOutput(OutputSpec.builder().setDir(existing.toString()).build());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () ->
                FineTune.run(
                    FineTune.validate(recipe),
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    List.of()));
    assertTrue(e.getMessage().contains("output.dir: " + existing), e.getMessage());
    try (var files = Files.list(existing)) {
      assertEquals(1, files.count(), "nothing may be written into the refused directory");
    }
  }
}
