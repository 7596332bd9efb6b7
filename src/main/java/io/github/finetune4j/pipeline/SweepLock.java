package io.github.finetune4j.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The lock of a sweep's directory, {@code DIR/.lock}: the run directory's OS file lock, whose file
 * names its holder ({@code pid N, started T}). Only one sweep writes a directory at a time; the
 * operating system releases the lock when its process ends, however it ends. A clean release
 * empties the file, so a holder line found by the next sweep is a sweep that died: it is taken over
 * with a note.
 */
public final class SweepLock implements AutoCloseable {

  /** The lock file in the sweep's directory. */
  public static final String FILE = RunDirectory.LOCK;

  private static final long POLL_MILLIS = 25;

  private final RunDirectory.PidLock lock;

  private SweepLock(RunDirectory.PidLock lock) {
    this.lock = lock;
  }

  /**
   * Takes the lock of {@code dir} (which exists), waiting up to {@code wait} while another sweep
   * holds it.
   *
   * @param dir the sweep's directory
   * @param notes where the note on a stale lock goes
   * @param wait how long to wait for another holder
   * @return the lock
   * @throws BadInputException when another sweep holds it after the wait, or it cannot be written
   */
  static SweepLock acquire(Path dir, PrintStream notes, Duration wait) throws BadInputException {
    Path file = dir.resolve(FILE);
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      RunDirectory.PidLock l;
      boolean locked;
      try {
        l = RunDirectory.PidLock.open(file);
        locked = l.tryLock();
      } catch (IOException e) {
        throw new BadInputException(
            List.of("--out: cannot lock " + file + ": " + RunDirectory.reason(e)));
      }
      if (locked) {
        try {
          String previous = l.text();
          if (!previous.isEmpty()) {
            notes.println(
                "Taking over the lock of "
                    + dir
                    + " from a sweep that is no longer running ("
                    + previous.lines().findFirst().orElse("")
                    + ")");
          }
          l.writeHolder();
        } catch (IOException e) {
          l.release(false);
          throw new BadInputException(
              List.of("--out: cannot write " + file + ": " + RunDirectory.reason(e)));
        }
        return new SweepLock(l);
      }
      if (System.nanoTime() >= deadline) {
        String holder =
            l.heldHere()
                ? "pid " + ProcessHandle.current().pid() + ", this process"
                : RunDirectory.holderOf(file);
        throw new BadInputException(
            List.of(
                "another sweep is writing "
                    + dir
                    + " ("
                    + holder
                    + "); wait for it to finish, or give another --out"));
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BadInputException(List.of("interrupted while waiting for the lock of " + dir));
      }
    }
  }

  /** Releases the lock and empties its file. */
  @Override
  public void close() {
    lock.release(true);
  }
}
