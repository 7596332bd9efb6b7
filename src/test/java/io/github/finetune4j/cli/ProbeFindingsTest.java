package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.pipeline.TinyExport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The defects the hostile probe ({@code src/test/probe/probe.py}, docs/runs.md) found, one test
 * each; every one failed before its fix.
 */
class ProbeFindingsTest {

  private static final String RECIPE = "recipes/tabular/breast-cancer-mlp.yaml";

  @TempDir Path tmp;

  private static Map<String, String> files(Path dir) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(
            dir.relativize(p).toString(),
            HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
      }
    }
    return out;
  }

  /** A link at output.dir to an empty directory: the completed run replaced the link. */
  @Test
  void anOutputDirThatIsALinkIsRefusedAndKept() throws Exception {
    Path target = Files.createDirectory(tmp.resolve("elsewhere"));
    Path link = Files.createSymbolicLink(tmp.resolve("link"), target);
    CliResult r = CliResult.run("run", RECIPE, "stages.0.epochs=1", "output.dir=" + link);
    assertEquals(2, r.code(), r::toString);
    assertTrue(
        r.err().contains("output.dir: " + link + " is a link, not a run directory"), r::toString);
    assertTrue(Files.isSymbolicLink(link), "the link is left as it is");
    assertEquals(target, Files.readSymbolicLink(link));
  }

  /** export --out under a file: exit 1, "the run failed: ... Not a directory". */
  @Test
  void exportIntoAPathUnderAFileIsBadInput() throws Exception {
    Path run = TinyExport.write(tmp.resolve("run"));
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    CliResult r = CliResult.run("export", run.toString(), "--format", "onnx", "--out", file + "/x");
    assertEquals(2, r.code(), r::toString);
    assertTrue(
        r.err().contains("--out cannot be created: " + file + " is a file, not a directory"),
        r::toString);
  }

  /**
   * A format refused after another was written: the written one stayed in the run's model/,
   * unlisted in its manifest, and a new --out directory stayed behind "Nothing was written".
   */
  @Test
  void anExportThatIsRefusedHalfwayLeavesNothing() throws Exception {
    Path run = TinyExport.write(tmp.resolve("run")); // no summary.json: hf is refused
    Map<String, String> before = files(run);
    CliResult r = CliResult.run("export", run.toString(), "--format", "onnx,hf");
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("Nothing was written."), r::toString);
    assertEquals(before, files(run), "the run's model/ is as it was");
    Path out = tmp.resolve("new/exp");
    r = CliResult.run("export", run.toString(), "--format", "onnx,hf", "--out", out.toString());
    assertEquals(2, r.code(), r::toString);
    assertFalse(Files.exists(tmp.resolve("new")), "the directories it made are gone");
  }

  /** A metrics.jsonl that is not UTF-8: exit 1, "the run failed: Input length = 1". */
  @Test
  void aReportOnMetricsThatAreNotUtf8IsBadInput() throws Exception {
    Path run = Files.createDirectory(tmp.resolve("run"));
    Files.write(run.resolve("metrics.jsonl"), new byte[] {'{', '"', (byte) 0xff, '"', '}', '\n'});
    CliResult r = CliResult.run("report", run.toString());
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("metrics.jsonl is not UTF-8 text"), r::toString);
    assertFalse(r.err().contains("the run failed"), r::toString);
  }

  /** report.html that is a directory: an empty one was replaced by the report. */
  @Test
  void aReportNeverReplacesADirectory() throws Exception {
    Path run = TinyExport.write(tmp.resolve("run"));
    Files.writeString(
        run.resolve("metrics.jsonl"),
        "{\"kind\": \"step\", \"step\": 1, \"epoch\": 1, \"stage\": 0, \"loss\": 0.5}\n",
        StandardCharsets.UTF_8);
    Path report = Files.createDirectory(run.resolve("report.html"));
    CliResult r = CliResult.run("report", run.toString());
    assertEquals(2, r.code(), r::toString);
    assertTrue(Files.isDirectory(report), r::toString);
  }

  /** checkpoint under a file: exit 1, "the run failed: ... Not a directory". */
  @Test
  void aCheckpointUnderAFileIsBadInput() throws Exception {
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    CliResult r = CliResult.run("checkpoint", file + "/ck");
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("is a file, not a directory"), r::toString);
  }

  /** train.threads: 100000 was accepted (the engine would start that many threads). */
  @Test
  void tooManyThreadsAreRefused() {
    CliResult r = CliResult.run("validate", RECIPE, "train.threads=100000");
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("train.threads: at most 1024"), r::toString);
    assertEquals(0, CliResult.run("validate", RECIPE, "train.threads=1024").code());
  }

  /** An early-stopping metric the task does not report: validate said valid, run exit 2. */
  @Test
  void validateRefusesAnEarlyStoppingMetricTheTaskDoesNotReport() {
    CliResult r = CliResult.run("validate", RECIPE, "train.early_stopping={metric: nope}");
    assertEquals(2, r.code(), r::toString);
    assertTrue(
        r.err().contains("train.early_stopping.metric: 'nope' is not a validation metric"),
        r::toString);
    CliResult ok = CliResult.run("validate", RECIPE, "train.early_stopping={metric: accuracy}");
    assertEquals(0, ok.code(), ok::toString);
  }

  /** --list with --collect: --list silently won. */
  @Test
  void aSweepTakesOneOfListCollectAndTrial() {
    CliResult r =
        CliResult.run(
            "sweep", RECIPE, "--out", tmp.resolve("sw").toString(), "--list", "--collect");
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("give one of them"), r::toString);
    assertFalse(Files.exists(tmp.resolve("sw")));
  }

  /** embed --out FILE wrote through FILE.partial, overwriting a user's file of that name. */
  @Test
  void embedKeepsTheUsersFileNamedLikeItsTemporaryOne() throws Exception {
    Path run = TinyExport.write(tmp.resolve("run"));
    Path mine = Files.writeString(tmp.resolve("e.jsonl.partial"), "my notes");
    CliResult r =
        CliResult.run("embed", run.toString(), "--out", tmp.resolve("e.jsonl").toString(), "hi");
    assertEquals(0, r.code(), r::toString);
    assertEquals("my notes", Files.readString(mine));
    assertTrue(Files.readString(tmp.resolve("e.jsonl")).startsWith("{\"text\":\"hi\""));
    try (Stream<Path> s = Files.list(tmp)) {
      assertFalse(s.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")));
    }
  }
}
