package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.train.Checkpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A run's output directory, handled so that no user file is ever lost.
 *
 * <p>The run is built in {@code DIR.partial}, which holds a marker file ({@value #MARKER}) from the
 * moment it is created and an OS file lock ({@value #LOCK}) while the run is alive. Only a
 * directory with the marker is ever replaced or deleted: {@link #check} refuses, before the model
 * loads, an output directory that is a regular file, a directory without the marker, the working
 * directory, {@code /}, the home directory and any ancestor of the recipe, the data files or the
 * working directory. A completed run replaces a previous one by moving it aside, moving the new one
 * in, then deleting the old one; a failed run is moved to {@code DIR.failed}.
 */
public final class RunDirectory implements AutoCloseable {

  /** The marker file that says a directory was created by a Finetune4J run. */
  public static final String MARKER = ".finetune4j-run";

  /** The lock file inside {@code DIR.partial}, locked by the live run. */
  public static final String LOCK = ".lock";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path target;
  private final Path partial;
  private final PidLock lock;
  private boolean closed;

  private RunDirectory(Path target, Path partial, PidLock lock) {
    this.target = target;
    this.partial = partial;
    this.lock = lock;
  }

  /**
   * The {@code .partial} sibling of a run directory.
   *
   * @param dir the run directory
   * @return {@code DIR.partial}
   */
  public static Path partialOf(Path dir) {
    return dir.resolveSibling(dir.getFileName() + ".partial");
  }

  /**
   * The {@code .failed} sibling of a run directory.
   *
   * @param dir the run directory
   * @return {@code DIR.failed}
   */
  public static Path failedOf(Path dir) {
    return dir.resolveSibling(dir.getFileName() + ".failed");
  }

  /**
   * Whether {@code dir} is a directory that a Finetune4J run created (it holds the marker).
   *
   * @param dir a path
   * @return true for a run directory
   */
  public static boolean isRun(Path dir) {
    return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
        && Files.isRegularFile(dir.resolve(MARKER), LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Checks, before anything is loaded or written, that a run may write to {@code dir}: every reason
   * it may not is returned as one sentence (empty when it may).
   *
   * @param dir the recipe's {@code output.dir}
   * @param overwrite the recipe's {@code output.overwrite}
   * @param inputs files the run reads (recipe, data); none of their ancestors may be the output
   * @return the problems, each starting with {@code output.dir}
   */
  public static List<String> check(Path dir, boolean overwrite, List<Path> inputs) {
    return check(dir, overwrite, false, inputs);
  }

  /**
   * Checks, before anything is loaded or written, that a run may write to {@code dir}, or continue
   * the interrupted run there ({@code resume}): every reason it may not is returned as one sentence
   * (empty when it may). Without {@code resume} and {@code overwrite}, an interrupted run in {@code
   * DIR.partial} that holds a valid checkpoint (and whose lock names no live process here) is never
   * deleted: the sentence says how to continue it or start again. With {@code resume}, a missing
   * interrupted run is refused here, and a run that completed is named as such.
   *
   * @param dir the recipe's {@code output.dir}
   * @param overwrite the recipe's {@code output.overwrite}
   * @param resume whether the run continues the interrupted run in {@code DIR.partial}
   * @param inputs files the run reads (recipe, data); none of their ancestors may be the output
   * @return the problems, each starting with {@code output.dir} or {@code --resume}
   */
  public static List<String> check(Path dir, boolean overwrite, boolean resume, List<Path> inputs) {
    List<String> problems = new ArrayList<>();
    Path abs = real(dir);
    String name = "output.dir: " + dir;
    if (dir.getFileName() == null || abs.getParent() == null) {
      problems.add(name + " is the root directory; choose a new directory for the run");
      return problems;
    }
    Path literal = dir.toAbsolutePath().normalize();
    if (Files.isSymbolicLink(literal)) {
      // checked on the path as given: the checks below see where a link points, and the run
      // would replace the link itself once complete
      problems.add(
          name
              + " is a link, not a run directory; it is left as it is (choose another"
              + " output.dir, or the directory it points to)");
      return problems;
    }
    Path cwd = real(Path.of(""));
    String home = System.getProperty("user.home");
    if (abs.equals(cwd)) {
      problems.add(name + " is the working directory; choose a new directory for the run");
      return problems;
    }
    if (home != null && abs.equals(real(Path.of(home)))) {
      problems.add(name + " is the home directory; choose a new directory for the run");
      return problems;
    }
    if (cwd.startsWith(abs)) {
      problems.add(name + " contains the working directory; choose a new directory for the run");
      return problems;
    }
    for (Path in : inputs) {
      Path p = real(in);
      if (p.startsWith(abs)) {
        problems.add(name + " contains " + in + ", which the run reads; choose a new directory");
        return problems;
      }
    }
    Path partial = partialOf(abs);
    if (resume && !isRun(partial)) {
      problems.add(nothingToResume(dir.toAbsolutePath().normalize()));
      return problems;
    }
    if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
      if (!Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
        problems.add(
            name
                + " is a file or a link, not a run directory; it is left as it is"
                + " (choose another output.dir)");
      } else if (isEmptyDir(abs)) {
        // an empty directory holds nothing to lose: the run takes its place
      } else if (!isRun(abs)) {
        problems.add(
            name
                + (overwrite ? " exists" : " already exists")
                + " and was not made by a Finetune4J run (no "
                + MARKER
                + " in it); it is never"
                + " replaced, even with output.overwrite=true: choose another directory");
      } else if (!overwrite) {
        problems.add(
            name
                + " already exists; choose another directory or set"
                + " output.overwrite=true to replace that run");
      }
    }
    if (Files.exists(partial, LinkOption.NOFOLLOW_LINKS) && !isRun(partial)) {
      problems.add(
          "output.dir: "
              + partial
              + " exists and was not made by a Finetune4J run (no "
              + MARKER
              + " in it); remove or rename it");
    } else if (!resume && !overwrite && isRun(partial)) {
      Checkpoint c = resumable(partial);
      if (c != null && !alive(holder(partial))) {
        problems.add(interrupted(partialOf(dir.toAbsolutePath().normalize()), c, holder(partial)));
      }
    }
    Path parent = abs.getParent();
    Path existing = parent;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing != null && !Files.isDirectory(existing)) {
      problems.add(name + " cannot be created: " + existing + " is a file, not a directory");
    } else if (existing != null && !Files.isWritable(existing)) {
      problems.add(name + " cannot be created: " + existing + " is not writable");
    }
    return problems;
  }

  /**
   * Creates and locks {@code DIR.partial} (after {@link #check} passed): the parent directories are
   * created, a stale {@code .partial} of a dead run is cleared with one line on {@code out}, and a
   * live one is refused naming its holder.
   *
   * @param dir the run directory
   * @param out where the one-line note on a stale partial directory goes
   * @return the locked run directory
   * @throws BadInputException when the directory cannot be created (with the OS reason) or another
   *     live run holds it
   */
  public static RunDirectory open(Path dir, PrintStream out) throws BadInputException {
    return open(dir, out, false, null);
  }

  /**
   * Creates and locks {@code DIR.partial}, as {@link #open(Path, PrintStream)}, knowing the
   * recipe's {@code output.overwrite}: without it, a dead run's {@code .partial} that holds a valid
   * checkpoint is refused under the lock (never deleted), as {@link #check} refuses it before.
   *
   * @param dir the run directory
   * @param out where the one-line note on a stale partial directory goes
   * @param overwrite the recipe's {@code output.overwrite}
   * @return the locked run directory
   * @throws BadInputException when the directory cannot be created, another live run holds it, or
   *     it holds an interrupted run that could be resumed and {@code overwrite} is false
   */
  public static RunDirectory open(Path dir, PrintStream out, boolean overwrite)
      throws BadInputException {
    return open(dir, out, false, overwrite);
  }

  /**
   * Locks the {@code DIR.partial} of an interrupted run to continue it: it must exist, carry the
   * marker, and not be held by a live run; nothing in it is removed.
   *
   * @param dir the run directory
   * @param out progress output
   * @return the locked run directory
   * @throws BadInputException when there is no interrupted run to continue, or it is alive
   */
  public static RunDirectory resume(Path dir, PrintStream out) throws BadInputException {
    Path partial = partialOf(dir.toAbsolutePath().normalize());
    if (!isRun(partial)) {
      throw bad(nothingToResume(dir.toAbsolutePath().normalize()));
    }
    return open(dir, out, true, null);
  }

  /**
   * Why {@code --resume} has nothing to continue in {@code target}: it holds a run that completed,
   * or there is no interrupted run.
   */
  private static String nothingToResume(Path target) {
    if (isRun(target) && "completed".equals(status(target))) {
      return "--resume: "
          + target
          + " holds a run that completed (its summary.json says \"completed\"), and there is no"
          + " interrupted run to continue: nothing to resume. To train it again, run without"
          + " --resume and with output.overwrite=true (which replaces it), or choose another"
          + " output.dir";
    }
    return "--resume: "
        + partialOf(target)
        + " is not an interrupted Finetune4J run (no such directory, or no "
        + MARKER
        + " in it); there is nothing to resume";
  }

  /** The {@code status} of a run's {@code summary.json}, or null. */
  private static String status(Path run) {
    Path summary = run.resolve("summary.json");
    try {
      if (!Files.isRegularFile(summary, LinkOption.NOFOLLOW_LINKS)
          || Files.size(summary) > (1 << 24)) {
        return null;
      }
      JsonNode s = JSON.readTree(summary.toFile());
      return s != null && s.path("status").isTextual() ? s.get("status").asText() : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** The newest valid checkpoint of the run in {@code partial}, or null (skips go nowhere). */
  private static Checkpoint resumable(Path partial) {
    return Checkpoint.newest(
        partial.resolve(Checkpoint.FOLDER), new PrintStream(OutputStream.nullOutputStream()));
  }

  /** The sentence that refuses to delete an interrupted run that could be resumed. */
  private static String interrupted(Path partial, Checkpoint c, String holder) {
    Matcher m = HOLDER.matcher(holder);
    return "output.dir: "
        + partial
        + " holds an interrupted run that can continue from its checkpoint after step "
        + c.step()
        + (m.matches()
            ? " (its lock file names pid "
                + m.group(1)
                + ", started "
                + m.group(2)
                + ", which is not running here)"
            : "")
        + "; continue it with --resume and the recipe it started with, set"
        + " output.overwrite=true to delete it and start again, or remove or rename "
        + partial;
  }

  /** What {@link #open} writes into the lock file: {@code pid N, started INSTANT}. */
  private static final Pattern HOLDER = Pattern.compile("pid (\\d{1,19}), started (\\S+)");

  /**
   * Whether the process a lock file names may still hold it: a process with that pid runs on this
   * machine and did not start after the lock was written (a pid taken again by a newer process is
   * no holder). An unreadable holder, or this process, counts as alive: then only the lock decides.
   */
  static boolean alive(String holder) {
    Matcher m = HOLDER.matcher(holder);
    if (!m.matches()) {
      return true;
    }
    long pid;
    Instant written;
    try {
      pid = Long.parseLong(m.group(1));
      written = Instant.parse(m.group(2));
    } catch (RuntimeException e) {
      return true;
    }
    if (pid == ProcessHandle.current().pid()) {
      return true;
    }
    return ProcessHandle.of(pid)
        .map(p -> p.info().startInstant().map(t -> !t.isAfter(written)).orElse(true))
        .orElse(false);
  }

  /**
   * Who runs the run directory {@code dir} now: the holder its {@code DIR.partial}'s lock file
   * names ({@code pid N, started T}) while that process is alive here (read as {@link #check} reads
   * it), or null when no live process runs it. When the file names no holder, or names this
   * process, the OS lock decides (probed through {@link PidLock}, which never opens a file this JVM
   * holds).
   *
   * @param dir a run directory
   * @return the live holder, or null
   */
  static String liveHolder(Path dir) {
    Path partial = partialOf(dir.toAbsolutePath().normalize());
    if (!isRun(partial)) {
      return null;
    }
    String holder = holder(partial);
    Matcher m = HOLDER.matcher(holder);
    if (m.matches() && !m.group(1).equals(Long.toString(ProcessHandle.current().pid()))) {
      return alive(holder) ? holder : null;
    }
    try {
      PidLock probe = PidLock.open(partial.resolve(LOCK));
      if (probe.tryLock()) {
        probe.release(false);
        return null;
      }
      return probe.heldHere() ? "pid " + ProcessHandle.current().pid() + ", this process" : holder;
    } catch (IOException e) {
      return holder;
    }
  }

  private static RunDirectory open(Path dir, PrintStream out, boolean resume, Boolean overwrite)
      throws BadInputException {
    Path target = dir.toAbsolutePath().normalize();
    Path partial = partialOf(target);
    try {
      Files.createDirectories(target.getParent());
    } catch (IOException e) {
      throw bad("output.dir: cannot create " + target.getParent() + ": " + reason(e));
    }
    boolean created;
    try {
      Files.createDirectory(partial);
      created = true;
    } catch (FileAlreadyExistsException e) {
      created = false;
    } catch (IOException e) {
      throw bad("output.dir: cannot create " + partial + ": " + reason(e));
    }
    if (!created && !isRun(partial)) {
      throw bad(
          "output.dir: "
              + partial
              + " exists and was not made by a Finetune4J run (no "
              + MARKER
              + " in it); remove or rename it");
    }
    PidLock lock;
    try {
      lock = PidLock.open(partial.resolve(LOCK));
    } catch (IOException e) {
      throw bad("output.dir: cannot write in " + partial + ": " + reason(e));
    }
    boolean locked;
    try {
      locked = lock.tryLock();
    } catch (IOException e) {
      throw bad("output.dir: cannot lock " + partial.resolve(LOCK) + ": " + reason(e));
    }
    if (!locked) {
      String holder =
          lock.heldHere()
              ? "pid " + ProcessHandle.current().pid() + ", this process"
              : holder(partial);
      throw bad(
          "output.dir: another run is writing "
              + partial
              + " ("
              + holder
              + "); wait for it to finish or choose another output.dir");
    }
    RunDirectory run = new RunDirectory(target, partial, lock);
    boolean cleared = false;
    try {
      if (!created && !resume) {
        Checkpoint c = resumable(partial);
        if (c == null) {
          out.println("Removing the stale " + partial + " left by a run that is no longer alive");
        } else if (Boolean.FALSE.equals(overwrite)) {
          String problem = interrupted(partial, c, holder(partial));
          run.close();
          throw bad(problem);
        } else {
          out.println(
              "Deleting the interrupted run in "
                  + partial
                  + " and its checkpoints (the newest after step "
                  + c.step()
                  + "): this run was started without --resume");
        }
        cleared = true;
        run.clearPartial();
      }
      if (created || !resume) { // a resumed run keeps its marker as it was
        RunFiles.write(
            partial.resolve(MARKER),
            "{\"tool\": \"finetune4j\", \"created\": \"" + Instant.now() + "\"}\n");
      }
      lock.writeHolder();
    } catch (IOException e) {
      run.close();
      String left = "";
      if (created || cleared) {
        // made, or emptied as stale, by this run: it holds nothing of value; take it away again
        // (a partial to resume is never touched)
        try {
          deleteTree(partial);
        } catch (IOException kept) {
          left = "; " + partial + " could not be removed again (" + reason(kept) + ")";
        }
      }
      throw bad(
          "output.dir: cannot write in "
              + partial
              + ": "
              + (e instanceof RunFiles.WriteFailedException w ? w.named() : reason(e))
              + left);
    }
    return run;
  }

  /**
   * The directory the run writes into while it is running.
   *
   * @return {@code DIR.partial}
   */
  public Path partial() {
    return partial;
  }

  /**
   * The directory a completed run ends up in.
   *
   * @return {@code DIR}
   */
  public Path target() {
    return target;
  }

  /**
   * Moves the completed run into place: a previous run at {@code DIR} is moved aside, the new one
   * moved in, then the old one deleted (a failure before the new one is in place moves the old one
   * back). Releases the lock.
   *
   * @return the run directory
   * @throws IOException when the directories cannot be moved
   */
  public Path complete() throws IOException {
    return finish(target);
  }

  /**
   * Moves a failed run to {@code DIR.failed} (replacing an earlier failed run the same way), so
   * that it never looks like a completed one. Releases the lock.
   *
   * @return where the failed run now is
   * @throws IOException when it cannot be moved (the run then stays in {@code DIR.partial})
   */
  public Path fail() throws IOException {
    Path failed = failedOf(target);
    if (Files.exists(failed, LinkOption.NOFOLLOW_LINKS) && !isRun(failed) && !isEmptyDir(failed)) {
      close();
      return partial; // never replace a directory we did not make
    }
    return finish(failed);
  }

  private Path finish(Path dest) throws IOException {
    Path aside = null;
    if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
      if (isEmptyDir(dest)) {
        Files.delete(dest);
      } else if (isRun(dest)) {
        aside = dest.resolveSibling(dest.getFileName() + ".old-" + UUID.randomUUID());
        Files.move(dest, aside, StandardCopyOption.ATOMIC_MOVE);
      } else {
        throw new IOException(
            dest
                + " appeared during the run and was not made by a Finetune4J"
                + " run; the run is left in "
                + partial);
      }
    }
    try {
      Files.move(partial, dest, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (aside != null) {
        Files.move(aside, dest, StandardCopyOption.ATOMIC_MOVE);
      }
      throw e;
    }
    close();
    Files.deleteIfExists(dest.resolve(LOCK));
    if (aside != null) {
      deleteRunTree(aside);
    }
    return dest;
  }

  /**
   * Removes the partial directory of a run that found bad input before it wrote anything, and
   * releases the lock: nothing is left behind.
   */
  public void discard() {
    close();
    try {
      deleteRunTree(partial);
    } catch (IOException e) {
      // a stale partial is cleared by the next run
    }
  }

  /** Deletes everything in the partial directory but the lock file (which stays locked). */
  private void clearPartial() throws IOException {
    try (Stream<Path> children = Files.list(partial)) {
      for (Path c : children.toList()) {
        if (!c.getFileName().toString().equals(LOCK)) {
          deleteTree(c);
        }
      }
    }
  }

  /** Deletes a tree that holds the run marker; refuses any other. */
  static void deleteRunTree(Path dir) throws IOException {
    if (!isRun(dir)) {
      throw new IOException("refusing to delete " + dir + ": it was not made by a Finetune4J run");
    }
    deleteTree(dir);
  }

  /** Deletes a directory tree (links themselves, never their targets); nothing if absent. */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk =
        Files.walk(dir)) { // does not follow links: a link is deleted, not its target
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** The holder a run's lock file names ({@code pid N, started T}), or {@code a live process}. */
  static String holder(Path partial) {
    return holderOf(partial.resolve(LOCK));
  }

  /** The holder a lock file names ({@code pid N, started T}), or {@code a live process}. */
  static String holderOf(Path lockFile) {
    try {
      if (!Files.isRegularFile(lockFile, LinkOption.NOFOLLOW_LINKS)
          || Files.size(lockFile) > 4096) {
        return "a live process";
      }
      String s = Files.readString(lockFile).strip();
      return s.isEmpty() ? "a live process" : s;
    } catch (IOException e) {
      return "a live process";
    }
  }

  private static boolean isEmptyDir(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  /** The absolute, normalized path with every existing ancestor's links resolved. */
  static Path real(Path p) {
    Path abs = p.toAbsolutePath().normalize();
    Path existing = abs;
    List<Path> rest = new ArrayList<>();
    while (existing != null && !Files.exists(existing)) {
      rest.add(0, existing.getFileName());
      existing = existing.getParent();
    }
    if (existing == null) {
      return abs;
    }
    try {
      Path out = existing.toRealPath();
      for (Path r : rest) {
        out = out.resolve(r);
      }
      return out;
    } catch (IOException e) {
      return abs;
    }
  }

  /**
   * Why a directory that does not exist cannot be created, checked before anything is written: its
   * nearest existing ancestor is a file, or cannot be written in.
   *
   * @param dir the directory to create
   * @return the reason ({@code P is a file, not a directory}, {@code P is not writable}), or null
   */
  static String notCreatable(Path dir) {
    Path existing = dir.toAbsolutePath().normalize().getParent();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing != null && !Files.isDirectory(existing)) {
      return existing + " is a file, not a directory";
    }
    if (existing != null && !Files.isWritable(existing)) {
      return existing + " is not writable";
    }
    return null;
  }

  /**
   * The topmost directory that creating {@code dir} would create (to take away again when what goes
   * into it fails), or null when it exists.
   *
   * @param dir a directory
   * @return {@code dir} or its topmost missing ancestor
   */
  static Path topmostMissing(Path dir) {
    Path made = null;
    for (Path d = dir.toAbsolutePath().normalize(); d != null && !Files.exists(d); ) {
      made = d;
      d = d.getParent();
    }
    return made;
  }

  /** The operating system's reason, without Java's exception names. */
  static String reason(IOException e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof NotDirectoryException) {
      return "a part of the path is a file, not a directory";
    }
    if (e instanceof DirectoryNotEmptyException) {
      return "directory not empty";
    }
    if (e instanceof FileAlreadyExistsException f) {
      return (f.getFile() == null ? "it" : f.getFile()) + " exists and is not a directory";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return e.getMessage() == null ? "input/output error" : e.getMessage();
  }

  private static BadInputException bad(String problem) {
    return new BadInputException(List.of(problem));
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // nothing to do: the lock goes with the channel
    }
  }

  /**
   * An OS lock on a lock file that names its holder ({@code pid N, started T}): the run directory's
   * lock, and the sweep directory's. The operating system releases it when its process ends,
   * however it ends. One channel per file in this JVM: a second channel on a locked file, once
   * closed, would release the lock (POSIX), so a file this JVM holds is never opened again.
   */
  static final class PidLock {
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path key;
    private final FileChannel channel;
    private FileLock lock;
    private boolean heldHere;

    private PidLock(Path key, FileChannel channel) {
      this.key = key;
      this.channel = channel;
    }

    /**
     * Opens (creates) the lock file, without locking it.
     *
     * @param file the lock file
     * @return the unlocked lock
     * @throws IOException when the file cannot be created or opened
     */
    static PidLock open(Path file) throws IOException {
      Path key = file.toAbsolutePath().normalize();
      if (!HELD.add(key)) {
        PidLock held = new PidLock(key, null);
        held.heldHere = true;
        return held;
      }
      try {
        return new PidLock(
            key,
            FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE));
      } catch (IOException | RuntimeException e) {
        HELD.remove(key);
        throw e;
      }
    }

    /**
     * Takes the lock without waiting (call once, right after {@link #open}); when another process
     * or this JVM holds it, the file is closed again and the answer is false.
     *
     * @return whether this process now holds it
     * @throws IOException when the file cannot be locked (the file is closed again)
     */
    boolean tryLock() throws IOException {
      if (heldHere) {
        return false;
      }
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // held through another channel of this JVM
      } catch (IOException e) {
        HELD.remove(key);
        closeQuietly(channel);
        throw e;
      }
      if (lock == null) {
        HELD.remove(key);
        closeQuietly(channel);
        return false;
      }
      return true;
    }

    /**
     * Whether {@link #tryLock} failed because this JVM holds the lock.
     *
     * @return true when it is held here
     */
    boolean heldHere() {
      return heldHere;
    }

    /**
     * What the locked file says (read through the locked channel): the holder a process that ended
     * without releasing it left there, or empty.
     *
     * @return the file's text, stripped (at most 4096 bytes)
     * @throws IOException when it cannot be read
     */
    String text() throws IOException {
      ByteBuffer b = ByteBuffer.allocate(4096);
      channel.read(b, 0);
      return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
    }

    /**
     * Writes this process as the holder: {@code pid N, started T}.
     *
     * @throws IOException when it cannot be written
     */
    void writeHolder() throws IOException {
      channel.truncate(0);
      channel.write(
          ByteBuffer.wrap(
              ("pid " + ProcessHandle.current().pid() + ", started " + Instant.now() + "\n")
                  .getBytes(StandardCharsets.UTF_8)),
          0);
      channel.force(true);
    }

    /**
     * Releases the lock; with {@code clear}, empties the file first, so that the next holder knows
     * it was released rather than left by a process that died.
     *
     * @param clear whether to empty the file
     */
    void release(boolean clear) {
      if (lock == null) {
        return;
      }
      if (clear) {
        try {
          channel.truncate(0);
        } catch (IOException e) {
          // the next holder takes it over with a note
        }
      }
      try {
        lock.release();
      } catch (IOException | RuntimeException e) {
        // the channel's close releases it too
      }
      lock = null;
      closeQuietly(channel);
      HELD.remove(key);
    }
  }

  /** Releases the lock (the directory stays where it is). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    lock.release(false);
  }
}
