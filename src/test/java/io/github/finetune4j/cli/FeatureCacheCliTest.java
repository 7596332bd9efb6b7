package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The feature cache on a TorchScript model (the digits body with BatchNorm, its statistics fixed,
 * so the frozen body already ran in inference mode before the cache existed): with the cache (stage
 * 1 trains the head on the body's stored outputs) and without it (the body runs every step) the
 * runs give the same per-step losses and the same test accuracy, and {@code plan} shows the cut.
 */
class FeatureCacheCliTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private static List<Double> losses(Path run) throws Exception {
    List<Double> out = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      JsonNode n = JSON.readTree(line);
      if ("step".equals(n.path("kind").asText())) {
        out.add(n.get("loss").asDouble());
      }
    }
    return out;
  }

  @Test
  void aTorchScriptBodyCachedOrNotGivesTheSameRunAndThePlanShowsTheCut() throws Exception {
    CliResult plan = CliResult.run("plan", "recipes/tabular/digits-transfer.yaml");
    assertEquals(0, plan.code(), plan.toString());
    assertTrue(
        plan.out().contains("feature cache: stage 1 after module (run once per example,"),
        plan.out());
    assertTrue(plan.out().contains("stage 2 none"), plan.out());
    Path on = tmp.resolve("on");
    Path off = tmp.resolve("off");
    CliResult a = CliResult.run("run", "recipes/tabular/digits-transfer.yaml", "output.dir=" + on);
    CliResult b =
        CliResult.run(
            "run",
            "recipes/tabular/digits-transfer.yaml",
            "output.dir=" + off,
            "train.feature_cache=false");
    assertEquals(0, a.code(), a.toString());
    assertEquals(0, b.code(), b.toString());
    List<Double> la = losses(on);
    List<Double> lb = losses(off);
    assertEquals(lb.size(), la.size());
    for (int i = 0; i < la.size(); i++) {
      assertEquals(lb.get(i), la.get(i), 1e-5, "loss of step " + (i + 1));
    }
    JsonNode sa = JSON.readTree(on.resolve("summary.json").toFile());
    JsonNode sb = JSON.readTree(off.resolve("summary.json").toFile());
    assertEquals(sb.get("test_accuracy").asDouble(), sa.get("test_accuracy").asDouble(), 1e-12);
    // the cache was really used (train and, with 5 epochs in stage 1, valid), and only there
    JsonNode used = sa.get("feature_cache");
    assertEquals(2, used.size(), used.toString());
    assertEquals("train", used.get(0).get("split").asText());
    assertEquals("valid", used.get(1).get("split").asText());
    for (JsonNode c : used) {
      assertEquals(1, c.get("stage").asInt());
      assertEquals("module", c.get("after").asText());
      assertTrue(c.get("examples").asInt() > 0 && c.get("heap_bytes").asLong() > 0, c.toString());
    }
    assertEquals(0, sb.get("feature_cache").size(), sb.toString());
  }
}
