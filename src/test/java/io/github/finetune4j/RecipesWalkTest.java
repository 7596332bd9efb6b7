package io.github.finetune4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every recipe shipped under recipes/ (found recursively) validates and plans. */
class RecipesWalkTest {

  @TestFactory
  Stream<DynamicTest> everyShippedRecipeValidatesAndPlans() {
    List<Path> recipes = TestRecipes.shippedRecipes();
    assertFalse(recipes.isEmpty(), "no recipes found under recipes/");
    return recipes.stream()
        .flatMap(
            r ->
                Stream.of(
                    DynamicTest.dynamicTest("validate " + r, () -> expectOk("validate", r)),
                    DynamicTest.dynamicTest("plan " + r, () -> expectOk("plan", r))));
  }

  private static void expectOk(String command, Path recipe) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> args = new ArrayList<>(List.of(command, recipe.toString()));
    args.addAll(TestRecipes.fixtureOverrides(recipe));
    int code =
        Main.run(
            args.toArray(String[]::new),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    String o = out.toString(StandardCharsets.UTF_8);
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, () -> command + " " + recipe + "\n" + o + e);
    assertTrue(
        command.equals("validate") ? o.contains(": valid (") : o.contains(" parameters ("),
        () -> command + " " + recipe + "\n" + o + e);
  }
}
