package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a sweep's process while a trial trains: the line it prints is true for a sweep. It
 * used to say "no run was writing, nothing was left" (the sweep's own process runs no run; its
 * trials run in children): now it names the sweep's directory, the running trial and its partial
 * run, and how to continue — and the trial indeed stops, its partial left for the next run.
 */
class SweepInterruptTest {

  @TempDir Path tmp;

  @Test
  void sigtermDuringASweepSaysWhichTrialWasRunningAndWhatIsLeft() throws Exception {
    Path out = tmp.resolve("sw");
    List<String> args = SweepLockTest.args(out, 60);
    Path log = tmp.resolve("sweep.log");
    Process sweep = SweepLockTest.child(args, log);
    List<ProcessHandle> trials;
    try {
      Path metrics = out.resolve("trials/000.partial/metrics.jsonl");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (ChildRun.lastStep(metrics) < 1 && sweep.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(ChildRun.lastStep(metrics) >= 1, "the trial trains");
      trials = sweep.descendants().toList();
      sweep.destroy(); // SIGTERM
      assertTrue(sweep.waitFor(30, TimeUnit.SECONDS));
    } finally {
      sweep.destroyForcibly();
    }
    assertEquals(143, sweep.exitValue());
    String said = Files.readString(log, StandardCharsets.UTF_8);
    assertFalse(said.contains("no run was writing"), said);
    String partial = out.resolve("trials/000.partial").toString();
    assertTrue(
        said.contains(
            "finetune: interrupted (SIGTERM); the sweep in "
                + out
                + " stops: trial 000 ("
                + partial
                + ") was running; it stops within a second, once it sees the sweep gone, leaving"
                + " its partial run, which the next run of the sweep starts again; 0 of 1 trial"
                + " is complete and kept; run the same command again to continue the sweep"),
        said);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
    while (trials.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    boolean outlived = trials.stream().anyMatch(ProcessHandle::isAlive);
    trials.forEach(ProcessHandle::destroyForcibly);
    assertFalse(outlived, "the trial outlived the sweep by 4 s");
    assertTrue(Files.isDirectory(out.resolve("trials/000.partial")), "the trial's partial run");
    assertFalse(Files.exists(out.resolve("trials/000")), "the trial did not complete");
  }
}
