package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk, at each stage a run or a sweep writes, through the CLI: the message names the file
 * and the stage and says where the failed run is; no {@code summary.json} is ever empty or says
 * {@code completed} in a failed run; "Nothing was written" is said only when nothing is left; no
 * temporary file is left behind, and none blocks the rerun. The full disk is {@link RunFiles#fault}
 * (a tmpfs needs root): the {@code IOException} a full disk gives, {@code No space left on device}
 * without a file name, thrown where a file is about to be written.
 */
class DiskFullTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RECIPE = "recipes/tabular/breast-cancer-mlp.yaml";

  @TempDir Path tmp;

  @AfterEach
  void noFault() {
    RunFiles.fault = null;
  }

  /** The disk is full for the files named {@code name} (every time, or from call {@code from}). */
  private static void fullFor(String name, int from) {
    AtomicInteger calls = new AtomicInteger();
    RunFiles.fault =
        file ->
            file.getFileName().toString().equals(name) && calls.incrementAndGet() >= from
                ? new IOException("No space left on device")
                : null;
  }

  private record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  private static Result cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(args, o, e);
    }
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Result run(Path runDir) {
    return cli(
        "run",
        RECIPE,
        "stages.0.epochs=1",
        "monitor.sinks=[jsonl, csv, html]",
        "output.formats=[]",
        "train.threads=1",
        "output.dir=" + runDir);
  }

  private static List<Path> temporaries(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
    }
  }

  @Test
  void theRunMarkerCannotBeWrittenNothingIsLeftAndTheMessageSaysSo() throws Exception {
    Path runDir = tmp.resolve("run");
    fullFor(RunDirectory.MARKER, 1);
    Result r = run(runDir);
    assertEquals(2, r.code(), r::toString);
    assertTrue(
        r.err()
            .contains(
                "output.dir: cannot write in "
                    + RunDirectory.partialOf(runDir.toAbsolutePath().normalize())
                    + ": cannot write .finetune4j-run (No space left on device)"),
        r::toString);
    assertTrue(r.err().contains("Nothing was written."), r::toString);
    assertFalse(
        Files.exists(RunDirectory.partialOf(runDir)), "the partial it made is taken away again");
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of(), s.toList(), "nothing was written");
    }
  }

  @Test
  void theSummaryCannotBeWrittenTheFailedRunHasNoneAndTheMessageSaysWhere() throws Exception {
    Path runDir = tmp.resolve("run");
    fullFor("summary.json", 1);
    Result r = run(runDir);
    assertEquals(1, r.code(), r::toString);
    Path failed = RunDirectory.failedOf(runDir.toAbsolutePath().normalize());
    assertTrue(
        r.err()
            .startsWith(
                "finetune: the run failed while writing summary.json: cannot write summary.json"
                    + " (No space left on device).\n"
                    + "The failed run (what it wrote; its summary.json could not be written) is"
                    + " in "
                    + failed
                    + "; no model was exported."),
        r::toString);
    assertFalse(Files.exists(runDir), "no complete-looking run");
    assertFalse(Files.exists(RunDirectory.partialOf(runDir)));
    assertTrue(Files.isRegularFile(failed.resolve("metrics.jsonl")), "its metrics are kept");
    assertFalse(Files.exists(failed.resolve("summary.json")), "no empty or torn summary");
    assertEquals(List.of(), temporaries(failed));
  }

  @Test
  void theSummaryFailsOnceTheFailedRunsSummarySaysFailedNeverCompleted() throws Exception {
    Path runDir = tmp.resolve("run");
    AtomicInteger calls = new AtomicInteger();
    RunFiles.fault =
        file ->
            file.getFileName().toString().equals("summary.json") && calls.incrementAndGet() == 1
                ? new IOException("No space left on device")
                : null;
    Result r = run(runDir);
    assertEquals(1, r.code(), r::toString);
    Path failed = RunDirectory.failedOf(runDir.toAbsolutePath().normalize());
    assertTrue(
        r.err()
            .contains(
                "The failed run (metrics, summary.json with \"status\": \"failed\", report) is in "
                    + failed),
        r::toString);
    JsonNode s = JSON.readTree(failed.resolve("summary.json").toFile());
    assertEquals("failed", s.get("status").asText());
    assertEquals(
        "while writing summary.json: cannot write summary.json (No space left on device)",
        s.get("failure").asText());
    assertEquals("writing summary.json", s.get("failed_while").asText());
    assertFalse(Files.exists(failed.resolve("model")), "no model in a failed run");
  }

  @Test
  void theMetricsCannotBeWrittenMidRunTheStageAndFileAreNamed() throws Exception {
    Path runDir = tmp.resolve("run");
    fullFor("metrics.jsonl", 3); // the disk fills at the third record
    Result r = run(runDir);
    assertEquals(1, r.code(), r::toString);
    Path failed = RunDirectory.failedOf(runDir.toAbsolutePath().normalize());
    assertTrue(
        r.err()
            .startsWith(
                "finetune: the run failed while training (writing metrics and checkpoints):"
                    + " cannot write metrics.jsonl (No space left on device).\n"
                    + "The failed run (metrics, summary.json with \"status\": \"failed\", report)"
                    + " is in "
                    + failed),
        r::toString);
    JsonNode s = JSON.readTree(failed.resolve("summary.json").toFile());
    assertEquals("failed", s.get("status").asText());
    assertFalse(Files.exists(runDir));
  }

  @Test
  void aSweepWhoseDefinitionCannotBeWrittenLeavesNoTemporaryFileAndTheRerunRuns() throws Exception {
    Path out = tmp.resolve("sweep");
    String[] args = {
      "sweep",
      RECIPE,
      "--set",
      "stages.0.epochs=1",
      "--set",
      "monitor.sinks=[jsonl]",
      "--set",
      "output.formats=[]",
      "--set",
      "train.threads=1",
      "--out",
      out.toString()
    };
    fullFor("sweep.json", 1);
    Result r = cli(args);
    assertEquals(1, r.code(), r::toString);
    assertEquals(
        "finetune: the sweep in "
            + out
            + " failed: cannot write "
            + out.resolve("sweep.json").toAbsolutePath()
            + " (No space left on device); the trials that completed are kept, and the same"
            + " command continues the sweep once the cause is fixed\n",
        r.err(),
        r::toString);
    assertEquals(List.of(), temporaries(out));
    assertFalse(Files.exists(out.resolve("sweep.json")));

    fullFor("results.csv", 1);
    r = cli(args);
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().contains("cannot write " + out.resolve("results.csv").toAbsolutePath()));
    assertEquals(List.of(), temporaries(out), "no results.csv.tmp");
    assertTrue(Files.isDirectory(out.resolve("trials/000")), "the trial completed and is kept");

    RunFiles.fault = null;
    r = cli(args);
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("Sweep: 1 trials, 1 complete already, 0 to run"), r::toString);
    assertTrue(Files.readString(out.resolve("results.csv")).contains(",completed,"));
  }
}
