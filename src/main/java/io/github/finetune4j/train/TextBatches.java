package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * A tokenized labelled split: token ids per example (already truncated), padded per batch to the
 * batch's longest example; for pairs of texts, with the segment id of every token.
 */
public final class TextBatches implements Batches {

  private final long[][] ids;
  private final int[] labels;
  private final float[][] targets;
  private final long[][] types;

  /**
   * Creates the split.
   *
   * @param ids token ids per example, each truncated to the maximum length
   * @param labels class index per example
   */
  public TextBatches(long[][] ids, int[] labels) {
    if (ids.length != labels.length) {
      throw new IllegalArgumentException("ids and labels differ in length");
    }
    this.ids = ids;
    this.labels = labels;
    this.targets = null;
    this.types = null;
  }

  /**
   * Creates a split whose targets are rows of values (e.g. a multi-label example's 0/1 per label).
   *
   * @param ids token ids per example, each truncated to the maximum length
   * @param targets per example, its values (all rows of one width)
   */
  public TextBatches(long[][] ids, float[][] targets) {
    if (ids.length != targets.length) {
      throw new IllegalArgumentException("ids and targets differ in length");
    }
    this.ids = ids;
    this.labels = null;
    this.targets = targets;
    this.types = null;
  }

  private TextBatches(long[][] ids, int[] labels, float[][] targets, long[][] types) {
    this.ids = ids;
    this.labels = labels;
    this.targets = targets;
    this.types = types;
  }

  /**
   * The same split with a segment id per token (pairs of texts: 0 for the first text, 1 for the
   * second), fed to the encoder as its third input.
   *
   * @param types per example, one segment id per token id
   * @return the split with segment ids
   * @throws IllegalArgumentException when an example's segment ids and token ids differ in length
   */
  public TextBatches withTokenTypes(long[][] types) {
    if (types.length != ids.length) {
      throw new IllegalArgumentException("ids and token types differ in length");
    }
    for (int i = 0; i < ids.length; i++) {
      if (types[i].length != ids[i].length) {
        throw new IllegalArgumentException("example " + i + ": ids and token types differ");
      }
    }
    return new TextBatches(ids, labels, targets, types);
  }

  /**
   * Number of examples.
   *
   * @return the size
   */
  @Override
  public int size() {
    return ids.length;
  }

  /**
   * The label of one example.
   *
   * @param i example index
   * @return class index
   */
  public int label(int i) {
    return labels[i];
  }

  /**
   * The token ids of one example (a copy).
   *
   * @param i example index
   * @return its ids, truncated to the maximum length
   */
  public long[] tokenIds(int i) {
    return ids[i].clone();
  }

  /**
   * Example indexes sorted by length, so evaluation batches carry little padding.
   *
   * @return indexes, shortest first
   */
  public int[] byLength() {
    return byLength(ids);
  }

  /**
   * Indexes of token-id rows sorted by length (ties in index order).
   *
   * @param ids the rows
   * @return indexes, shortest first
   */
  static int[] byLength(long[][] ids) {
    return IntStream.range(0, ids.length)
        .boxed()
        .sorted(Comparator.comparingInt(i -> ids[i].length))
        .mapToInt(Integer::intValue)
        .toArray();
  }

  /**
   * Rows of token ids as one batch, padded with 0 to the longest: {@code inputIds [B,T]} and {@code
   * attentionMask [B,T]}, int64.
   *
   * @param manager owner of the new arrays
   * @param rows the batch's rows, in order
   * @return the inputs
   */
  static NDList padded(NDManager manager, long[][] rows) {
    int t = 0;
    for (long[] row : rows) {
      t = Math.max(t, row.length);
    }
    long[] flat = new long[rows.length * t];
    long[] mask = new long[rows.length * t];
    for (int b = 0; b < rows.length; b++) {
      System.arraycopy(rows[b], 0, flat, b * t, rows[b].length);
      Arrays.fill(mask, b * t, b * t + rows[b].length, 1L);
    }
    Shape shape = new Shape(rows.length, t);
    return new NDList(manager.create(flat, shape), manager.create(mask, shape));
  }

  /**
   * Builds the inputs of one batch: {@code inputIds [B,T]} and {@code attentionMask [B,T]}, int64,
   * and for pairs of texts {@code tokenTypeIds [B,T]} (0 at padding).
   *
   * @param manager owner of the new arrays (a per-step manager)
   * @param idx example indexes
   * @return the inputs
   */
  @Override
  public NDList inputs(NDManager manager, int[] idx) {
    int t = 0;
    for (int i : idx) {
      t = Math.max(t, ids[i].length);
    }
    long[] flat = new long[idx.length * t];
    long[] mask = new long[idx.length * t];
    long[] segments = types == null ? null : new long[idx.length * t];
    for (int b = 0; b < idx.length; b++) {
      long[] row = ids[idx[b]];
      System.arraycopy(row, 0, flat, b * t, row.length);
      Arrays.fill(mask, b * t, b * t + row.length, 1L);
      if (segments != null) {
        System.arraycopy(types[idx[b]], 0, segments, b * t, row.length);
      }
    }
    Shape shape = new Shape(idx.length, t);
    NDList in = new NDList(manager.create(flat, shape), manager.create(mask, shape));
    if (segments != null) {
      in.add(manager.create(segments, shape));
    }
    return in;
  }

  /**
   * The labels of one batch, int64 {@code [B]}.
   *
   * @param manager owner of the new array
   * @param idx example indexes
   * @return the labels
   */
  @Override
  public NDArray labels(NDManager manager, int[] idx) {
    if (targets != null) {
      int k = targets[0].length;
      float[] flat = new float[idx.length * k];
      for (int b = 0; b < idx.length; b++) {
        System.arraycopy(targets[idx[b]], 0, flat, b * k, k);
      }
      return manager.create(flat, new Shape(idx.length, k));
    }
    return Batches.classIndexes(manager, labels, idx);
  }

  /** Shortest first, so that evaluation batches pad little. */
  @Override
  public int[] evalOrder() {
    return byLength();
  }

  /**
   * Number of tokens of one example.
   *
   * @param i example index
   * @return its length
   */
  @Override
  public int length(int i) {
    return ids[i].length;
  }
}
