package io.github.finetune4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@link NoDuplicatesBatchSampler#order}, the epoch order a training loop slices into batches: a
 * permutation; every slice of {@code batchSize} before the first partial batch is free of repeated
 * texts; the input order itself when no two examples share a text; and hand-worked cases with many
 * shared texts. The property checks compare with sentence-transformers' {@code
 * NoDuplicatesBatchSampler.__iter__} loop written out here on lists ({@link #reference}), not with
 * the class's own batches.
 */
class NoDuplicatesBatchSamplerOrderTest {

  // text ids of the hand-worked case
  private static final int A = 0;
  private static final int B = 1;
  private static final int C = 2;
  private static final int D = 3;
  private static final int E = 4;
  private static final int F = 5;
  private static final int G = 6;
  private static final int H = 7;
  private static final int I = 8;
  private static final int J = 9;
  private static final int K = 10;
  private static final int L = 11;

  @Test
  void aHandWorkedCaseWithManySharedTexts() {
    // (a,b) (a,c) (a,d) (e,f) (b,g) (h,i) (e,j) (k,l), batch size 3, visited in index order:
    // pass 1: 0 joins {a,b}; 1 and 2 clash on a; 3 joins; 4 clashes on b; 5 joins: [0, 3, 5]
    // pass 2 over 1, 2, 4, 6, 7: 1 joins {a,c}; 2 clashes on a; 4 joins {b,g}; 6 joins: [1, 4, 6]
    // pass 3 over 2, 7: both join, a partial batch: [2, 7]
    int[][] texts = {{A, B}, {A, C}, {A, D}, {E, F}, {B, G}, {H, I}, {E, J}, {K, L}};
    assertArrayEquals(
        new int[] {0, 3, 5, 1, 4, 6, 2, 7},
        NoDuplicatesBatchSampler.order(texts, 3, new int[] {0, 1, 2, 3, 4, 5, 6, 7}));
    // visited backwards: [7, 6, 5], then [4, 3, 2] (e of 3 is free again), then [1] and [0],
    // both partial (they share a); sliced by 3 the last slice [1, 0] repeats a, as documented
    assertArrayEquals(
        new int[] {7, 6, 5, 4, 3, 2, 1, 0},
        NoDuplicatesBatchSampler.order(texts, 3, new int[] {7, 6, 5, 4, 3, 2, 1, 0}));
    // batch size 2, visited in index order: [0, 3], [1, 4], [2, 5], [6, 7]: all full
    assertArrayEquals(
        new int[] {0, 3, 1, 4, 2, 5, 6, 7},
        NoDuplicatesBatchSampler.order(texts, 2, new int[] {0, 1, 2, 3, 4, 5, 6, 7}));
  }

  @Test
  void oneTextSharedByMostExamples() {
    // (q,p0) (q,p1) (x,y) (q,p3) (u,v) (w,z): q is in four examples
    int[][] texts = {{0, 1}, {0, 2}, {3, 4}, {0, 5}, {6, 7}, {8, 9}};
    int[] identity = {0, 1, 2, 3, 4, 5};
    // batch size 2: [0, 2], [1, 4], [3, 5]: each batch has one q
    assertArrayEquals(
        new int[] {0, 2, 1, 4, 3, 5}, NoDuplicatesBatchSampler.order(texts, 2, identity));
    // batch size 3: [0, 2, 4], then [1, 5] (3 clashes on q, partial), then [3]
    assertArrayEquals(
        new int[] {0, 2, 4, 1, 5, 3}, NoDuplicatesBatchSampler.order(texts, 3, identity));
    // every example shares q: one example per batch, in the visiting order
    int[][] allQ = {{0, 1}, {0, 2}, {0, 3}, {0, 4}};
    assertArrayEquals(
        new int[] {2, 0, 3, 1}, NoDuplicatesBatchSampler.order(allQ, 4, new int[] {2, 0, 3, 1}));
  }

  @Test
  void aTextSharedAcrossColumnsAndAnExampleWithTheSameTextTwice() {
    // the positive of 0 is the anchor of 1 (id 1 in both); example 2 is (c, c); 3 is a triplet
    // whose negative is 0's anchor. Batch size 2, index order:
    // pass 1: 0 {a,b}; 1 {b,x} clashes on b; 2 {c} joins: [0, 2]
    // pass 2 over 1, 3: 1 joins {b,x}; 3 {y,z,a} joins: [1, 3]
    int[][] texts = {{0, 1}, {1, 3}, {2, 2}, {4, 5, 0}};
    assertArrayEquals(
        new int[] {0, 2, 1, 3}, NoDuplicatesBatchSampler.order(texts, 2, new int[] {0, 1, 2, 3}));
  }

  @Test
  void withoutSharedTextsTheOrderIsTheInputOrder() {
    Random r = new Random(31);
    for (int round = 0; round < 30; round++) {
      int n = r.nextInt(40);
      int k = 2 + r.nextInt(2);
      int[][] texts = new int[n][k];
      for (int i = 0; i < n; i++) {
        for (int c = 0; c < k; c++) {
          texts[i][c] = i * k + c;
        }
      }
      int[] order = shuffled(n, r);
      for (int batchSize : new int[] {1, 2, 3, 8, 64}) {
        assertArrayEquals(
            order,
            NoDuplicatesBatchSampler.order(texts, batchSize, order),
            "round " + round + ", batch size " + batchSize);
      }
    }
  }

  @Test
  void propertiesAgainstSentenceTransformersLoop() {
    Random r = new Random(2025);
    int checkedSlices = 0;
    int partialRuns = 0;
    for (int round = 0; round < 300; round++) {
      int n = 1 + r.nextInt(50);
      int vocabulary = 2 + r.nextInt(60);
      int k = 2 + r.nextInt(2);
      int[][] texts = new int[n][k];
      for (int[] t : texts) {
        for (int c = 0; c < k; c++) {
          t[c] = r.nextInt(vocabulary);
        }
      }
      int batchSize = 1 + r.nextInt(9);
      int[] visit = shuffled(n, r);
      String what = "round " + round + ", batch size " + batchSize;
      int[] got = NoDuplicatesBatchSampler.order(texts, batchSize, visit);

      // a permutation of 0..n-1
      int[] sorted = got.clone();
      Arrays.sort(sorted);
      assertArrayEquals(IntStream.range(0, n).toArray(), sorted, what);

      // the batches of sentence-transformers' loop laid end to end
      List<List<Integer>> batches = reference(texts, batchSize, visit);
      int[] want = batches.stream().flatMap(List::stream).mapToInt(Integer::intValue).toArray();
      assertArrayEquals(want, got, what);

      // every slice before the first partial batch has no text in two examples
      int fullPrefix = 0;
      for (List<Integer> b : batches) {
        if (b.size() < batchSize) {
          partialRuns++;
          break;
        }
        fullPrefix += b.size();
      }
      for (int start = 0; start + batchSize <= fullPrefix; start += batchSize) {
        Set<Integer> seen = new HashSet<>();
        for (int i = start; i < start + batchSize; i++) {
          for (int t : new LinkedHashSet<>(boxed(texts[got[i]]))) {
            assertTrue(seen.add(t), what + ": text " + t + " twice in slice at " + start);
          }
        }
        checkedSlices++;
      }
      // batch size 1 keeps the visiting order
      assertArrayEquals(visit, NoDuplicatesBatchSampler.order(texts, 1, visit), what);
    }
    // the random data exercised both regimes
    assertTrue(checkedSlices > 500, "slices checked: " + checkedSlices);
    assertTrue(partialRuns > 50, "runs with a partial batch: " + partialRuns);
  }

  @Test
  void badBatchSizeAndEmptyInput() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> NoDuplicatesBatchSampler.order(new int[][] {{0, 1}}, 0, new int[] {0}));
    assertEquals("the batch size must be at least 1, got 0", e.getMessage());
    assertEquals(0, NoDuplicatesBatchSampler.order(new int[0][], 4, new int[0]).length);
  }

  /**
   * sentence-transformers' NoDuplicatesBatchSampler loop: while examples remain, walk the remaining
   * ones in visiting order; one joins unless a text of it is already in the batch; stop when the
   * batch is full; a walk that ends first yields a partial batch (drop_last false); the placed
   * examples leave the remaining ones.
   */
  static List<List<Integer>> reference(int[][] texts, int batchSize, int[] visit) {
    List<Integer> remaining = new ArrayList<>();
    for (int v : visit) {
      remaining.add(v);
    }
    List<List<Integer>> out = new ArrayList<>();
    while (!remaining.isEmpty()) {
      Set<Integer> values = new HashSet<>();
      List<Integer> batch = new ArrayList<>();
      for (int index : remaining) {
        List<Integer> sample = boxed(texts[index]);
        if (!Collections.disjoint(sample, values)) {
          continue;
        }
        batch.add(index);
        if (batch.size() == batchSize) {
          break;
        }
        values.addAll(sample);
      }
      out.add(batch);
      remaining.removeAll(batch);
    }
    return out;
  }

  private static List<Integer> boxed(int[] a) {
    return Arrays.stream(a).boxed().toList();
  }

  private static int[] shuffled(int n, Random r) {
    List<Integer> l = new ArrayList<>(IntStream.range(0, n).boxed().toList());
    Collections.shuffle(l, r);
    return l.stream().mapToInt(Integer::intValue).toArray();
  }
}
