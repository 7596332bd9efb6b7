package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.pipeline.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Early stopping from the CLI on the built-in MLP and the breast-cancer table: the run stops once
 * validation accuracy has not improved for 3 epochs, exports the best epoch's weights, and says so
 * in the console and {@code summary.json}; a run killed before or after its best epoch and resumed
 * picks the same best epoch and exports byte-identical weights (the best weights travel in the
 * checkpoints). Bad early-stopping settings are exit 2 before anything is written.
 */
class EarlyStoppingCliTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RECIPE = "recipes/tabular/breast-cancer-mlp.yaml";
  private static final String[] SETUP = {
    "train.early_stopping={metric: accuracy, patience: 3}",
    "data.batch_size=8", // 47 steps an epoch
    "train.checkpoint_every=9",
    "monitor.sinks=[jsonl]",
  };

  @TempDir static Path tmp;
  private static Path reference;
  private static CliResult result;
  private static JsonNode summary;

  @BeforeAll
  static void uninterrupted() throws Exception {
    reference = tmp.resolve("reference");
    result = CliResult.run(args(reference, false));
    assertEquals(0, result.code(), result::toString);
    summary = JSON.readTree(reference.resolve("summary.json").toFile());
  }

  private static String[] args(Path out, boolean resume, String... more) {
    List<String> a = new ArrayList<>(List.of("run", RECIPE));
    a.addAll(List.of(SETUP));
    a.addAll(List.of(more));
    a.add("output.dir=" + out);
    if (resume) {
      a.add("--resume");
    }
    return a.toArray(String[]::new);
  }

  @Test
  void theRunStopsEarlyAndSaysWhichEpochItKept() throws Exception {
    JsonNode es = summary.get("early_stopping");
    int best = es.get("best_epoch").asInt();
    int stopped = es.get("stopped_after_epoch").asInt();
    assertEquals(best + 3, stopped, es::toString);
    assertTrue(stopped < 20, "stopped before the 20 epochs: " + es);
    assertEquals(stopped * 47L, summary.get("steps").asLong());
    assertTrue(es.get("restored_best").asBoolean());
    // the best value is the highest validation accuracy of the epochs run, first reached at best
    double max = 0;
    int first = 0;
    for (String l : Files.readAllLines(reference.resolve("metrics.jsonl"))) {
      JsonNode o = JSON.readTree(l);
      if (o.get("kind").asText().equals("epoch") && o.get("valid_accuracy").asDouble() > max) {
        max = o.get("valid_accuracy").asDouble();
        first = o.get("epoch").asInt();
      }
    }
    assertEquals(max, es.get("best_value").asDouble());
    assertEquals(first, best);
    assertTrue(
        result
            .out()
            .contains(
                "Early stopping on validation accuracy: stopped after epoch "
                    + stopped
                    + "; the best epoch "
                    + best),
        result::toString);
  }

  @Test
  void aResumedRunKeepsTheSameBestEpoch() throws Exception {
    byte[] want = Files.readAllBytes(reference.resolve("model/model-0000.params"));
    long bestEnd = summary.get("early_stopping").get("best_epoch").asLong() * 47;
    for (long target : new long[] {bestEnd - 30, bestEnd + 60}) {
      Path out = tmp.resolve("killed-at-" + target);
      ChildRun.Stopped s =
          ChildRun.signalAt(args(out, false), out, target, null, tmp.resolve(target + ".log"));
      CliResult r = CliResult.run(args(out, true));
      assertEquals(0, r.code(), () -> "after a kill at step " + s.lastStep() + ":\n" + r);
      assertArrayEquals(
          want,
          Files.readAllBytes(out.resolve("model/model-0000.params")),
          "the best epoch's weights after a kill at step " + s.lastStep());
      assertEquals(
          summary.get("early_stopping"),
          JSON.readTree(out.resolve("summary.json").toFile()).get("early_stopping"));
    }
  }

  @Test
  void aMetricTheTaskDoesNotReportIsBadInput() {
    Path out = tmp.resolve("bad-metric");
    CliResult r = CliResult.run(args(out, false, "train.early_stopping.metric=auc"));
    assertEquals(2, r.code(), r::toString);
    assertTrue(
        r.err()
            .contains(
                "train.early_stopping.metric: 'auc' is not a validation metric of this"
                    + " classification task; one of [loss, accuracy, macro_f1,"),
        r::toString);
    assertFalse(Files.exists(out));
    assertFalse(Files.exists(RunDirectory.partialOf(out)));
  }

  @Test
  void earlyStoppingWithoutEvaluationAfterEveryEpochIsBadInput() {
    Path out = tmp.resolve("no-eval");
    CliResult r = CliResult.run(args(out, false, "train.eval_every_epoch=false"));
    assertEquals(2, r.code(), r::toString);
    assertTrue(
        r.err().contains("train.early_stopping: needs train.eval_every_epoch: true"), r::toString);
    assertFalse(Files.exists(RunDirectory.partialOf(out)));
  }
}
