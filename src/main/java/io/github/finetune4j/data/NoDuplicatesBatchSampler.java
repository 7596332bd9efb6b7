package io.github.finetune4j.data;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Batches in which no text appears twice, the way sentence-transformers' {@code
 * NoDuplicatesBatchSampler} makes them: with in-batch negatives (MultipleNegativesRankingLoss and
 * its kin), every other example's positive is a negative for an anchor, so a text that appears
 * twice in one batch would be trained as its own negative.
 *
 * <p>The examples are shuffled (a Fisher-Yates shuffle with {@link Random} seeded with {@code
 * seed}: for i from n-1 down to 1, swap position i with position {@code nextInt(i + 1)}, which is
 * what {@link java.util.Collections#shuffle(List, Random)} does). Then, while examples remain, one
 * pass over the remaining examples in shuffled order fills a batch: an example joins when none of
 * its texts (anchor, positive, negative; compared as exact strings) is already in the batch, and is
 * otherwise skipped and stays for a later batch. A pass that fills the batch ends there. A pass
 * that reaches the end without filling it gives a partial batch: kept when {@code dropLast} is
 * false, left out when it is true. Either way the examples placed in it are done, and the next pass
 * starts again from the first remaining example.
 *
 * <p>So, without {@code dropLast}, every example is in exactly one batch. Batches are full until
 * the remaining examples cannot fill one; from then on there may be several partial batches (more
 * than {@code ceil(n / batchSize)} batches in all) where many examples share a text, and a full
 * batch may still come between them (the examples a partial batch kept out may fit together). With
 * {@code dropLast}, every batch is full and the examples of the partial batches are not seen this
 * epoch. The same examples, batch size and seed give the same batches; sentence-transformers seeds
 * each epoch with {@code seed + epoch}, and so can a caller.
 */
public final class NoDuplicatesBatchSampler {

  private NoDuplicatesBatchSampler() {}

  /**
   * The batches of pairs or triplets, every example in exactly one (partial batches kept).
   *
   * @param examples the examples
   * @param batchSize examples per batch, at least 1
   * @param seed the shuffle's seed
   * @return the batches, each the indexes of its examples in {@code examples}, in the order placed
   */
  public static List<int[]> batches(List<PairExample> examples, int batchSize, long seed) {
    return batches(examples, batchSize, seed, false);
  }

  /**
   * The batches of pairs or triplets.
   *
   * @param examples the examples
   * @param batchSize examples per batch, at least 1
   * @param seed the shuffle's seed
   * @param dropLast whether partial batches (see the class comment) are left out
   * @return the batches, each the indexes of its examples in {@code examples}, in the order placed
   */
  public static List<int[]> batches(
      List<PairExample> examples, int batchSize, long seed, boolean dropLast) {
    return batchesOfTexts(
        examples.stream().map(PairExample::texts).toList(), batchSize, seed, dropLast);
  }

  /**
   * The batches of examples given by their texts (for another data shape: scored pairs, or texts
   * with a label, whose label is left out as sentence-transformers leaves out label columns).
   *
   * @param examples each example's texts
   * @param batchSize examples per batch, at least 1
   * @param seed the shuffle's seed
   * @param dropLast whether partial batches (see the class comment) are left out
   * @return the batches, each the indexes of its examples in {@code examples}, in the order placed
   */
  public static List<int[]> batchesOfTexts(
      List<? extends Collection<String>> examples, int batchSize, long seed, boolean dropLast) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("the batch size must be at least 1, got " + batchSize);
    }
    Map<String, Integer> ids = new HashMap<>();
    int[][] texts = new int[examples.size()][];
    for (int i = 0; i < texts.length; i++) {
      Collection<String> t = examples.get(i);
      texts[i] = new int[t.size()];
      int k = 0;
      for (String s : t) {
        Integer id = ids.putIfAbsent(s, ids.size());
        texts[i][k++] = id == null ? ids.size() - 1 : id;
      }
    }
    return batches(texts, ids.size(), batchSize, shuffled(texts.length, seed), dropLast);
  }

  /**
   * The indexes 0 to n-1 shuffled as the class comment says.
   *
   * @param n how many
   * @param seed the seed of {@link Random}
   * @return a permutation of 0..n-1
   */
  static int[] shuffled(int n, long seed) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Random random = new Random(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /**
   * The batches of {@link #batches(int[][], int, int, int[], boolean)} (partial ones kept) laid end
   * to end, for a training loop that slices an epoch's order into batches of {@code batchSize}:
   * every batch the sampler fills is one slice, free of repeated texts. Where the sampler makes
   * partial batches (only once the remaining examples cannot fill one without a repeat, at the end
   * of the epoch), their examples follow in the order placed and are sliced to full batches too,
   * which may then hold a repeated text; sentence-transformers would run them as smaller batches.
   *
   * @param texts each example's texts as ids from 0 (equal texts, equal ids)
   * @param batchSize examples per batch, at least 1
   * @param order the order in which examples are visited (a permutation of their indexes)
   * @return a permutation of the example indexes
   */
  public static int[] order(int[][] texts, int batchSize, int[] order) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("the batch size must be at least 1, got " + batchSize);
    }
    int textCount = 0;
    for (int[] t : texts) {
      for (int id : t) {
        textCount = Math.max(textCount, id + 1);
      }
    }
    int[] out = new int[order.length];
    int n = 0;
    for (int[] batch : batches(texts, textCount, batchSize, order, false)) {
      System.arraycopy(batch, 0, out, n, batch.length);
      n += batch.length;
    }
    return out;
  }

  /**
   * The batches for examples visited in a given order.
   *
   * @param texts each example's texts as ids in 0..textCount-1
   * @param textCount how many distinct texts there are
   * @param batchSize examples per batch, at least 1
   * @param order the order in which examples are visited (a permutation of their indexes)
   * @param dropLast whether partial batches are left out
   * @return the batches
   */
  static List<int[]> batches(
      int[][] texts, int textCount, int batchSize, int[] order, boolean dropLast) {
    int n = order.length;
    // the remaining positions of order, as a doubly linked list whose head and tail is n
    int[] next = new int[n + 1];
    int[] prev = new int[n + 1];
    for (int p = 0; p <= n; p++) {
      next[p] = p == n ? 0 : p + 1;
      prev[p] = p == 0 ? n : p - 1;
    }
    // inBatch[t] == batch number while text t is in the batch being filled
    int[] inBatch = new int[textCount];
    List<int[]> out = new ArrayList<>();
    int[] placed = new int[batchSize];
    int remaining = n;
    for (int batch = 1; remaining > 0; batch++) {
      int size = 0;
      for (int p = next[n]; p != n && size < batchSize; p = next[p]) {
        int[] own = texts[order[p]];
        if (clashes(own, inBatch, batch)) {
          continue;
        }
        placed[size++] = p;
        for (int t : own) {
          inBatch[t] = batch;
        }
      }
      int[] indexes = new int[size];
      for (int i = 0; i < size; i++) {
        int p = placed[i];
        indexes[i] = order[p];
        next[prev[p]] = next[p];
        prev[next[p]] = prev[p];
      }
      remaining -= size;
      if (size == batchSize || !dropLast) {
        out.add(indexes);
      }
    }
    return out;
  }

  private static boolean clashes(int[] own, int[] inBatch, int batch) {
    for (int t : own) {
      if (inBatch[t] == batch) {
        return true;
      }
    }
    return false;
  }
}
