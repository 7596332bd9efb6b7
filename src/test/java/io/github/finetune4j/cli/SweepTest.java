package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune sweep} on the built-in MLP and the breast-cancer table: 2 learning rates × 2
 * seeds, 2 child processes at a time. Each trial is an ordinary run; the tables agree with the
 * trials' own summaries (mean and sample std worked out here); a second invocation runs nothing,
 * one with a trial deleted runs only that one; {@code --trial I} prints the metrics a scheduler
 * needs, the same as the sweep's own trial; bad sweeps are exit 2 with nothing written.
 */
class SweepTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RECIPE = "recipes/tabular/breast-cancer-mlp.yaml";

  @TempDir static Path tmp;
  private static Path out;
  private static CliResult first;

  private static String[] args(Path dir, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "sweep",
                RECIPE,
                "--grid",
                "optimizer.lr=1e-3,3e-3",
                "--seeds",
                "2",
                "--set",
                "monitor.sinks=[jsonl]",
                "--set",
                "train.threads=1",
                "--set",
                "stages.0.epochs=5",
                "--out",
                dir.toString()));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  @BeforeAll
  static void sweep() {
    out = tmp.resolve("sweep");
    first = CliResult.run(args(out, "--parallel", "2"));
    assertEquals(0, first.code(), first::toString);
  }

  private static JsonNode summary(String trial) throws Exception {
    return JSON.readTree(out.resolve("trials").resolve(trial).resolve("summary.json").toFile());
  }

  @Test
  void everyTrialIsARunAndTheTablesAgreeWithThem() throws Exception {
    List<String> csv = Files.readAllLines(out.resolve("results.csv"));
    assertEquals(
        "trial,recipe,optimizer.lr,seed,status,test_accuracy,test_loss,wall_seconds,reason",
        csv.get(0));
    assertEquals(5, csv.size(), csv::toString);
    String[] lrs = {"1e-3", "1e-3", "3e-3", "3e-3"};
    long[] seeds = {42, 43, 42, 43};
    for (int i = 0; i < 4; i++) {
      JsonNode s = summary(String.format(Locale.ROOT, "%03d", i));
      assertEquals("completed", s.get("status").asText());
      assertEquals(seeds[i], s.get("seed").asLong());
      String[] row = csv.get(i + 1).split(",");
      assertEquals(lrs[i], row[2]);
      assertEquals(seeds[i], Long.parseLong(row[3]));
      assertEquals(s.get("test_accuracy").asDouble(), Double.parseDouble(row[5]));
      assertEquals(s.get("test_loss").asDouble(), Double.parseDouble(row[6]));
    }
    // the Markdown row of lr 3e-3: mean and sample std of trials 2 and 3's test accuracy
    double a = summary("002").get("test_accuracy").asDouble();
    double b = summary("003").get("test_accuracy").asDouble();
    double mean = (a + b) / 2;
    double std = Math.abs(a - b) / Math.sqrt(2);
    String md = Files.readString(out.resolve("results.md"));
    assertTrue(
        md.contains(String.format(Locale.ROOT, "| 3e-3 | %.3f ± %.3f | 2 |", mean, std)), md);
    assertTrue(Files.isRegularFile(out.resolve("results.html")));
    assertTrue(first.out().contains("Sweep: 4 trials, 0 complete already, 4 to run, 2 at a time"));
    // trials are compared, not shipped: no standard formats unless --set output.formats asks
    Path model = out.resolve("trials/000/model");
    assertTrue(Files.isRegularFile(model.resolve("model-0000.params")));
    assertFalse(Files.exists(model.resolve("onnx")), "no onnx/ in a trial");
    assertFalse(Files.exists(model.resolve("libs")), "no libs/ in a trial");
  }

  @Test
  void aSecondInvocationRunsOnlyWhatIsNotComplete() throws Exception {
    Path t0 = out.resolve("trials/000/summary.json");
    FileTime before = Files.getLastModifiedTime(t0);
    CliResult again = CliResult.run(args(out));
    assertEquals(0, again.code(), again::toString);
    assertTrue(again.out().contains("4 complete already, 0 to run"), again::toString);
    assertEquals(before, Files.getLastModifiedTime(t0), "a complete trial is not run again");

    try (var files = Files.walk(out.resolve("trials/002"))) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
    CliResult one = CliResult.run(args(out));
    assertEquals(0, one.code(), one::toString);
    assertTrue(one.out().contains("3 complete already, 1 to run"), one::toString);
    assertTrue(one.out().contains("trial 002 started"), one::toString);
    assertEquals(before, Files.getLastModifiedTime(t0));
  }

  /** The trial contract: one trial alone, its metrics as name=value lines. */
  @Test
  void oneTrialAloneGivesTheSameRunAndPrintsItsMetrics() throws Exception {
    Path alone = tmp.resolve("alone");
    CliResult r = CliResult.run(args(alone, "--trial", "3"));
    assertEquals(0, r.code(), r::toString);
    JsonNode s = summary("003");
    String text = r.out();
    assertTrue(text.contains("\ntrial=003\n"), text);
    assertTrue(text.contains("\noptimizer.lr=3e-3\n"), text);
    assertTrue(text.contains("\nseed=43\n"), text);
    assertTrue(text.contains("\nstatus=completed\n"), text);
    assertTrue(text.contains("\ntest_accuracy=" + s.get("test_accuracy").asDouble() + "\n"), text);
    assertTrue(text.contains("\ntest_loss=" + s.get("test_loss").asDouble() + "\n"), text);
    assertEquals(
        List.of(
            Files.readAllBytes(out.resolve("trials/003/model/model-0000.params")).length,
            java.util.Arrays.hashCode(
                Files.readAllBytes(out.resolve("trials/003/model/model-0000.params")))),
        List.of(
            Files.readAllBytes(alone.resolve("trials/003/model/model-0000.params")).length,
            java.util.Arrays.hashCode(
                Files.readAllBytes(alone.resolve("trials/003/model/model-0000.params")))),
        "the same weights as the sweep's own trial");
    assertFalse(Files.exists(alone.resolve("trials/000")), "only trial 3 ran");
  }

  @Test
  void anotherSweepInTheSameDirectoryIsRefused() throws Exception {
    byte[] def = Files.readAllBytes(out.resolve("sweep.json"));
    String[] other = args(out);
    other[3] = "optimizer.lr=1e-2"; // another grid
    CliResult r = CliResult.run(other);
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("holds another sweep"), r::toString);
    assertEquals(new String(def), Files.readString(out.resolve("sweep.json")));
  }

  @Test
  void aGridKeyTheRecipeDoesNotHaveIsBadInputBeforeAnythingRuns() {
    Path bad = tmp.resolve("bad");
    String[] a = args(bad);
    a[3] = "optimizer.lrr=1e-3,3e-3";
    CliResult r = CliResult.run(a);
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("optimizer.lrr: unknown key; did you mean 'lr'?"), r::toString);
    assertFalse(Files.exists(bad));
  }

  @Test
  void listPrintsTheTrials() {
    CliResult r = CliResult.run(args(tmp.resolve("listed"), "--list"));
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("003 " + RECIPE + " {optimizer.lr=3e-3} seed=43"), r::toString);
    assertTrue(r.out().endsWith("4 trials\n"), r::toString);
    assertFalse(Files.exists(tmp.resolve("listed")));
  }

  /** An external scheduler's way: every trial on its own with --trial, then --collect. */
  @Test
  void trialsRunOneByOneThenCollectedGiveTheSweepsTable() throws Exception {
    Path dir = tmp.resolve("by-index");
    for (int i = 0; i < 4; i++) {
      CliResult r = CliResult.run(args(dir, "--trial", Integer.toString(i)));
      assertEquals(0, r.code(), r::toString);
    }
    CliResult c = CliResult.run(args(dir, "--collect"));
    assertEquals(0, c.code(), c::toString);
    assertTrue(c.out().contains("Collected 4 of 4 trials"), c::toString);
    List<String> want = Files.readAllLines(out.resolve("results.csv"));
    List<String> got = Files.readAllLines(dir.resolve("results.csv"));
    assertEquals(want.size(), got.size());
    for (int i = 0; i < want.size(); i++) { // all but the wall time (column 7)
      List<String> w = new ArrayList<>(List.of(want.get(i).split(",", -1)));
      List<String> g = new ArrayList<>(List.of(got.get(i).split(",", -1)));
      w.remove(7);
      g.remove(7);
      assertEquals(w, g);
    }
  }
}
