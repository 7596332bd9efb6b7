package io.github.finetune4j.pipeline;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;
import java.util.Optional;

/**
 * The entry point of a sweep's trial JVM: {@code SweepTrial PARENT_PID MAIN_CLASS ARGS...} watches
 * the sweep that started it, then runs {@code MAIN_CLASS.main(ARGS)} ({@code finetune run ...}).
 * When the sweep is no longer running — killed with SIGKILL, so that it could not stop its children
 * — the trial says so in one line of its log and ends at once with exit code {@value #ORPHANED},
 * leaving its partial run directory for the sweep's next run to replace. A trial thus never
 * outlives its sweep by more than about {@value #POLL_MILLIS} ms, and never finishes unseen while a
 * rerun of the sweep runs it again.
 */
public final class SweepTrial {

  /** The exit code of a trial whose sweep is gone: 128 + SIGHUP, as for a lost terminal. */
  public static final int ORPHANED = 129;

  /** How often the trial looks at its sweep. */
  static final long POLL_MILLIS = 500;

  private SweepTrial() {}

  /**
   * Runs a trial under the watch of its sweep.
   *
   * @param args the sweep's pid, the main class, then its arguments
   * @throws Throwable whatever the main class throws
   */
  public static void main(String[] args) throws Throwable {
    long parent = Long.parseLong(args[0]);
    watch(parent, System.err);
    try {
      Class.forName(args[1])
          .getMethod("main", String[].class)
          .invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /**
   * Starts a daemon thread that ends this JVM once the process {@code parentPid} is no longer its
   * parent or no longer alive (its start time is part of the check, so a reused pid is no parent).
   */
  static void watch(long parentPid, PrintStream err) {
    Optional<ProcessHandle> parent =
        ProcessHandle.current().parent().filter(p -> p.pid() == parentPid);
    if (parent.isEmpty()) {
      orphaned(parentPid, err); // gone before this JVM looked
    }
    ProcessHandle p = parent.get();
    Thread t =
        new Thread(
            () -> {
              while (true) {
                try {
                  Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                  return;
                }
                if (!p.isAlive()
                    || ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L)
                        != parentPid) {
                  orphaned(parentPid, err);
                }
              }
            },
            "sweep-parent-watch");
    t.setDaemon(true);
    t.start();
  }

  private static void orphaned(long parentPid, PrintStream err) {
    err.println(
        "finetune: the sweep that started this trial (pid "
            + parentPid
            + ") is no longer running; the trial stops"
            + ActiveRun.current()
                .map(
                    s ->
                        (s.step() == 0 ? " before its first step" : " after step " + s.step())
                            + "; its partial run in "
                            + s.partial()
                            + " is replaced when the sweep runs again")
                .orElse("")
            + " (exit "
            + ORPHANED
            + ")");
    err.flush();
    Runtime.getRuntime().halt(ORPHANED);
  }
}
