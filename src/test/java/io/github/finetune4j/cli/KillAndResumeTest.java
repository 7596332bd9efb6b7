package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.pipeline.RunDirectory;
import io.github.finetune4j.train.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill and resume with real processes: a child JVM fine-tunes a small real model (the built-in MLP
 * on the breast-cancer table; dropout on, shuffling on, a second stage that unfreezes the lower
 * layers), is killed with SIGKILL at several steps — inside the first stage, inside the unfreeze
 * stage, right after a checkpoint write, near the end — and {@code finetune run R --resume}
 * continues it. Each resumed run ends with weights and optimizer state bit-identical to an
 * uninterrupted run with the same seed, and its {@code metrics.jsonl} has every step once, in
 * order, with the uninterrupted run's losses.
 */
class KillAndResumeTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RECIPE = "recipes/tabular/breast-cancer-mlp.yaml";
  private static final String[] SETUP = {
    "train.checkpoint_every=9",
    "train.keep_checkpoints=2",
    "output.keep_checkpoints=true",
    "data.batch_size=8", // 47 steps an epoch, 940 steps in all
    "groups=[{name: lower, match: [\"0.*\", \"3.*\"]}, {name: top, match: [\"5.*\"]}]",
    "stages=[{epochs: 5, train: [top]}, {epochs: 15, train: [lower, top]}]",
    "monitor.sinks=[jsonl, csv]",
  };

  @TempDir static Path tmp;
  private static Path reference;
  private static int exitCode;

  @BeforeAll
  static void uninterrupted() {
    reference = tmp.resolve("reference");
    CliResult r = CliResult.run(args(reference, false));
    assertEquals(0, r.code(), r::toString);
  }

  private static String[] args(Path out, boolean resume) {
    return ChildRun.runArgs(RECIPE, SETUP, out, resume);
  }

  /** Starts the run in a child JVM and kills it (SIGKILL) once it has logged {@code step}. */
  private static long killAt(Path out, long step) throws Exception {
    return signalAt(out, step, null);
  }

  /**
   * Starts the run in a child JVM and, once it has logged {@code step}, sends it {@code signal}
   * ({@code TERM}, {@code INT}), or SIGKILL when null.
   */
  private static long signalAt(Path out, long step, String signal) throws Exception {
    ChildRun.Stopped s =
        ChildRun.signalAt(
            args(out, false), out, step, signal, tmp.resolve(out.getFileName() + ".log"));
    exitCode = s.exitCode();
    return s.lastStep();
  }

  private static Map<String, Checkpoint.Tensor> finalState(Path run) throws IOException {
    Path root = run.resolve(Checkpoint.FOLDER);
    try (Stream<Path> s = Files.list(root)) {
      Path last =
          s.filter(p -> p.getFileName().toString().startsWith("step-"))
              .sorted()
              .reduce((a, b) -> b)
              .orElseThrow();
      Checkpoint c = Checkpoint.read(last);
      assertEquals(940, c.step());
      return c.tensors();
    }
  }

  @Test
  void resumedRunsEndBitIdenticalToTheUninterruptedOne() throws Exception {
    List<String> want = ChildRun.trajectory(reference);
    Map<String, Checkpoint.Tensor> wantState = finalState(reference);
    byte[] wantParams = Files.readAllBytes(reference.resolve("model/model-0000.params"));
    // inside stage 1; right after the checkpoint at step 90; just into the unfreeze stage
    // (stage 2 starts at step 236); inside stage 2; close to the end
    long[] targets = {40, 90, 240, 517, 900};
    for (long target : targets) {
      Path out = tmp.resolve("killed-at-" + target);
      long killed = killAt(out, target);
      assertTrue(killed >= target - 1, "killed at " + killed);
      CliResult r = CliResult.run(args(out, true));
      assertEquals(0, r.code(), () -> "after a kill at step " + killed + ":\n" + r);
      assertTrue(r.out().contains("Resuming from "), r::toString);
      assertArrayEquals(
          wantParams,
          Files.readAllBytes(out.resolve("model/model-0000.params")),
          "the weights after a kill at step " + killed);
      Map<String, Checkpoint.Tensor> got = finalState(out);
      assertEquals(wantState.keySet(), got.keySet());
      for (String k : wantState.keySet()) {
        assertArrayEquals(
            wantState.get(k).values(), got.get(k).values(), k + ", killed at " + killed);
      }
      assertEquals(want, ChildRun.trajectory(out), "metrics.jsonl after a kill at step " + killed);
      JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
      assertTrue(summary.get("resumed_from_step").asLong() <= killed, summary::toString);
    }
  }

  @Test
  void aTornCheckpointIsSkippedAndAChangedRecipeIsRefused() throws Exception {
    Path out = tmp.resolve("torn");
    long killed = killAt(out, 300);
    Path root = RunDirectory.partialOf(out).resolve(Checkpoint.FOLDER);
    List<Path> all;
    try (Stream<Path> s = Files.list(root)) {
      all = s.filter(p -> p.getFileName().toString().matches("step-\\d+")).sorted().toList();
    }
    assertEquals(2, all.size(), all::toString);
    Path newest = all.get(1).resolve(Checkpoint.TENSORS);
    byte[] b = Files.readAllBytes(newest);
    b[b.length / 2] ^= 0x40; // one flipped bit
    Files.write(newest, b);

    List<String> changed = new ArrayList<>(List.of(args(out, true)));
    changed.add("optimizer.lr=0.5");
    CliResult refused = CliResult.run(changed.toArray(String[]::new));
    assertEquals(2, refused.code(), refused::toString);
    assertTrue(
        refused.err().contains("differs from the interrupted run's in [optimizer.lr]"),
        refused::toString);

    List<String> monitor = new ArrayList<>(List.of(args(out, true)));
    monitor.add("monitor.every=7"); // may change
    CliResult r = CliResult.run(monitor.toArray(String[]::new));
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("Note: skipped the checkpoint " + all.get(1)), r::toString);
    assertTrue(r.out().contains("Resuming from " + all.get(0)), r::toString);
    assertArrayEquals(
        Files.readAllBytes(reference.resolve("model/model-0000.params")),
        Files.readAllBytes(out.resolve("model/model-0000.params")),
        "after a kill at step " + killed + " and a torn newest checkpoint");
  }

  @Test
  void nothingToResumeIsBadInput() {
    Path out = tmp.resolve("never-ran");
    CliResult r = CliResult.run(args(out, true));
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("there is nothing to resume"), r::toString);
    assertFalse(Files.exists(RunDirectory.partialOf(out)));
  }

  /** SIGTERM writes a checkpoint after the current step, says how to continue, and exits 143. */
  @Test
  void sigtermWritesACheckpointAndPrintsTheResumeCommand() throws Exception {
    Path out = tmp.resolve("terminated");
    long seen = signalAt(out, 300, "TERM");
    assertEquals(143, exitCode);
    String log = Files.readString(tmp.resolve(out.getFileName() + ".log"));
    assertTrue(log.contains("finetune: interrupted (SIGTERM); a checkpoint after step "), log);
    assertTrue(log.contains("continue the run with: ./finetune run " + RECIPE), log);
    assertTrue(log.contains(" --resume"), log);
    Checkpoint newest =
        Checkpoint.newest(RunDirectory.partialOf(out).resolve(Checkpoint.FOLDER), System.out);
    assertTrue(newest.step() >= seen, newest.step() + " < " + seen);
    assertTrue(log.contains("a checkpoint after step " + newest.step() + " "), log);
    CliResult report = CliResult.run("report", RunDirectory.partialOf(out).toString());
    assertEquals(0, report.code(), report::toString);
    String html = Files.readString(RunDirectory.partialOf(out).resolve("report.html"));
    assertTrue(html.contains("interrupted (no summary.json; the last step logged is "), "report");
    CliResult r = CliResult.run(args(out, true));
    assertEquals(0, r.code(), r::toString);
    assertEquals(0, CliResult.run("report", out.toString()).code());
    assertTrue(
        Files.readString(out.resolve("report.html"))
            .contains("completed, resumed from the checkpoint after step " + newest.step()),
        "the report of the resumed run");
    assertArrayEquals(
        Files.readAllBytes(reference.resolve("model/model-0000.params")),
        Files.readAllBytes(out.resolve("model/model-0000.params")),
        "after SIGTERM at step " + newest.step());
  }

  @Test
  void checkpointsDoNotStayInACompletedRunUnlessAsked() throws Exception {
    Path out = tmp.resolve("no-keep");
    List<String> a = new ArrayList<>(List.of(args(out, false)));
    a.add("output.keep_checkpoints=false");
    CliResult r = CliResult.run(a.toArray(String[]::new));
    assertEquals(0, r.code(), r::toString);
    assertFalse(Files.exists(out.resolve(Checkpoint.FOLDER)), "checkpoints left in the run");
    assertFalse(Files.exists(out.resolve("model").resolve(Checkpoint.FOLDER)));
    assertArrayEquals(
        Files.readAllBytes(reference.resolve("model/model-0000.params")),
        Files.readAllBytes(out.resolve("model/model-0000.params")));
  }
}
