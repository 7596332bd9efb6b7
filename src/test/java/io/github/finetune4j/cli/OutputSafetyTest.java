package io.github.finetune4j.cli;

import static io.github.finetune4j.TestRecipes.quickstart;
import static io.github.finetune4j.TestRecipes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.pipeline.LockHolder;
import io.github.finetune4j.pipeline.RunDirectory;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code output.overwrite=true} never destroys a user's files: every destructive case runs against
 * real directories in a temp folder and asserts that every file there is still present, byte for
 * byte, that the command exited 2, and that it did so before the model loaded.
 */
class OutputSafetyTest {

  @TempDir Path tmp;
  private Path user;
  private Path train;
  private Map<String, byte[]> before;

  /** A folder of the user's: notes, and the training data the recipe reads. */
  @BeforeEach
  void userFiles() throws Exception {
    user = Files.createDirectories(tmp.resolve("work"));
    Files.writeString(user.resolve("precious.txt"), "my thesis, no backup\n");
    Files.createDirectories(user.resolve("data"));
    train =
        Files.copy(
            Path.of("data/spamassassin/train.jsonl.gz"), user.resolve("data/train.jsonl.gz"));
    Files.writeString(user.resolve("data/notes.md"), "# notes\n");
    before = snapshot(tmp);
  }

  @Test
  void aDirectoryNotMadeByARunIsNeverReplaced() throws Exception {
    CliResult r = run(recipe(), tmpDir("mine"));
    assertRefused(r, "was not made by a Finetune4J run");
  }

  @Test
  void theDataFilesDirectoryIsRefused() throws Exception {
    CliResult r = run(recipe(), user.resolve("data").toString());
    assertRefused(r, "contains " + train + ", which the run reads");
  }

  @Test
  void anAncestorOfTheDataIsRefused() throws Exception {
    CliResult r = run(recipe(), tmp.toString());
    assertRefused(r, "which the run reads");
  }

  @Test
  void theRecipesDirectoryIsRefused() throws Exception {
    Path recipeDir = Files.createDirectories(tmp.resolve("recipes"));
    Path recipe = write(recipeDir, "r.yaml", tree());
    before = snapshot(tmp);
    CliResult r =
        CliResult.run("run", recipe.toString(), "output.dir=" + recipeDir, "output.overwrite=true");
    assertRefused(r, "contains " + recipe + ", which the run reads");
  }

  @Test
  void aDirectoryContainingTheWorkingDirectoryIsRefused() throws Exception {
    Path above = Path.of("").toAbsolutePath().getParent();
    CliResult r = run(recipe(), above.toString());
    assertRefused(r, "output.dir: " + above + " contains the working directory");
  }

  @Test
  void aRegularFileIsRefused() throws Exception {
    CliResult r = run(recipe(), user.resolve("precious.txt").toString());
    assertRefused(r, "is a file or a link, not a run directory");
  }

  @Test
  void theRootAndTheHomeDirectoryAreRefused() throws Exception {
    assertRefused(run(recipe(), "/"), "output.dir: / is the root directory");
    String home = System.getProperty("user.home");
    try {
      System.setProperty("user.home", user.toString());
      assertRefused(run(recipe(), user.toString()), "is the home directory");
    } finally {
      System.setProperty("user.home", home);
    }
  }

  @Test
  void aPathUnderARegularFileIsRefusedUpFront() throws Exception {
    CliResult r = run(recipe(), user.resolve("precious.txt/run").toString());
    assertRefused(
        r, "cannot be created: " + user.resolve("precious.txt") + " is a file, not a directory");
  }

  @Test
  void anUnwritableLocationIsExit2WithTheOsReasonBeforeTheModelLoads() throws Exception {
    CliResult r = run(recipe(), "/proc/finetune4j-test-run");
    assertRefused(r, "/proc/finetune4j-test-run");
    assertTrue(r.err().contains("output.dir: cannot"), r::toString);
  }

  /** The working directory, in a real process started there (a test cannot change its own). */
  @Test
  void theWorkingDirectoryIsRefusedInARealProcess() throws Exception {
    Path recipe = recipe();
    before = snapshot(tmp);
    Process p =
        java(
            user,
            "io.github.finetune4j.cli.Main",
            "run",
            recipe.toString(),
            "output.dir=.",
            "output.overwrite=true");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(2, p.exitValue(), out);
    assertTrue(out.contains("output.dir: . is the working directory"), out);
    assertFalse(out.contains("Loading"), out);
    assertEquals(keys(before), keys(snapshot(tmp)));
    assertUnchanged();
  }

  /** A second run on the same output.dir while the first (another process) holds the lock. */
  @Test
  void aLiveRunsPartialIsNeverTouchedAndAStaleOneIsRemovedWithAMessage() throws Exception {
    Path runDir = tmp.resolve("runs/shared");
    Process holder = java(tmp, LockHolder.class.getName(), runDir.toString());
    try {
      BufferedReader lines =
          new BufferedReader(
              new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      String first = lines.readLine();
      assertTrue(first != null && first.startsWith("locked "), String.valueOf(first));
      Path partial = RunDirectory.partialOf(runDir);
      Files.writeString(partial.resolve("metrics.jsonl"), "{\"kind\":\"step\"}\n");
      before = snapshot(tmp);

      CliResult r = run(recipe(), runDir.toString());
      assertEquals(2, r.code(), r::toString);
      assertTrue(r.err().contains("another run is writing " + partial), r::toString);
      assertTrue(r.err().contains("pid " + holder.pid()), r::toString);
      assertFalse(r.out().contains("Loading"), r::toString);
      assertUnchanged();

      holder.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // kill -9: the lock dies with it
      ByteArrayOutputStream msg = new ByteArrayOutputStream();
      try (RunDirectory dir =
          RunDirectory.open(runDir, new PrintStream(msg, true, StandardCharsets.UTF_8))) {
        assertEquals(
            "Removing the stale " + partial + " left by a run that is no longer alive",
            msg.toString(StandardCharsets.UTF_8).strip());
        assertFalse(Files.exists(partial.resolve("metrics.jsonl")), "the stale run's files went");
        assertTrue(RunDirectory.isRun(partial));
      }
    } finally {
      holder.destroyForcibly();
    }
  }

  private Path tmpDir(String name) throws Exception {
    Path d = Files.createDirectories(tmp.resolve(name));
    Files.writeString(d.resolve("keep.bin"), "\u0000\u0001 user bytes");
    before = snapshot(tmp);
    return d;
  }

  private CliResult run(Path recipe, Path outDir) {
    return run(recipe, outDir.toString());
  }

  private CliResult run(Path recipe, String outDir) {
    return CliResult.run("run", recipe.toString(), "output.dir=" + outDir, "output.overwrite=true");
  }

  private ObjectNode tree() {
    ObjectNode t = quickstart();
    ObjectNode data = (ObjectNode) t.get("data");
    ((ObjectNode) data.get("train")).put("path", train.toString());
    for (String split : List.of("valid", "test")) {
      ObjectNode s = (ObjectNode) data.get(split);
      s.put("path", Path.of(s.get("path").asText()).toAbsolutePath().toString());
    }
    return t;
  }

  /** A recipe that reads the user's copy of the training data; written beside the user's folder. */
  private Path recipe() throws Exception {
    Path recipe = write(Files.createDirectories(tmp.resolve("recipe")), "recipe.yaml", tree());
    before = snapshot(tmp);
    return recipe;
  }

  private void assertRefused(CliResult r, String cause) throws Exception {
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains(cause), () -> "missing '" + cause + "' in\n" + r);
    assertFalse(r.out().contains("Loading"), () -> "the model was loaded first:\n" + r);
    assertFalse(r.err().contains("Exception"), r::toString);
    assertUnchanged();
  }

  private void assertUnchanged() throws Exception {
    Map<String, byte[]> after = snapshot(tmp);
    assertEquals(keys(before), keys(after), "the same files and directories");
    before.forEach((k, v) -> assertTrue(Arrays.equals(v, after.get(k)), k + " unchanged"));
  }

  private static List<String> keys(Map<String, byte[]> m) {
    return new ArrayList<>(m.keySet());
  }

  /** Every file and directory under {@code root} with its bytes (directories: empty). */
  private static Map<String, byte[]> snapshot(Path root) throws Exception {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        out.put(
            root.relativize(p) + (Files.isDirectory(p) ? "/" : ""),
            Files.isDirectory(p) ? new byte[0] : Files.readAllBytes(p));
      }
    }
    return out;
  }

  private static Process java(Path cwd, String mainClass, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true",
                "-cp",
                System.getProperty("java.class.path"),
                mainClass));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
  }
}
