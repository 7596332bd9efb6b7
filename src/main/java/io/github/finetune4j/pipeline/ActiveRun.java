package io.github.finetune4j.pipeline;

import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.StepMetrics;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Where the run of this process is, for a signal handler that must say it in one line: the partial
 * directory and the last step finished; or, in a sweep's process, the sweep's directory and the
 * trials its child processes are running.
 */
public final class ActiveRun {

  /**
   * The state of a live run.
   *
   * @param partial its {@code DIR.partial}
   * @param step the last step finished (0 before the first)
   */
  public record State(Path partial, long step) {}

  /**
   * The state of a live sweep (its trials run in child processes).
   *
   * @param out the sweep's directory
   * @param running the trials running now: name to their {@code DIR/trials/NNN.partial}
   * @param complete how many trials are complete
   * @param total how many trials the sweep has
   */
  public record SweepState(Path out, Map<String, Path> running, int complete, int total) {}

  private static final Object SWEEP_LOCK = new Object();
  private static Path sweepOut;
  private static final Map<String, Path> sweepRunning = new LinkedHashMap<>();
  private static int sweepComplete;
  private static int sweepTotal;

  private static volatile Path partial;
  private static volatile long step;
  private static volatile boolean checkpoints;
  private static volatile boolean stopRequested;
  private static volatile String command;
  private static volatile CountDownLatch stopped = new CountDownLatch(1);
  private static volatile long stoppedAt = -1;

  private ActiveRun() {}

  static void begin(Path dir) {
    begin(dir, false);
  }

  static void begin(Path dir, boolean writesCheckpoints) {
    step = 0;
    stopRequested = false;
    stoppedAt = -1;
    stopped = new CountDownLatch(1);
    checkpoints = writesCheckpoints;
    partial = dir;
  }

  /**
   * Records the command line that started this process's run, for the resume hint a signal prints.
   *
   * @param line e.g. {@code finetune run recipes/x.yaml train.seed=3}
   */
  public static void command(String line) {
    command = line;
  }

  /**
   * Asks a run that writes checkpoints to write one after its current step and stop, and waits for
   * it.
   *
   * @param seconds how long to wait
   * @return the step of the checkpoint written, or -1 (no run with checkpoints, or not in time)
   */
  public static long stopWithCheckpoint(long seconds) {
    if (partial == null || !checkpoints) {
      return -1;
    }
    stopRequested = true;
    try {
      if (stopped.await(seconds, TimeUnit.SECONDS)) {
        return stoppedAt;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return -1;
  }

  /** Whether a signal asked the run to stop (polled by the loop after every step). */
  static boolean stopRequested() {
    return stopRequested;
  }

  /** The loop wrote its checkpoint at {@code step} and stops. */
  static void stopped(long step) {
    stoppedAt = step;
    stopped.countDown();
  }

  /**
   * The command that continues the run, when it was started from the command line.
   *
   * @return e.g. {@code finetune run recipes/x.yaml --resume}, or empty
   */
  public static Optional<String> resumeCommand() {
    String c = command;
    return c == null ? Optional.empty() : Optional.of(c + " --resume");
  }

  static void end() {
    partial = null;
  }

  /**
   * The live run of this process, if any.
   *
   * @return its state
   */
  public static Optional<State> current() {
    Path p = partial;
    return p == null ? Optional.empty() : Optional.of(new State(p, step));
  }

  /** A sweep in {@code out} with {@code total} trials, {@code complete} of them done, begins. */
  static void beginSweep(Path out, int complete, int total) {
    synchronized (SWEEP_LOCK) {
      sweepOut = out;
      sweepRunning.clear();
      sweepComplete = complete;
      sweepTotal = total;
    }
  }

  /** The sweep started trial {@code name}, which writes {@code partial}. */
  static void trialStarted(String name, Path partial) {
    synchronized (SWEEP_LOCK) {
      sweepRunning.put(name, partial);
    }
  }

  /** Trial {@code name} ended ({@code completed}: with exit code 0). */
  static void trialEnded(String name, boolean completed) {
    synchronized (SWEEP_LOCK) {
      sweepRunning.remove(name);
      if (completed) {
        sweepComplete++;
      }
    }
  }

  static void endSweep() {
    synchronized (SWEEP_LOCK) {
      sweepOut = null;
      sweepRunning.clear();
    }
  }

  /**
   * The live sweep of this process, if any.
   *
   * @return its state, the running trials in the order they started
   */
  public static Optional<SweepState> sweep() {
    synchronized (SWEEP_LOCK) {
      if (sweepOut == null) {
        return Optional.empty();
      }
      Map<String, Path> running = new LinkedHashMap<>(sweepRunning);
      return Optional.of(new SweepState(sweepOut, running, sweepComplete, sweepTotal));
    }
  }

  static MetricsSink progressSink() {
    return new MetricsSink() {
      @Override
      public void onStep(StepMetrics m) {
        step = m.step();
      }
    };
  }
}
