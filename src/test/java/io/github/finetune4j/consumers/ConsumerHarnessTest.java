package io.github.finetune4j.consumers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness's own plumbing against values worked out by hand: ONNX Runtime on {@code tiny.onnx}
 * (written by {@code src/test/resources/consumers/make_tiny_onnx.py}: {@code logits = input_ids +
 * 10 * attention_mask + 100 * token_type_ids}, and the same as a 3-D {@code sequence}), mean
 * pooling and cosine.
 */
class ConsumerHarnessTest {

  @TempDir static Path tmp;
  private static Path tiny;

  private static final long[][] IDS = {{1, 2, 3}, {4, 5, 0}};
  private static final long[][] MASK = {{1, 1, 1}, {1, 1, 0}};
  private static final long[][] TYPES = {{0, 0, 1}, {0, 1, 0}};

  @BeforeAll
  static void extract() throws IOException {
    tiny = tmp.resolve("tiny.onnx");
    try (InputStream in =
        ConsumerHarnessTest.class.getClassLoader().getResourceAsStream("consumers/tiny.onnx")) {
      Files.copy(in, tiny);
    }
  }

  @Test
  void ortRunFeedsEachInputByNameAndReturnsTheNamedOutput() throws Exception {
    float[][] logits = ConsumerHarness.ortRun(tiny, "logits", IDS, MASK, TYPES);
    assertArrayEquals(new float[] {11, 12, 113}, logits[0]);
    assertArrayEquals(new float[] {14, 115, 0}, logits[1]);

    float[][][] sequence = ConsumerHarness.ortRunSequence(tiny, "sequence", IDS, MASK, TYPES);
    assertEquals(2, sequence.length);
    assertArrayEquals(new float[] {113}, sequence[0][2]);
    assertArrayEquals(new float[] {115}, sequence[1][1]);
  }

  @Test
  void missingTokenTypesAreZeros() throws Exception {
    float[][] logits = ConsumerHarness.ortRun(tiny, "logits", IDS, MASK, null);
    assertArrayEquals(new float[] {11, 12, 13}, logits[0]);
    assertArrayEquals(new float[] {14, 15, 0}, logits[1]);
  }

  @Test
  void aWrongOutputNameOrRankSaysSo() {
    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class,
            () -> ConsumerHarness.ortRun(tiny, "sentence_embedding", IDS, MASK, TYPES));
    assertTrue(unknown.getMessage().contains("no output sentence_embedding"), unknown.getMessage());
    assertTrue(unknown.getMessage().contains("logits"), unknown.getMessage());

    IllegalArgumentException rank =
        assertThrows(
            IllegalArgumentException.class,
            () -> ConsumerHarness.ortRun(tiny, "sequence", IDS, MASK, TYPES));
    assertTrue(rank.getMessage().contains("not a 2-D float tensor"), rank.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> ConsumerHarness.ortRunSequence(tiny, "logits", IDS, MASK, TYPES));
  }

  @Test
  void meanPoolSkipsMaskedTokensAndCosineIsScaleFree() {
    float[][][] hidden = {{{1, 2}, {3, 4}, {100, 100}}, {{-1, 5}, {7, 7}, {7, 7}}};
    long[][] mask = {{1, 1, 0}, {1, 0, 0}};
    float[][] pooled = ConsumerHarness.meanPool(hidden, mask);
    assertArrayEquals(new float[] {2, 3}, pooled[0]);
    assertArrayEquals(new float[] {-1, 5}, pooled[1]);

    assertEquals(
        1 / Math.sqrt(2), ConsumerHarness.cosine(new float[] {1, 0}, new float[] {3, 3}), 1e-15);
    assertEquals(-1.0, ConsumerHarness.cosine(new float[] {1, 2}, new float[] {-2, -4}), 1e-15);
  }
}
