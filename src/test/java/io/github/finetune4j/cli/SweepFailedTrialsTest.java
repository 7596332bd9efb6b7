package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failed trials are rows of {@code results.csv} with their status and reason, and {@code
 * results.md} says how many failed per configuration and which, keeping them out of the mean ± std.
 * Two learning rates × 2 seeds on the built-in MLP; {@code lr = 1e30} makes both of its trials fail
 * (weights not finite at step 2). They used to vanish from {@code results.csv}, and {@code
 * results.md} never said "failed".
 */
class SweepFailedTrialsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RECIPE = "recipes/tabular/breast-cancer-mlp.yaml";

  @TempDir static Path tmp;
  private static Path out;
  private static CliResult sweep;

  private static CliResult sweep(String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "sweep",
                RECIPE,
                "--grid",
                "optimizer.lr=1e-3,1e30",
                "--seeds",
                "2",
                "--set",
                "stages.0.epochs=2",
                "--set",
                "monitor.sinks=[jsonl]",
                "--set",
                "output.formats=[]",
                "--set",
                "train.threads=1",
                "--out",
                out.toString()));
    a.addAll(List.of(more));
    return CliResult.run(a.toArray(String[]::new));
  }

  @BeforeAll
  static void run() {
    out = tmp.resolve("sweep");
    sweep = sweep();
  }

  private static JsonNode summary(String dir) throws Exception {
    return JSON.readTree(out.resolve("trials").resolve(dir).resolve("summary.json").toFile());
  }

  @Test
  void theSweepExitsOneNamingTheFailedTrials() {
    assertEquals(1, sweep.code(), sweep::toString);
    assertTrue(sweep.err().contains("2 trials failed (002, 003)"), sweep::toString);
    assertTrue(sweep.out().contains("Sweep: 2 of 4 trials complete"), sweep::toString);
  }

  @Test
  void everyTrialIsARowWithItsStatusAndReason() throws Exception {
    List<String> csv = Files.readAllLines(out.resolve("results.csv"));
    assertEquals(
        "trial,recipe,optimizer.lr,seed,status,test_accuracy,test_loss,wall_seconds,reason",
        csv.get(0));
    assertEquals(5, csv.size(), csv::toString);
    for (int i = 0; i < 2; i++) {
      String[] row = csv.get(i + 1).split(",", -1);
      assertEquals("completed", row[4], csv::toString);
      assertEquals(summary("00" + i).get("test_accuracy").asDouble(), Double.parseDouble(row[5]));
      assertEquals("", row[8]);
    }
    for (int i = 2; i < 4; i++) {
      String line = csv.get(i + 1);
      assertTrue(
          line.startsWith("00" + i + "," + RECIPE + ",1e30," + (40 + i) + ",failed,,"), line);
      JsonNode failed = summary("00" + i + ".failed");
      assertEquals("failed", failed.get("status").asText());
      // the reason: the run's own failure message, up to its first "; " (it names the step)
      String failure = failed.get("failure").asText();
      assertTrue(failure.startsWith("at step 2: the training loss is NaN; "), failure);
      assertTrue(
          line.endsWith(",failed,,,,the run failed " + failure.substring(0, failure.indexOf("; "))),
          line);
    }
  }

  @Test
  void theTableKeepsFailedTrialsOutOfTheMeanAndCountsThem() throws Exception {
    double a = summary("000").get("test_accuracy").asDouble();
    double b = summary("001").get("test_accuracy").asDouble();
    double mean = (a + b) / 2;
    double std = Math.abs(a - b) / Math.sqrt(2);
    String md = Files.readString(out.resolve("results.md"));
    assertTrue(
        md.contains("| recipe | optimizer.lr | test accuracy (mean ± std) | seeds | failed |"), md);
    assertTrue(
        md.contains(String.format(Locale.ROOT, "| 1e-3 | %.3f ± %.3f | 2 | 0 |", mean, std)), md);
    assertTrue(md.contains("| 1e30 | - | 0 | 2 |"), md);
    assertTrue(md.contains("2 of 4 trials are not in the means:"), md);
    assertTrue(md.contains("- 002 (optimizer.lr=1e30, seed 42): failed: "), md);
    assertTrue(md.contains("- 003 (optimizer.lr=1e30, seed 43): failed: "), md);
  }

  /** The table is rebuilt from the trials on disk: --collect gives the same files. */
  @Test
  void collectGivesTheSameTables() throws Exception {
    List<String> csv = Files.readAllLines(out.resolve("results.csv"));
    String md = Files.readString(out.resolve("results.md"));
    CliResult c = sweep("--collect");
    assertEquals(0, c.code(), c::toString);
    assertEquals(csv, Files.readAllLines(out.resolve("results.csv")));
    assertEquals(md, Files.readString(out.resolve("results.md")));
  }
}
