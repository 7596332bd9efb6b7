package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Set;

/**
 * A tokenized information-retrieval split: the queries, then the corpus, each text one example. A
 * batch is one text per example; its labels are the examples' indexes (int64), by which the
 * evaluation places each vector. There is no loss here ({@link #scoresLoss()} is false): the split
 * is scored as a whole, by exact cosine search of every query over the corpus ({@link
 * RetrievalMetrics}).
 */
public final class RetrievalBatches implements Batches {

  private final long[][] ids;
  private final int queries;
  private final List<Set<Integer>> relevant;

  /**
   * Creates the split.
   *
   * @param ids token ids of the queries, then of the corpus's documents
   * @param queries how many of {@code ids} are queries
   * @param relevant per query, its relevant documents' indexes in the corpus (from 0)
   */
  public RetrievalBatches(long[][] ids, int queries, List<Set<Integer>> relevant) {
    if (queries < 1 || queries >= ids.length || relevant.size() != queries) {
      throw new IllegalArgumentException(
          "need 1 or more queries, 1 or more documents, and the relevant documents of each query");
    }
    this.ids = ids;
    this.queries = queries;
    this.relevant = List.copyOf(relevant);
  }

  @Override
  public int size() {
    return ids.length;
  }

  /**
   * The number of queries (the first examples).
   *
   * @return the count
   */
  public int queryCount() {
    return queries;
  }

  /**
   * Per query, its relevant documents' indexes in the corpus.
   *
   * @return the sets
   */
  public List<Set<Integer>> relevant() {
    return relevant;
  }

  @Override
  public NDList inputs(NDManager manager, int[] idx) {
    long[][] rows = new long[idx.length][];
    for (int b = 0; b < idx.length; b++) {
      rows[b] = ids[idx[b]];
    }
    return TextBatches.padded(manager, rows);
  }

  @Override
  public NDArray labels(NDManager manager, int[] idx) {
    long[] out = new long[idx.length];
    for (int b = 0; b < idx.length; b++) {
      out[b] = idx[b];
    }
    return manager.create(out);
  }

  /** Shortest first, so that batches pad little. */
  @Override
  public int[] evalOrder() {
    return TextBatches.byLength(ids);
  }

  @Override
  public int length(int i) {
    return ids[i].length;
  }

  /** No loss: the texts are not paired. */
  @Override
  public boolean scoresLoss() {
    return false;
  }

  /** Evaluated only, never trained on: no cache. */
  @Override
  public boolean cacheable() {
    return false;
  }
}
