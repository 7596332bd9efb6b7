package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.finetune4j.TestRecipes;
import io.github.finetune4j.recipe.RecipeReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The resolved plan of every shipped recipe (per parameter: group, trainable and lr per stage,
 * weight decay, L2-SP; rule and schedule) matches its reviewed golden file. Regenerate after an
 * intended change with {@code mvn test -Dtest=PlanGoldenTest -Dgolden.update=true} and review the
 * diff.
 */
class PlanGoldenTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden/plans");

  static List<Path> recipes() throws IOException {
    try (Stream<Path> walk = Files.walk(Path.of("recipes"))) {
      return walk.filter(p -> p.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList();
    }
  }

  @TestFactory
  Stream<DynamicTest> everyShippedRecipeMatchesItsGoldenPlan() throws IOException {
    List<Path> recipes = recipes();
    assertFalse(recipes.isEmpty(), "no recipes found under recipes/");
    boolean update = Boolean.getBoolean("golden.update");
    return recipes.stream()
        .map(
            r ->
                DynamicTest.dynamicTest(
                    r.toString(),
                    () -> {
                      String name =
                          Path.of("recipes")
                                  .relativize(r)
                                  .toString()
                                  .replace('/', '_')
                                  .replaceAll("\\.(ya?ml|json)$", "")
                              + ".plan.json";
                      String actual =
                          RecipeReader.toJson(
                                  FineTune.plan(
                                          RecipeReader.read(r, TestRecipes.fixtureOverrides(r)))
                                      .toJson())
                              + "\n";
                      Path golden = GOLDEN.resolve(name);
                      if (update) {
                        Files.createDirectories(GOLDEN);
                        Files.writeString(golden, actual);
                      } else if (!Files.exists(golden)) {
                        fail(
                            "no golden plan "
                                + golden
                                + " for "
                                + r
                                + "; run with -Dgolden.update=true and review it");
                      } else {
                        assertEquals(
                            Files.readString(golden),
                            actual,
                            "plan of " + r + " differs from " + golden);
                      }
                    }));
  }

  @org.junit.jupiter.api.Test
  void aGroupsWeightDecayOverridesTheOptimizersAndKeepsExclusions() throws Exception {
    Plan plan =
        FineTune.plan(
            RecipeReader.read(
                Path.of("recipes/quickstart.yaml"),
                List.of("groups.3.weight_decay=0.5", "groups.0.weight_decay=0")));
    Map<String, Double> wd = new HashMap<>();
    plan.rows().forEach(r -> wd.put(r.name(), r.weightDecay()));
    assertEquals(0.5, wd.get("head.weight"));
    assertEquals(0.0, wd.get("head.bias"), "biases stay excluded");
    assertEquals(0.01, wd.get("encoder.layer.2.intermediate.dense.weight"));
    assertEquals(0.0, wd.get("embeddings.word_embeddings.weight"));
  }
}
