package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.pipeline.LockHolder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trials die with their sweep, and a sweep never calls a trial that another process is running
 * "failed". With real processes: a sweep in a child JVM is killed with SIGKILL while its trial
 * trains; the trial's JVM notices within a second, says so in its log and ends, and the sweep run
 * again trains the trial and reports no failure (the orphan used to finish the trial while the
 * rerun reported it failed). A trial whose run directory another live process holds is waited for
 * (then run), or, past the wait, reported as running — never as failed.
 */
class SweepOrphanTest {

  @TempDir Path tmp;

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  @Test
  void aTrialDiesWithItsSweepAndTheRerunRunsIt() throws Exception {
    Path out = tmp.resolve("orphan");
    List<String> args = SweepLockTest.args(out, 60);
    Process sweep = SweepLockTest.child(args, tmp.resolve("sweep.log"));
    List<ProcessHandle> trials;
    try {
      Path metrics = out.resolve("trials/000.partial/metrics.jsonl");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (ChildRun.lastStep(metrics) < 1 && sweep.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(ChildRun.lastStep(metrics) >= 1, "the trial trains");
      trials = sweep.descendants().toList();
      assertEquals(1, trials.size(), trials::toString);
    } finally {
      sweep.destroyForcibly(); // SIGKILL: no shutdown hook of the sweep runs
    }
    assertTrue(sweep.waitFor(30, TimeUnit.SECONDS));
    long trial = trials.get(0).pid();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
    while (alive(trial) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    boolean orphaned = alive(trial);
    if (orphaned) {
      trials.get(0).destroyForcibly();
    }
    assertFalse(orphaned, "the trial's JVM outlived its sweep by 4 s");
    String trialLog = Files.readString(out.resolve("trials/000.log"), StandardCharsets.UTF_8);
    assertTrue(
        trialLog.contains(
            "finetune: the sweep that started this trial (pid "
                + sweep.pid()
                + ") is no longer running; the trial stops"),
        trialLog);
    assertFalse(Files.exists(out.resolve("trials/000")), "the trial did not complete");

    CliResult rerun = CliResult.run(args.toArray(String[]::new));
    assertEquals(0, rerun.code(), rerun::toString);
    assertFalse(rerun.err().contains("failed"), rerun::toString);
    assertFalse(rerun.out().contains("FAILED"), rerun::toString);
    assertTrue(rerun.out().contains("Sweep: 1 of 1 trials complete"), rerun::toString);
    assertTrue(
        Files.readAllLines(out.resolve("results.csv")).get(1).contains(",completed,"),
        Files.readString(out.resolve("results.csv")));
  }

  /** A process that holds a trial's run directory (as a live trial does) until it is killed. */
  private static Process holder(Path runDir) throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LockHolder.class.getName(),
                runDir.toString())
            .redirectErrorStream(true)
            .start();
    String first =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
            .readLine();
    assertTrue(first != null && first.startsWith("locked "), String.valueOf(first));
    return p;
  }

  @Test
  void aTrialAnotherProcessRunsIsWaitedForThenRun() throws Exception {
    Path out = tmp.resolve("waited");
    List<String> args = SweepLockTest.args(out, 1);
    String[] collect = concat(args, "--collect");
    assertEquals(0, CliResult.run(collect).code());
    Process holder = holder(out.resolve("trials/000"));
    try {
      Thread killer =
          new Thread(
              () -> {
                try {
                  Thread.sleep(2000);
                } catch (InterruptedException e) {
                  return;
                }
                holder.destroyForcibly();
              });
      killer.start();
      CliResult r = CliResult.run(args.toArray(String[]::new));
      killer.join();
      assertEquals(0, r.code(), r::toString);
      assertTrue(
          r.out().contains("trial 000: another process (pid " + holder.pid() + ", started "),
          r::toString);
      assertTrue(r.out().contains("is running it; waiting up to 60 s for it to end"), r::toString);
      assertTrue(r.out().contains("trial 000 done: "), r::toString);
      assertFalse(r.out().contains("FAILED"), r::toString);
    } finally {
      holder.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void pastTheWaitItIsReportedAsRunningNeverFailed() throws Exception {
    Path out = tmp.resolve("busy");
    List<String> args = SweepLockTest.args(out, 1);
    assertEquals(0, CliResult.run(concat(args, "--collect")).code());
    Process holder = holder(out.resolve("trials/000"));
    String before = System.getProperty("finetune4j.sweep.wait_seconds");
    System.setProperty("finetune4j.sweep.wait_seconds", "1");
    try {
      CliResult r = CliResult.run(args.toArray(String[]::new));
      assertEquals(2, r.code(), r::toString);
      assertFalse(r.out().contains("FAILED"), r::toString);
      assertFalse(r.err().contains("failed"), r::toString);
      assertTrue(
          r.err()
              .contains(
                  "finetune: 1 trial is still being run by another process (000: pid "
                      + holder.pid()),
          r::toString);
      assertTrue(r.err().contains("run the same command again once it has ended"), r::toString);
      List<String> csv = Files.readAllLines(out.resolve("results.csv"));
      assertTrue(csv.get(1).contains(",running,"), csv::toString);
      assertTrue(csv.get(1).contains("pid " + holder.pid() + ", started "), csv::toString);
    } finally {
      if (before == null) {
        System.clearProperty("finetune4j.sweep.wait_seconds");
      } else {
        System.setProperty("finetune4j.sweep.wait_seconds", before);
      }
      holder.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static String[] concat(List<String> a, String... b) {
    List<String> l = new java.util.ArrayList<>(a);
    l.addAll(List.of(b));
    return l.toArray(String[]::new);
  }
}
