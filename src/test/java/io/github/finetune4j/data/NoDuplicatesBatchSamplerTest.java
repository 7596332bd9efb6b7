package io.github.finetune4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Batches without a text twice, as sentence-transformers' NoDuplicatesBatchSampler makes them. */
class NoDuplicatesBatchSamplerTest {

  /**
   * Ten pairs that share texts: 0, 1 and 8 share q1; 0 and 2 share p1; 3 and 5 share p3; 8 and 9
   * share p8.
   */
  private static final List<PairExample> SHARED =
      List.of(
          new PairExample("q1", "p1"),
          new PairExample("q1", "p2"),
          new PairExample("q2", "p1"),
          new PairExample("q3", "p3"),
          new PairExample("q4", "p4"),
          new PairExample("q5", "p3"),
          new PairExample("q6", "p6"),
          new PairExample("q7", "p7"),
          new PairExample("q1", "p8"),
          new PairExample("q8", "p8"));

  @Test
  void aHandWorkedCaseInAGivenOrder() {
    // texts: q1=0 p1=1 p2=2 q2=3 q3=4 p3=5 q4=6 p4=7 q5=8 q6=9 p6=10
    int[][] texts = {{0, 1}, {0, 2}, {3, 1}, {4, 5}, {6, 7}, {8, 5}, {9, 10}};
    int[] order = {0, 1, 2, 3, 4, 5, 6};
    // pass 1: 0 joins {q1, p1}; 1 clashes on q1; 2 clashes on p1; 3 and 4 join: full [0, 3, 4]
    // pass 2 over 1, 2, 5, 6: 1 joins {q1, p2}; 2 joins (p1 is free again); 5 joins: [1, 2, 5]
    // pass 3 over 6: [6], partial
    assertBatches(
        List.of(new int[] {0, 3, 4}, new int[] {1, 2, 5}, new int[] {6}),
        NoDuplicatesBatchSampler.batches(texts, 11, 3, order, false));
    assertBatches(
        List.of(new int[] {0, 3, 4}, new int[] {1, 2, 5}),
        NoDuplicatesBatchSampler.batches(texts, 11, 3, order, true));
  }

  @Test
  void manyExamplesSharingATextGiveSeveralPartialBatchesAtTheEnd() {
    // (q,a) (q,b) (q,c) (d,e), batch size 2, in this order:
    // pass 1: 0 joins, 1 and 2 clash on q, 3 joins: [0, 3]; pass 2: [1] (2 clashes); pass 3: [2]
    int[][] texts = {{0, 1}, {0, 2}, {0, 3}, {4, 5}};
    assertBatches(
        List.of(new int[] {0, 3}, new int[] {1}, new int[] {2}),
        NoDuplicatesBatchSampler.batches(texts, 6, 2, new int[] {0, 1, 2, 3}, false));
    assertBatches(
        List.of(new int[] {0, 3}),
        NoDuplicatesBatchSampler.batches(texts, 6, 2, new int[] {0, 1, 2, 3}, true));
    // a full batch may follow a partial one: (a,b) leaves (a,c) and (b,d) out, which fit together
    int[][] cross = {{0, 1}, {0, 2}, {1, 3}};
    assertBatches(
        List.of(new int[] {0}, new int[] {1, 2}),
        NoDuplicatesBatchSampler.batches(cross, 4, 2, new int[] {0, 1, 2}, false));
  }

  @Test
  void theShuffleIsJavaUtilRandomsFisherYates() {
    // from src/test/python/gen_no_duplicates_batches.py: java.util.Random's documented LCG
    // re-implemented in Python, and the loop "for i from n-1 down to 1: swap(i, nextInt(i + 1))"
    assertArrayEquals(
        new int[] {4, 6, 2, 1, 7, 9, 8, 5, 3, 0}, NoDuplicatesBatchSampler.shuffled(10, 42));
    assertArrayEquals(
        new int[] {0, 1, 9, 3, 7, 4, 8, 5, 2, 6}, NoDuplicatesBatchSampler.shuffled(10, 7));
    assertArrayEquals(new int[] {2, 0, 1, 3, 4}, NoDuplicatesBatchSampler.shuffled(5, -3));
    assertArrayEquals(new int[] {}, NoDuplicatesBatchSampler.shuffled(0, 1));
  }

  @Test
  void seededBatchesMatchSentenceTransformersLoopRunOnTheSameOrder() {
    // from src/test/python/gen_no_duplicates_batches.py: sentence-transformers'
    // NoDuplicatesBatchSampler loop (one pass per batch over the remaining examples; a partial
    // batch yielded unless drop_last) in Python, fed that script's java.util.Random shuffle.
    assertBatches(
        List.of(new int[] {4, 6, 2}, new int[] {1, 7, 9}, new int[] {8, 5}, new int[] {3, 0}),
        NoDuplicatesBatchSampler.batches(SHARED, 3, 42));
    assertBatches(
        List.of(new int[] {4, 6, 2}, new int[] {1, 7, 9}),
        NoDuplicatesBatchSampler.batches(SHARED, 3, 42, true));
    assertBatches(
        List.of(new int[] {0, 9, 3}, new int[] {1, 7, 4}, new int[] {8, 5, 2}, new int[] {6}),
        NoDuplicatesBatchSampler.batches(SHARED, 3, 7, false));
    assertBatches(
        List.of(new int[] {0, 9, 3}, new int[] {1, 7, 4}, new int[] {8, 5, 2}),
        NoDuplicatesBatchSampler.batches(SHARED, 3, 7, true));
  }

  @Test
  void withoutSharedTextsTheBatchesAreTheShuffledOrderCutIntoPieces() {
    List<PairExample> distinct = new ArrayList<>();
    for (int i = 0; i < 23; i++) {
      distinct.add(new PairExample("anchor " + i, "positive " + i));
    }
    List<int[]> batches = NoDuplicatesBatchSampler.batches(distinct, 5, 11);
    assertEquals(List.of(5, 5, 5, 5, 3), batches.stream().map(b -> b.length).toList());
    assertArrayEquals(
        NoDuplicatesBatchSampler.shuffled(23, 11),
        batches.stream().flatMapToInt(Arrays::stream).toArray());
    assertEquals(4, NoDuplicatesBatchSampler.batches(distinct, 5, 11, true).size());
  }

  @Test
  void aNegativeCountsAsAText() {
    List<PairExample> triplets =
        List.of(new PairExample("a", "b", "c"), new PairExample("c", "d", "e"));
    for (long seed = 0; seed < 20; seed++) {
      assertEquals(2, NoDuplicatesBatchSampler.batches(triplets, 2, seed).size(), "seed " + seed);
    }
    List<PairExample> pairs = List.of(new PairExample("a", "b"), new PairExample("c", "d"));
    assertEquals(1, NoDuplicatesBatchSampler.batches(pairs, 2, 0).size());
  }

  @Test
  void propertiesHoldOverManySeedsAndDatasets() {
    Random data = new Random(2024);
    for (int round = 0; round < 40; round++) {
      // texts drawn from a small vocabulary, so that examples share texts often
      int n = 1 + data.nextInt(60);
      int vocabulary = 3 + data.nextInt(40);
      boolean triplets = data.nextBoolean();
      List<PairExample> examples = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String a = "t" + data.nextInt(vocabulary);
        String p = "t" + data.nextInt(vocabulary);
        examples.add(new PairExample(a, p, triplets ? "t" + data.nextInt(vocabulary) : null));
      }
      int batchSize = 1 + data.nextInt(8);
      for (long seed = 0; seed < 25; seed++) {
        String what = "round " + round + ", seed " + seed + ", batch size " + batchSize;
        List<int[]> all = NoDuplicatesBatchSampler.batches(examples, batchSize, seed);
        List<int[]> dropped = NoDuplicatesBatchSampler.batches(examples, batchSize, seed, true);
        assertEquals(
            all.size(), NoDuplicatesBatchSampler.batches(examples, batchSize, seed).size());
        assertBatches(all, NoDuplicatesBatchSampler.batches(examples, batchSize, seed));

        int[] seen = new int[n];
        for (int k = 0; k < all.size(); k++) {
          int[] batch = all.get(k);
          assertTrue(batch.length >= 1 && batch.length <= batchSize, what);
          Set<String> texts = new HashSet<>();
          for (int i : batch) {
            seen[i]++;
            for (String t : new HashSet<>(examples.get(i).texts())) {
              assertTrue(texts.add(t), what + ": text " + t + " twice in batch " + k);
            }
          }
          if (batch.length < batchSize) {
            // a partial batch is maximal: every example placed later shares a text with it
            for (int later = k + 1; later < all.size(); later++) {
              for (int i : all.get(later)) {
                assertFalse(
                    disjoint(texts, examples.get(i).texts()),
                    what + ": example " + i + " fitted partial batch " + k);
              }
            }
          }
        }
        for (int i = 0; i < n; i++) {
          assertEquals(1, seen[i], what + ": example " + i);
        }
        // dropLast keeps exactly the full batches, in the same order
        assertBatches(all.stream().filter(b -> b.length == batchSize).toList(), dropped);
      }
    }
  }

  @Test
  void theSeedDecidesTheBatches() {
    List<PairExample> distinct = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      distinct.add(new PairExample("a" + i, "p" + (i % 17)));
    }
    assertBatches(
        NoDuplicatesBatchSampler.batches(distinct, 8, 3),
        NoDuplicatesBatchSampler.batches(new ArrayList<>(distinct), 8, 3));
    assertFalse(
        Arrays.equals(
            NoDuplicatesBatchSampler.batches(distinct, 8, 3).get(0),
            NoDuplicatesBatchSampler.batches(distinct, 8, 4).get(0)));
  }

  @Test
  void otherShapesAndEdgeCases() {
    List<List<String>> scored = List.of(List.of("x", "y"), List.of("y", "z"), List.of("u", "v"));
    List<int[]> b = NoDuplicatesBatchSampler.batchesOfTexts(scored, 3, 0, false);
    assertEquals(2, b.size());
    assertEquals(List.of(), NoDuplicatesBatchSampler.batches(List.of(), 4, 0));
    assertBatches(
        List.of(new int[] {0}),
        NoDuplicatesBatchSampler.batches(List.of(new PairExample("same", "same")), 2, 0));
    assertThrows(
        IllegalArgumentException.class, () -> NoDuplicatesBatchSampler.batches(SHARED, 0, 0));
  }

  private static boolean disjoint(Set<String> batch, List<String> texts) {
    for (String t : texts) {
      if (batch.contains(t)) {
        return false;
      }
    }
    return true;
  }

  private static void assertBatches(List<int[]> expected, List<int[]> actual) {
    assertEquals(
        expected.stream().map(Arrays::toString).toList(),
        actual.stream().map(Arrays::toString).toList());
  }
}
