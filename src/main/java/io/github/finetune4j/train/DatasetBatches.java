package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A DJL {@link RandomAccessDataset} (an {@code ArrayDataset}, an {@code ImageFolder}, a user's own)
 * as the loop's {@link Batches}: the records of a batch are fetched by index and their data and
 * labels stacked along a new first axis. The dataset is prepared once, when this is made.
 */
public final class DatasetBatches implements Batches {

  private final RandomAccessDataset dataset;
  private final int size;

  /**
   * Wraps a dataset.
   *
   * @param dataset the dataset; each record's labels are one array (class index or targets)
   * @throws IOException when the dataset cannot be prepared
   */
  public DatasetBatches(RandomAccessDataset dataset) throws IOException {
    this.dataset = dataset;
    try {
      dataset.prepare();
    } catch (TranslateException e) {
      throw new IOException("cannot prepare the dataset: " + e.getMessage(), e);
    }
    long n = dataset.size();
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("datasets of more than 2^31 records are not supported");
    }
    this.size = (int) n;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public NDList inputs(NDManager manager, int[] idx) {
    List<NDList> records = new ArrayList<>(idx.length);
    for (int i : idx) {
      records.add(record(manager, i).getData());
    }
    int parts = records.get(0).size();
    NDList out = new NDList(parts);
    for (int p = 0; p < parts; p++) {
      NDList column = new NDList(records.size());
      for (NDList r : records) {
        column.add(r.get(p));
      }
      out.add(NDArrays.stack(column));
    }
    return out;
  }

  @Override
  public NDArray labels(NDManager manager, int[] idx) {
    NDList column = new NDList(idx.length);
    for (int i : idx) {
      column.add(record(manager, i).getLabels().singletonOrThrow());
    }
    NDArray stacked = NDArrays.stack(column);
    // a class index per record stacks to [batch, 1] when each label is [1]: the loop wants [batch]
    return stacked.getShape().dimension() == 2
            && stacked.getShape().get(1) == 1
            && stacked.getDataType().isInteger()
        ? stacked.reshape(-1)
        : stacked;
  }

  private Record record(NDManager manager, int i) {
    try {
      return dataset.get(manager, i);
    } catch (IOException e) {
      throw new UncheckedIOException("record " + i + " of the dataset: " + e.getMessage(), e);
    }
  }
}
