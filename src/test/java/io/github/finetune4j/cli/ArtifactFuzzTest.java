package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.train.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Damaged artifacts: an export (any of its files truncated, bit-flipped, extended, replaced by
 * random bytes or deleted) is refused by {@code finetune predict} with exit 2 and a message, never
 * a stack trace or an answer; a checkpoint damaged the same way is refused by {@link
 * Checkpoint#read} with an {@link IOException} that says why, never read as valid.
 *
 * <p>Jazzer fuzz targets: a test run replays the committed corpus ({@code
 * ArtifactFuzzTestInputs/<method>/}, 120 and 300 cases: damage kind and seed, see {@link
 * FuzzInput}); {@code JAZZER_FUZZ=1} fuzzes one target for real (docs/runs.md).
 */
class ArtifactFuzzTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path TMP = tmpDir();
  private static final Path RUN = TMP.resolve("run");
  private static final Path CHECKPOINT;
  private static final String ANSWERS;
  private static final Checkpoint INTACT;

  static {
    CliResult r =
        CliResult.run(
            "run",
            "recipes/tabular/breast-cancer-mlp.yaml",
            "stages=[{epochs: 2, train: [all]}]",
            "train.checkpoint_every=5",
            "output.keep_checkpoints=true",
            "monitor.sinks=[jsonl]",
            "output.dir=" + RUN);
    if (r.code() != 0) {
      throw new IllegalStateException(r.toString());
    }
    try (Stream<Path> s = Files.list(RUN.resolve(Checkpoint.FOLDER))) {
      CHECKPOINT = s.sorted().reduce((a, b) -> b).orElseThrow();
      INTACT = Checkpoint.read(CHECKPOINT);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ANSWERS =
        CliResult.run("predict", RUN.toString(), "--input", "data/breast-cancer/test.csv").out();
  }

  private static Path tmpDir() {
    try {
      return Files.createTempDirectory("finetune4j-artifact-fuzz");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path copy(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
    return to;
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Damages one file of {@code dir}; returns what was done. */
  private static String damage(Path dir, long seed, int kind) throws IOException {
    Random r = new Random(seed);
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = new ArrayList<>(s.filter(Files::isRegularFile).sorted().toList());
    }
    Path f = files.get(r.nextInt(files.size()));
    byte[] b = Files.readAllBytes(f);
    String what;
    switch (kind) {
      case 0 -> {
        int len = b.length == 0 ? 0 : r.nextInt(b.length);
        Files.write(f, Arrays.copyOf(b, len));
        what = "truncated to " + len;
      }
      case 1 -> {
        if (b.length == 0) {
          b = new byte[] {1};
        } else {
          b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
        }
        Files.write(f, b);
        what = "one bit flipped";
      }
      case 2 -> {
        byte[] more = new byte[1 + r.nextInt(64)];
        r.nextBytes(more);
        Files.write(f, more, StandardOpenOption.APPEND);
        what = more.length + " bytes appended";
      }
      case 3 -> {
        byte[] junk = new byte[Math.max(1, b.length)];
        r.nextBytes(junk);
        Files.write(f, junk);
        what = "replaced by random bytes";
      }
      default -> {
        Files.delete(f);
        what = "deleted";
      }
    }
    return f.getFileName() + " " + what;
  }

  @FuzzTest
  void aDamagedExportIsRefusedByPredict(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    int kind = in.intIn(0, 4);
    long seed = in.seed();
    Path dir = Files.createTempDirectory(TMP, "export");
    Path model = copy(RUN.resolve("model"), dir.resolve("model"));
    String what = damage(model, seed, kind);
    try {
      CliResult r =
          CliResult.run("predict", dir.toString(), "--input", "data/breast-cancer/test.csv");
      if (r.code() == 0) {
        assertEquals(ANSWERS, r.out(), () -> "a wrong answer from a damaged export: " + what);
        return;
      }
      assertEquals(2, r.code(), () -> what + "\n" + r);
      assertTrue(r.out().isEmpty(), () -> "an answer from a damaged export (" + what + "):\n" + r);
      assertTrue(r.err().startsWith("finetune: "), () -> what + "\n" + r);
      assertFalse(r.err().contains("\tat "), () -> "a stack trace (" + what + "):\n" + r);
    } finally {
      delete(dir);
    }
  }

  /**
   * The checkpoint-state reader past its hashes: the input (after one byte choosing the file) is
   * {@code state.json} or {@code tensors.bin}, and the manifest is given its SHA-256, so {@link
   * Checkpoint#read} parses the bytes. It gives a checkpoint or an {@link IOException} with a
   * message; any other exception (an OutOfMemoryError included) fails.
   */
  @FuzzTest
  void aCheckpointFileWithItsHashFixedIsReadOrRefused(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    String name = in.bool() ? Checkpoint.TENSORS : Checkpoint.STATE;
    byte[] bytes = in.rest();
    Path dir = Files.createTempDirectory(TMP, "vouched");
    Path c = copy(CHECKPOINT, dir.resolve("step"));
    try {
      Files.write(c.resolve(name), bytes);
      Path manifest = c.resolve(Checkpoint.MANIFEST);
      ObjectNode m = (ObjectNode) JSON.readTree(manifest.toFile());
      m.put(name, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
      JSON.writeValue(manifest.toFile(), m);
      try {
        Checkpoint.read(c);
      } catch (IOException e) {
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), name + ": no message");
      }
    } finally {
      delete(dir);
    }
  }

  @FuzzTest
  void aDamagedCheckpointIsNeverReadWithOtherContent(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    int kind = in.intIn(0, 4);
    long seed = in.seed();
    Path dir = Files.createTempDirectory(TMP, "checkpoint");
    Path c = copy(CHECKPOINT, dir.resolve("step"));
    String what = damage(c, seed, kind);
    try {
      Checkpoint read;
      try {
        read = Checkpoint.read(c);
      } catch (IOException e) {
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), what);
        return;
      }
      assertEquals(INTACT.step(), read.step(), what);
      assertEquals(INTACT.state(), read.state(), what);
      assertEquals(INTACT.tensors().keySet(), read.tensors().keySet(), what);
      for (String k : INTACT.tensors().keySet()) {
        assertTrue(
            Arrays.equals(INTACT.tensors().get(k).values(), read.tensors().get(k).values()),
            () -> "a damaged checkpoint read with other values (" + what + ")");
      }
    } finally {
      delete(dir);
    }
  }
}
