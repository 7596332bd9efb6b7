package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** A split of pairs of texts feeds the encoder its segment ids as a third input, 0 at padding. */
class TextBatchesPairTest {

  @Test
  void pairsCarryTheirSegmentIdsPaddedWithZero() {
    long[][] ids = {{101, 7, 102, 8, 9, 102}, {101, 5, 102, 6, 102}};
    long[][] types = {{0, 0, 0, 1, 1, 1}, {0, 0, 0, 1, 1}};
    TextBatches single = new TextBatches(ids, new int[] {1, 0});
    TextBatches pairs = single.withTokenTypes(types);
    try (NDManager m = NDManager.newBaseManager()) {
      assertEquals(2, single.inputs(m, new int[] {0, 1}).size(), "single texts: ids and mask");
      NDList in = pairs.inputs(m, new int[] {1, 0});
      assertEquals(3, in.size());
      assertEquals(new Shape(2, 6), in.get(2).getShape());
      assertArrayEquals(
          new long[] {101, 5, 102, 6, 102, 0, 101, 7, 102, 8, 9, 102}, in.get(0).toLongArray());
      assertArrayEquals(new long[] {1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1}, in.get(1).toLongArray());
      assertArrayEquals(new long[] {0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1}, in.get(2).toLongArray());
      assertArrayEquals(new long[] {0, 1}, pairs.labels(m, new int[] {1, 0}).toLongArray());
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> single.withTokenTypes(new long[][] {{0, 0, 0, 1, 1}, {0, 0, 0, 1, 1}}));
  }
}
