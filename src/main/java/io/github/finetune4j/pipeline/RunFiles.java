package io.github.finetune4j.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * The small files of runs and sweeps ({@code summary.json}, {@code plan.json}, {@code sweep.json},
 * {@code results.csv}, ...), written so that a full disk never leaves a torn or empty one: into a
 * temporary file of a unique name beside it, then renamed over it; on a failure the temporary file
 * is removed and the exception names the file. And what a write failure is called in a message.
 */
final class RunFiles {

  /**
   * A failure to inject for a file, as a full disk gives it: the test seam of the disk-full tests
   * (a tmpfs needs root). It is asked before every write of {@link #write} and of the metric files
   * ({@code Sinks}); null (the default) injects nothing.
   */
  interface Fault {
    /**
     * The failure writing {@code file} meets, or null.
     *
     * @param file the file about to be written
     * @return the exception to throw, or null
     */
    IOException at(Path file);
  }

  /** The injected failure (tests only); null in production. */
  static volatile Fault fault;

  private RunFiles() {}

  /** A write that failed: which file, and the operating system's reason. */
  static final class WriteFailedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    WriteFailedException(Path file, IOException cause) {
      super("cannot write " + file + " (" + RunDirectory.reason(cause) + ")", cause);
      this.file = file;
    }

    /** {@code cannot write NAME (REASON)}: the file by its name alone. */
    String named() {
      return "cannot write " + file.getFileName() + " (" + reason(getCause()) + ")";
    }

    /** The file that could not be written. */
    Path file() {
      return file;
    }
  }

  /**
   * Throws the injected failure for {@code file}, if any.
   *
   * @param file the file about to be written
   * @throws IOException the injected failure
   */
  static void check(Path file) throws IOException {
    Fault f = fault;
    if (f != null) {
      IOException e = f.at(file);
      if (e != null) {
        throw e;
      }
    }
  }

  /**
   * Writes {@code text} as UTF-8 to {@code file}, replacing it only once all of it is written.
   *
   * @param file the file
   * @param text its new content
   * @throws WriteFailedException when it cannot be written (the file is then as it was, and no
   *     temporary file is left)
   */
  static void write(Path file, String text) throws WriteFailedException {
    Path dir = file.toAbsolutePath().getParent();
    Path temp = null;
    try {
      temp = tempBeside(file.toAbsolutePath());
      Files.write(temp, text.getBytes(StandardCharsets.UTF_8));
      check(file);
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      temp = null;
    } catch (IOException e) {
      throw new WriteFailedException(file, e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException e) {
          // the write failed already; that exception says why
        }
      }
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * Creates an empty file of a new, unique name ({@code .NAME.<random>.tmp}) beside {@code file},
   * with the permissions a new file gets (not the owner-only ones of {@link Files#createTempFile}).
   *
   * @param file the file it stands in for
   * @return the new, empty file
   * @throws IOException when it cannot be created
   */
  static Path tempBeside(Path file) throws IOException {
    Path dir = file.getParent();
    for (int i = 0; ; i++) {
      Path p =
          dir.resolve(
              "."
                  + file.getFileName()
                  + "."
                  + Long.toUnsignedString(RANDOM.nextLong(), 36)
                  + ".tmp");
      try {
        return Files.createFile(p);
      } catch (FileAlreadyExistsException e) {
        if (i == 100) {
          throw e;
        }
      }
    }
  }

  /**
   * What a failure while a run writes is called in a message, files relative to {@code dir} where
   * they lie inside it: {@code cannot write FILE (REASON)} for a write that names its file ({@link
   * WriteFailedException}, a copy's target), {@code FILE: REASON} for another file's failure, and
   * {@code cannot write in WRITING (REASON)} for a full disk or quota whose exception names no
   * file.
   *
   * @param e the failure (an {@link UncheckedIOException}'s cause is looked at too)
   * @param dir the run's directory ({@code DIR.partial})
   * @param writing the directory the failing stage writes (names the place when the exception names
   *     no file)
   * @return e.g. {@code cannot write metrics.jsonl (No space left on device)}
   */
  static String describe(Throwable e, Path dir, Path writing) {
    Throwable t = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof WriteFailedException w) {
        return "cannot write " + relative(w.file(), dir) + " (" + reason(w.getCause()) + ")";
      }
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof FileSystemException f && f.getFile() != null) {
        return f.getOtherFile() != null
            ? "cannot write " + relative(Path.of(f.getOtherFile()), dir) + " (" + reason(f) + ")"
            : relative(Path.of(f.getFile()), dir) + ": " + reason(f);
      }
    }
    String why = reason(t);
    return FULL.matcher(why).find()
        ? "cannot write in " + relative(writing, dir) + " (" + why + ")"
        : why;
  }

  /** The reasons of a full disk, a quota and a file-size limit. */
  private static final Pattern FULL =
      Pattern.compile("No space left|Disk quota|File too large", Pattern.CASE_INSENSITIVE);

  private static String reason(Throwable t) {
    if (t instanceof IOException io) {
      return RunDirectory.reason(io);
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  private static String relative(Path file, Path dir) {
    Path f = file.toAbsolutePath().normalize();
    Path d = dir.toAbsolutePath().normalize();
    if (f.equals(d)) {
      return "the run directory";
    }
    return f.startsWith(d) ? d.relativize(f).toString() : file.toString();
  }
}
