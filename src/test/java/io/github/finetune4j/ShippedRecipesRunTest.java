package io.github.finetune4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.cli.Main;
import io.github.finetune4j.data.TextExample;
import io.github.finetune4j.data.TextJsonlSource;
import io.github.finetune4j.pipeline.FineTune;
import io.github.finetune4j.pipeline.Prediction;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier 3: every shipped recipe runs end to end through the CLI (shrunk by overrides to a few
 * examples and short texts), and an exported model predicts exactly what the run measured. A
 * regression recipe reports its RMSE instead of an accuracy.
 */
class ShippedRecipesRunTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;

  static String[] shrunk(Path recipe, Path out) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                recipe.toString(),
                "data.train.limit=16",
                "data.test.limit=24",
                "data.max_length=24",
                "data.batch_size=8",
                "monitor.sinks=[jsonl]",
                "output.dir=" + out));
    JsonNode data = TestRecipes.readTree(recipe).path("data");
    if (data.has("valid")) {
      args.add(3, "data.valid.limit=8");
    }
    // a retrieval split searches its queries' documents and a few others
    if ("ir".equals(data.path("valid").path("type").asText())) {
      args.add(3, "data.valid.corpus_limit=8");
    }
    if ("ir".equals(data.path("test").path("type").asText())) {
      args.add(3, "data.test.corpus_limit=16");
    }
    // a few-shot phase: one round of pairs (2 per email)
    if (TestRecipes.readTree(recipe).path("task").has("few_shot")) {
      args.add(3, "task.few_shot.pairs_per_example=1");
    }
    args.addAll(TestRecipes.fixtureOverrides(recipe));
    return args.toArray(String[]::new);
  }

  @TestFactory
  Stream<DynamicTest> everyShippedRecipeRunsEndToEnd() throws Exception {
    List<Path> recipes;
    try (Stream<Path> walk = Files.walk(Path.of("recipes"))) {
      recipes = walk.filter(p -> p.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList();
    }
    assertFalse(recipes.isEmpty());
    return recipes.stream()
        .map(
            r ->
                DynamicTest.dynamicTest(
                    r.toString(),
                    () -> {
                      Path out = tmp.resolve(r.toString().replace('/', '_') + "-run");
                      ByteArrayOutputStream o = new ByteArrayOutputStream();
                      ByteArrayOutputStream e = new ByteArrayOutputStream();
                      int code =
                          Main.run(
                              shrunk(r, out),
                              new PrintStream(o, true, StandardCharsets.UTF_8),
                              new PrintStream(e, true, StandardCharsets.UTF_8));
                      assertEquals(0, code, r + "\n" + e.toString(StandardCharsets.UTF_8));
                      JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
                      if ("regression".equals(summary.get("task").asText())) {
                        double rmse = summary.get("test_metrics").get("rmse").asDouble(Double.NaN);
                        assertTrue(rmse >= 0 && Double.isFinite(rmse), "rmse " + rmse);
                        assertTrue(o.toString(StandardCharsets.UTF_8).contains("Done: test rmse"));
                      } else if ("multilabel".equals(summary.get("task").asText())) {
                        double f1 = summary.at("/headline/value").asDouble(Double.NaN);
                        assertTrue(f1 >= 0 && f1 <= 1, "micro F1 " + f1);
                        assertTrue(
                            o.toString(StandardCharsets.UTF_8).contains("Done: test micro f1"));
                      } else if ("embedding".equals(summary.get("task").asText())) {
                        double ndcg = summary.at("/headline/value").asDouble(Double.NaN);
                        double base = summary.at("/headline/base_value").asDouble(Double.NaN);
                        assertTrue(ndcg >= 0 && ndcg <= 1, "ndcg@10 " + ndcg);
                        assertTrue(base >= 0 && base <= 1, "untouched ndcg@10 " + base);
                        assertTrue(
                            o.toString(StandardCharsets.UTF_8).contains("Done: test ndcg@10"));
                      } else {
                        double acc = summary.get("test_accuracy").asDouble();
                        assertTrue(acc >= 0 && acc <= 1, "accuracy " + acc);
                        assertTrue(
                            o.toString(StandardCharsets.UTF_8).contains("Done: test accuracy"));
                      }
                      // an ir split's examples: its 24 queries and the documents searched
                      assertEquals(
                          24 + corpusSize(r),
                          summary.get("test_examples").asInt(),
                          "test_examples");
                      assertTrue(Files.isRegularFile(out.resolve("recipe.resolved.yaml")));
                      assertTrue(Files.isRegularFile(out.resolve("model/model-0000.params")));
                      assertFalse(Files.exists(out.resolveSibling(out.getFileName() + ".partial")));
                    }));
  }

  /**
   * The documents a shrunk run of a recipe's {@code ir} test split searches: the 24 queries' own
   * (one each in the shipped retrieval sets) and 16 others; 0 for another split.
   */
  private static int corpusSize(Path recipe) {
    JsonNode test = TestRecipes.readTree(recipe).path("data").path("test");
    return "ir".equals(test.path("type").asText()) ? 24 + 16 : 0;
  }

  @Test
  void anExportedModelPredictsWhatTheRunMeasured(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("run");
    String[] args = shrunk(Path.of("recipes/quickstart.yaml"), out);
    args[4] = "data.test.limit=40";
    assertEquals(0, Main.run(args, System.out, System.err));
    JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
    List<String> classes = List.of("ham", "spam");
    List<TextExample> test =
        new TextJsonlSource(Path.of("data/spamassassin/test.jsonl.gz"), "text", "label", 40)
            .read(classes);
    List<Prediction> p = FineTune.predict(out, test.stream().map(TextExample::text).toList());
    long correct = 0;
    for (int i = 0; i < test.size(); i++) {
      double sum =
          p.get(i).probabilities().values().stream().mapToDouble(Double::doubleValue).sum();
      assertEquals(1.0, sum, 1e-5);
      correct += p.get(i).label().equals(classes.get(test.get(i).label())) ? 1 : 0;
    }
    // The reloaded model classifies the held-out emails exactly as the run's own evaluation did.
    assertEquals(summary.get("test_accuracy").asDouble(), correct / 40.0, 1e-9);

    ByteArrayOutputStream o = new ByteArrayOutputStream();
    assertEquals(
        0,
        Main.run(
            new String[] {"predict", out.toString(), "Cheap pills, click now!!!"},
            new PrintStream(o, true, StandardCharsets.UTF_8),
            System.err));
    assertTrue(
        o.toString(StandardCharsets.UTF_8).matches("(?s)(ham|spam)\\t0\\.\\d{4}\\tCheap pills.*"),
        o.toString(StandardCharsets.UTF_8));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(
        2,
        Main.run(
            new String[] {"predict", dir.resolve("nothing").toString(), "x"},
            System.out,
            new PrintStream(err, true, StandardCharsets.UTF_8)));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("no exported model"));
  }
}
