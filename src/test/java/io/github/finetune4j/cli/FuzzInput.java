package io.github.finetune4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * The parameters of a generated fuzz case, read from a Jazzer input: each {@code int} in a range is
 * one byte (taken modulo the range), each {@code long} eight bytes big-endian, each {@code boolean}
 * one byte's low bit; a short input reads as zeros past its end, so every input (the empty one
 * included) is a case. The committed corpus files ({@code <Class>Inputs/<method>/case-NNN}) are
 * written by {@link #main} in this layout; the fuzzer mutates them from there.
 */
final class FuzzInput {

  private final byte[] data;
  private int at;

  FuzzInput(byte[] data) {
    this.data = data == null ? new byte[0] : data;
  }

  private int next() {
    return at < data.length ? data[at++] & 0xff : 0;
  }

  /** An int in {@code [min, max]} (max - min below 256). */
  int intIn(int min, int max) {
    return min + next() % (max - min + 1);
  }

  boolean bool() {
    return (next() & 1) == 1;
  }

  long seed() {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = v << 8 | next();
    }
    return v;
  }

  /** The bytes left (for a target that also takes raw input after its parameters). */
  byte[] rest() {
    byte[] out = new byte[Math.max(0, data.length - at)];
    System.arraycopy(data, Math.min(at, data.length), out, 0, out.length);
    at = data.length;
    return out;
  }

  /** Encodes a case: one byte per small int or boolean, eight per long. */
  static byte[] encode(long seed, int... small) {
    ByteBuffer b = ByteBuffer.allocate(small.length + 8);
    for (int s : small) {
      b.put((byte) s);
    }
    return b.putLong(seed).array();
  }

  /**
   * Writes the regression corpus: {@code count} cases per target, the small parameters walked
   * systematically (every value of each range), the seeds from a fixed {@link Random}. Run from the
   * repository root: {@code java -cp target/test-classes io.github.finetune4j.cli.FuzzInput}.
   */
  public static void main(String[] args) {
    Path root = Path.of("src/test/resources/io/github/finetune4j/cli");
    // RecipeFuzzTest: recipe index (0..255, modulo the shipped recipes), kind 0..11
    write(
        root.resolve("RecipeFuzzTestInputs/everyMalformedRecipeIsExitTwoWithAClearMessage"),
        500,
        (i, r) -> encode(r.nextLong(), (i / 12) % 256, i % 12));
    // DataFuzzTest: table 0..4, kind 0..18; kind 0..19; kind 0..8, jpeg, gray
    write(
        root.resolve("DataFuzzTestInputs/csvMutantsFailCleanlyOrReadRight"),
        500,
        (i, r) -> encode(r.nextLong(), (i / 19) % 5, i % 19));
    write(
        root.resolve("DataFuzzTestInputs/jsonlMutantsFailCleanlyOrReadRight"),
        500,
        (i, r) -> encode(r.nextLong(), i % 20));
    write(
        root.resolve("DataFuzzTestInputs/aMutatedImageIsRefusedNamingItOrSkipped"),
        500,
        (i, r) -> encode(r.nextLong(), i % 9, (i / 9) % 2, (i / 18) % 2));
    // ArtifactFuzzTest: kind 0..4
    write(
        root.resolve("ArtifactFuzzTestInputs/aDamagedExportIsRefusedByPredict"),
        120,
        (i, r) -> encode(r.nextLong(), i % 5));
    write(
        root.resolve("ArtifactFuzzTestInputs/aDamagedCheckpointIsNeverReadWithOtherContent"),
        300,
        (i, r) -> encode(r.nextLong(), i % 5));
  }

  private interface Gen {
    byte[] make(int i, Random r);
  }

  private static void write(Path dir, int count, Gen gen) {
    try {
      Files.createDirectories(dir);
      Random r = new Random(23);
      for (int i = 0; i < count; i++) {
        Files.write(dir.resolve(String.format("case-%03d", i)), gen.make(i, r));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
