package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.pipeline.LockHolder;
import io.github.finetune4j.pipeline.RunDirectory;
import io.github.finetune4j.train.Checkpoint;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run never silently destroys a run that could be resumed, and {@code --resume} on a run that
 * completed says so instead of giving advice that then fails.
 *
 * <p>An interrupted run is made here as a kill leaves one, without a kill: a completed run with its
 * checkpoints kept ({@code output.keep_checkpoints}) is moved back to {@code DIR.partial}, its
 * summary and model removed, and its lock file names a process that cannot exist (pid above Linux's
 * largest, 4194304). The run has 2 epochs of ceil(370 / 32) = 12 steps, a checkpoint every 5 (and
 * one at its end, removed: the kill came before it): the newest checkpoint is after step 20.
 */
class ResumeSafetyTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RECIPE = "recipes/tabular/breast-cancer-mlp.yaml";
  private static final String DEAD_LOCK = "pid 4194305, started 2026-01-02T03:04:05Z\n";

  @TempDir Path tmp;

  private static CliResult run(Path dir, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "run",
                RECIPE,
                "train.checkpoint_every=5",
                "output.keep_checkpoints=true",
                "stages.0.epochs=2",
                "monitor.sinks=[jsonl]",
                "train.threads=1",
                "output.dir=" + dir));
    a.addAll(Arrays.asList(more));
    return CliResult.run(a.toArray(String[]::new));
  }

  private static void complete(Path dir) {
    CliResult r = run(dir);
    assertEquals(0, r.code(), r::toString);
  }

  /** An interrupted run with checkpoints in DIR.partial (see the class comment). */
  private static Path interrupted(Path dir) throws Exception {
    complete(dir);
    Path partial = RunDirectory.partialOf(dir.toAbsolutePath());
    Files.move(dir, partial);
    Files.delete(partial.resolve("summary.json"));
    deleteTree(partial.resolve("model"));
    Files.writeString(partial.resolve(RunDirectory.LOCK), DEAD_LOCK);
    // the run also checkpoints its last step (24); the kill came before that one
    deleteTree(partial.resolve(Checkpoint.FOLDER).resolve("step-000000024"));
    try (Stream<Path> s = Files.list(partial.resolve(Checkpoint.FOLDER))) {
      assertEquals(
          "step-20",
          s.map(p -> p.getFileName().toString())
              .map(n -> n.replaceFirst("^step-0*", "step-"))
              .max(Comparator.comparingLong(n -> Long.parseLong(n.substring(5))))
              .orElseThrow());
    }
    return partial;
  }

  private static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Every file under {@code dir} with its bytes (as text for the comparison's message). */
  private static Map<String, String> snapshot(Path dir) throws Exception {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        m.put(
            dir.relativize(p).toString(),
            Files.isRegularFile(p) ? Arrays.toString(Files.readAllBytes(p)) : "<dir>");
      }
    }
    return m;
  }

  @Test
  void aRunWithoutResumeKeepsAnInterruptedRunAndSaysHowToContinueIt() throws Exception {
    Path dir = tmp.resolve("r");
    Path partial = interrupted(dir);
    Map<String, String> before = snapshot(partial);

    CliResult r = run(dir);
    assertEquals(2, r.code(), r::toString);
    assertEquals(
        "finetune: cannot run "
            + RECIPE
            + ":\n  - output.dir: "
            + partial
            + " holds an interrupted run that can continue from its checkpoint after step 20"
            + " (its lock file names pid 4194305, started 2026-01-02T03:04:05Z, which is not"
            + " running here); continue it with --resume and the recipe it started with, set"
            + " output.overwrite=true to delete it and start again, or remove or rename "
            + partial
            + "\nNothing was written.\n",
        r.err(),
        r::toString);
    assertFalse(r.out().contains("Removing"), r::toString);
    assertFalse(r.out().contains("Loading"), "refused before the model loads: " + r);
    assertEquals(before, snapshot(partial), "the interrupted run is untouched");
    assertFalse(Files.exists(dir));

    // the advice holds: --resume continues it to the end
    CliResult resumed = run(dir, "--resume");
    assertEquals(0, resumed.code(), resumed::toString);
    assertTrue(resumed.out().contains("Resuming from "), resumed::toString);
    assertTrue(resumed.out().contains("(after step 20)"), resumed::toString);
    assertEquals(
        "completed", JSON.readTree(dir.resolve("summary.json").toFile()).get("status").asText());
    assertFalse(Files.exists(partial));
  }

  @Test
  void overwriteTrueDeletesTheInterruptedRunSayingSo() throws Exception {
    Path dir = tmp.resolve("o");
    Path partial = interrupted(dir);
    CliResult r = run(dir, "output.overwrite=true");
    assertEquals(0, r.code(), r::toString);
    assertTrue(
        r.out()
            .contains(
                "Deleting the interrupted run in "
                    + partial
                    + " and its checkpoints (the newest after step 20): this run was started"
                    + " without --resume"),
        r::toString);
    assertFalse(r.out().contains("Resuming"), r::toString);
    assertEquals(
        "completed", JSON.readTree(dir.resolve("summary.json").toFile()).get("status").asText());
  }

  @Test
  void aStaleRunWithoutACheckpointIsReplacedAsBefore() throws Exception {
    Path dir = tmp.resolve("s");
    Path partial = interrupted(dir);
    deleteTree(partial.resolve(Checkpoint.FOLDER));
    CliResult r = run(dir);
    assertEquals(0, r.code(), r::toString);
    assertTrue(
        r.out()
            .contains("Removing the stale " + partial + " left by a run that is no longer alive"),
        r::toString);
  }

  @Test
  void aLiveRunWithCheckpointsIsNotCalledInterrupted() throws Exception {
    Path done = tmp.resolve("done");
    complete(done);
    Path dir = tmp.resolve("live");
    Process holder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LockHolder.class.getName(),
                dir.toString())
            .redirectErrorStream(true)
            .start();
    try {
      String first =
          new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))
              .readLine();
      assertTrue(first != null && first.startsWith("locked "), String.valueOf(first));
      Path partial = RunDirectory.partialOf(dir.toAbsolutePath());
      Files.move(done.resolve(Checkpoint.FOLDER), partial.resolve(Checkpoint.FOLDER));
      Map<String, String> before = snapshot(partial);
      CliResult r = run(dir);
      assertEquals(2, r.code(), r::toString);
      assertTrue(
          r.err().contains("another run is writing " + partial + " (pid " + holder.pid()),
          r::toString);
      assertFalse(r.err().contains("interrupted"), r::toString);
      assertEquals(before, snapshot(partial));
    } finally {
      holder.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void resumeOnACompletedRunSaysItIsCompleteAndTheAdviceHolds() throws Exception {
    Path dir = tmp.resolve("c");
    complete(dir);
    Map<String, String> before = snapshot(dir);
    String want =
        "finetune: cannot run "
            + RECIPE
            + ":\n  - --resume: "
            + dir.toAbsolutePath()
            + " holds a run that completed (its summary.json says \"completed\"), and there is no"
            + " interrupted run to continue: nothing to resume. To train it again, run without"
            + " --resume and with output.overwrite=true (which replaces it), or choose another"
            + " output.dir\nNothing was written.\n";
    for (String[] more : new String[][] {{"--resume"}, {"--resume", "output.overwrite=true"}}) {
      CliResult r = run(dir, more);
      assertEquals(2, r.code(), r::toString);
      assertEquals(want, r.err(), r::toString);
      assertEquals(before, snapshot(dir), "the completed run is untouched");
    }
    CliResult again = run(dir, "output.overwrite=true");
    assertEquals(0, again.code(), again::toString);
  }

  @Test
  void resumeWithNothingThereSaysSo() {
    Path dir = tmp.resolve("none");
    CliResult r = run(dir, "--resume");
    assertEquals(2, r.code(), r::toString);
    assertEquals(
        "finetune: cannot run "
            + RECIPE
            + ":\n  - --resume: "
            + RunDirectory.partialOf(dir.toAbsolutePath())
            + " is not an interrupted Finetune4J run (no such directory, or no "
            + RunDirectory.MARKER
            + " in it); there is nothing to resume\nNothing was written.\n",
        r.err(),
        r::toString);
    assertFalse(Files.exists(dir));
  }
}
