package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.pipeline.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose learning rate is absurd ({@code optimizer.lr=1e30}) fails: exit 1, a message that
 * names the first bad step and the group and says where the weights were restored from, the run
 * kept in {@code DIR.failed} with its metrics, summary and report, never renamed to {@code DIR}, no
 * exported model, and no number in summary.json written as a string. Real quickstart model, shrunk
 * to 4 steps.
 */
class FailedRunTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TEXT_FIELDS =
      Set.of(
          "status",
          "headline", // its value is checked below; metric is a name, higher_is_better a flag
          "precision",
          "feature_cache",
          "failure",
          "recipe_description",
          "djl_version",
          "engine",
          "task",
          "new_groups",
          "block",
          "rule",
          "determinism",
          "weights_restored_from");

  @TempDir static Path tmp;
  private static Path runDir;
  private static CliResult result;

  @BeforeAll
  static void explode() {
    runDir = tmp.resolve("exploded");
    result =
        CliResult.run(
            "run",
            "recipes/quickstart.yaml",
            "data.train.limit=32",
            "data.valid.limit=8",
            "data.test.limit=8",
            "data.max_length=24",
            "stages.0.epochs=1",
            "stages.1.epochs=1",
            "optimizer.lr=1e30",
            "groups.3.lr=1e30",
            "monitor.every=1",
            "output.dir=" + runDir);
  }

  @Test
  void exitsOneNamingTheStepAndTheGroup() {
    assertEquals(1, result.code(), result::toString);
    // lr 1e30 makes the head's weights huge at step 1 and infinite at step 2: the run stops there
    // and the weights that went bad are put back (no checkpoints: to those before training).
    assertTrue(
        result
            .err()
            .startsWith(
                "finetune: the run failed at step 2: the update left weights that are not finite"
                    + " (is the learning rate too high?); the weights of group head were no longer"
                    + " finite and were restored to the weights before training (no checkpoints"
                    + " were written)."),
        result::toString);
    assertTrue(
        result.err().contains("is in " + RunDirectory.failedOf(runDir.toAbsolutePath())),
        result::toString);
    assertFalse(result.out().contains("Done"), result::toString);
    assertFalse(result.err().contains("Exception"), result::toString);
  }

  @Test
  void theRunIsKeptAsAClearlyFailedRunAndNeverLooksComplete() throws Exception {
    Path failed = RunDirectory.failedOf(runDir.toAbsolutePath());
    assertFalse(Files.exists(runDir), "never renamed to DIR");
    assertFalse(Files.exists(RunDirectory.partialOf(runDir)), "moved out of .partial");
    for (String f : List.of("metrics.jsonl", "summary.json", "report.html", "plan.json")) {
      assertTrue(Files.isRegularFile(failed.resolve(f)), f + " kept for the user");
    }
    assertFalse(Files.exists(failed.resolve("model")), "no model is exported from a failed run");
    assertTrue(
        Files.readString(failed.resolve("report.html")).contains("FAILED at step "),
        "the report says the run failed");
    CliResult predict = CliResult.run("predict", failed.toString(), "hello");
    assertEquals(2, predict.code(), predict::toString);
  }

  @Test
  void summaryHasAnExplicitStatusAndNoNumberAsAString() throws Exception {
    JsonNode s =
        JSON.readTree(
            RunDirectory.failedOf(runDir.toAbsolutePath()).resolve("summary.json").toFile());
    assertEquals("failed", s.get("status").asText());
    assertTrue(s.get("failure").asText().startsWith("at step "), s.toString());
    assertTrue(s.get("test_loss").isNull(), "not evaluated: null, got " + s.get("test_loss"));
    assertTrue(s.get("failed_at_step").isNumber(), s.toString());
    assertEquals(0, s.get("weights_of_step").asLong(), s.toString());
    assertTrue(
        s.get("weights_restored_from").asText().startsWith("the weights before training"),
        s.toString());
    assertNumbers("headline.value", s.get("headline").get("value"));
    assertTrue(s.get("headline").get("metric").isTextual(), s.toString());
    for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) s::fields) {
      if (!TEXT_FIELDS.contains(e.getKey())) {
        assertNumbers(e.getKey(), e.getValue());
      }
    }
  }

  /** Every leaf is a number or null (metric maps are objects of numbers). */
  private static void assertNumbers(String path, JsonNode v) {
    if (v.isObject()) {
      v.fields().forEachRemaining(e -> assertNumbers(path + "." + e.getKey(), e.getValue()));
    } else {
      assertTrue(v.isNumber() || v.isNull(), path + " = " + v);
    }
  }
}
