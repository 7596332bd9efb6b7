package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep's directory is locked by the sweep that writes it ({@code DIR/.lock}, the pid of its
 * holder, the run directory's lock): a second identical sweep on the same {@code --out} is exit 2
 * naming the first one's pid, and the first one finishes without a failure. Both used to run and
 * report failures (each other's trials refused by their run locks). A lock left by a sweep that is
 * no longer running is taken over with a note.
 */
class SweepLockTest {

  private static final String RECIPE = "recipes/tabular/breast-cancer-mlp.yaml";

  @TempDir Path tmp;

  static List<String> args(Path out, int epochs) {
    return List.of(
        "sweep",
        RECIPE,
        "--set",
        "stages.0.epochs=" + epochs,
        "--set",
        "monitor.sinks=[jsonl]",
        "--set",
        "output.formats=[]",
        "--set",
        "train.threads=1",
        "--out",
        out.toString());
  }

  /** {@code finetune ARGS} in a child JVM, its output in {@code log}. */
  static Process child(List<String> args, Path log) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-Dai.djl.offline=true",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    cmd.addAll(args);
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** Waits until {@code file} exists (or {@code p} ended). */
  static void awaitFile(Process p, Path file) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.exists(file) && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(Files.exists(file), file + " did not appear");
  }

  @Test
  void aSecondSweepOnTheSameDirectoryIsRefusedAndTheFirstFinishes() throws Exception {
    Path out = tmp.resolve("shared");
    Path log = tmp.resolve("first.log");
    Process first = child(args(out, 60), log);
    try {
      // the first sweep's trial is running: its run directory exists
      awaitFile(first, out.resolve("trials/000.partial/.lock"));
      CliResult second = CliResult.run(args(out, 60).toArray(String[]::new));
      assertEquals(2, second.code(), second::toString);
      assertEquals(
          "finetune: cannot sweep:\n  - another sweep is writing " + out + " (pid " + first.pid(),
          second.err().substring(0, second.err().indexOf(", started")),
          second::toString);
      assertTrue(
          second.err().contains("wait for it to finish, or give another --out"), second::toString);
      assertFalse(second.out().contains("started"), second::toString);
      assertTrue(first.waitFor(300, TimeUnit.SECONDS), "the first sweep ends");
      String firstLog = Files.readString(log, StandardCharsets.UTF_8);
      assertEquals(0, first.exitValue(), firstLog);
      assertFalse(firstLog.contains("FAILED"), firstLog);
      assertTrue(firstLog.contains("Sweep: 1 of 1 trials complete"), firstLog);
    } finally {
      first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    // released: the lock file is empty, and the next sweep takes it without a note
    assertEquals("", Files.readString(out.resolve(".lock")));
    CliResult again = CliResult.run(args(out, 60).toArray(String[]::new));
    assertEquals(0, again.code(), again::toString);
    assertFalse(again.out().contains("Taking over"), again::toString);
  }

  @Test
  void aLockLeftByASweepThatDiedIsTakenOverWithANote() throws Exception {
    Path out = tmp.resolve("stale");
    CliResult r = CliResult.run(args(out, 1).toArray(String[]::new));
    assertEquals(0, r.code(), r::toString);
    // a sweep killed with SIGKILL leaves its holder line; the OS released its lock
    Process dead = new ProcessBuilder("true").start();
    dead.waitFor();
    String holder = "pid " + dead.pid() + ", started 2026-01-01T00:00:00Z";
    Files.writeString(out.resolve(".lock"), holder + "\n");
    CliResult again = CliResult.run(args(out, 1).toArray(String[]::new));
    assertEquals(0, again.code(), again::toString);
    assertTrue(
        again
            .out()
            .startsWith(
                "Taking over the lock of "
                    + out
                    + " from a sweep that is no longer running ("
                    + holder
                    + ")\n"),
        again::toString);
    assertEquals("", Files.readString(out.resolve(".lock")));
  }
}
