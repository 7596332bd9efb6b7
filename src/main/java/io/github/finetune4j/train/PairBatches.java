package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.github.finetune4j.data.NoDuplicatesBatchSampler;

/**
 * A tokenized split of an embedding task whose example is several texts: (anchor, positive) pairs,
 * triplets (a hard negative third), or scored pairs (a, b). A batch of {@code B} examples is one
 * forward pass over {@code k * B} texts, column after column (all anchors, then all positives, then
 * all negatives), padded to the longest; the task's loss splits the pooled vectors back into
 * columns. Labels: a scored pair's score (float32 {@code [B]}); for pairs, which carry no label,
 * the examples' indexes (int64 {@code [B]}), by which an evaluation places each example's vectors.
 */
public final class PairBatches implements Batches {

  private final long[][][] ids;
  private final int[][] textIds;
  private final float[] scores;

  /**
   * Creates the split.
   *
   * @param ids per column, per example, its token ids (truncated)
   * @param textIds per column, per example, the id of its text (equal texts, equal ids; across
   *     columns too)
   * @param scores per example, its score, or null for pairs and triplets
   */
  public PairBatches(long[][][] ids, int[][] textIds, float[] scores) {
    if (ids.length < 2 || textIds.length != ids.length) {
      throw new IllegalArgumentException("need 2 or more columns of texts, with their text ids");
    }
    for (int c = 0; c < ids.length; c++) {
      if (ids[c].length != ids[0].length || textIds[c].length != ids[0].length) {
        throw new IllegalArgumentException("every column needs one text per example");
      }
    }
    if (scores != null && scores.length != ids[0].length) {
      throw new IllegalArgumentException("one score per example");
    }
    this.ids = ids;
    this.textIds = textIds;
    this.scores = scores;
  }

  @Override
  public int size() {
    return ids[0].length;
  }

  /**
   * The texts per example: 2 for pairs, 3 for triplets.
   *
   * @return the column count
   */
  public int columns() {
    return ids.length;
  }

  /**
   * Whether the examples carry scores (scored pairs).
   *
   * @return true for scored pairs
   */
  public boolean scored() {
    return scores != null;
  }

  /**
   * The id of one example's text in one column (equal texts have equal ids).
   *
   * @param column 0 for the anchor, 1 the positive, 2 the negative
   * @param example the example
   * @return the text's id
   */
  public int textId(int column, int example) {
    return textIds[column][example];
  }

  @Override
  public NDList inputs(NDManager manager, int[] idx) {
    long[][] rows = new long[idx.length * ids.length][];
    int r = 0;
    for (long[][] column : ids) {
      for (int i : idx) {
        rows[r++] = column[i];
      }
    }
    return TextBatches.padded(manager, rows);
  }

  @Override
  public NDArray labels(NDManager manager, int[] idx) {
    if (scores != null) {
      float[] out = new float[idx.length];
      for (int b = 0; b < idx.length; b++) {
        out[b] = scores[idx[b]];
      }
      return manager.create(out);
    }
    long[] out = new long[idx.length];
    for (int b = 0; b < idx.length; b++) {
      out[b] = idx[b];
    }
    return manager.create(out);
  }

  /**
   * The shuffled order rearranged by {@link NoDuplicatesBatchSampler} so that no text occurs twice
   * in a batch (a duplicate would be its own in-batch negative), as sentence-transformers' {@code
   * NoDuplicatesBatchSampler} does; see {@link NoDuplicatesBatchSampler#order}.
   */
  @Override
  public int[] epochOrder(int[] shuffled, int batchSize) {
    int[][] texts = new int[size()][ids.length];
    for (int i = 0; i < texts.length; i++) {
      for (int c = 0; c < ids.length; c++) {
        texts[i][c] = textIds[c][i];
      }
    }
    return NoDuplicatesBatchSampler.order(texts, batchSize, shuffled);
  }

  /** An example is several texts: the feature cache keeps one row per example, so none here. */
  @Override
  public boolean cacheable() {
    return false;
  }
}
