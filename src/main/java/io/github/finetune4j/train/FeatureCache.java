package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.github.finetune4j.model.Segmented;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A split seen through a frozen prefix of a {@link Segmented} model: the outputs of segments {@code
 * 0 .. boundary-1} for every example, computed once in inference mode, handed out as the inputs of
 * segment {@code boundary}. Rows are kept on the heap up to a byte budget and beyond it in a
 * memory-mapped file (deleted on {@link #close}).
 *
 * <p>Each output array of the prefix is stored per example at the length of the batch it was
 * computed in (batches in the split's evaluation order, so by length for text); a batch made from
 * rows of different lengths is zero-padded on the rows' first axis, which the segment contract
 * allows ({@link Segmented}).
 */
public final class FeatureCache implements Batches, AutoCloseable {

  /** Largest mapped region; a row never spans two. */
  private static final long CHUNK = 1L << 30;

  private final Batches source;
  private final int boundary;
  private final String after;
  private final int outputs;
  private final DataType[] types;
  private final long[][][] shapes; // [example][output] -> row shape
  private final ByteBuffer[][] rows; // [example][output]
  private final long heapBytes;
  private final long fileBytes;
  private final Path file;

  private FeatureCache(
      Batches source,
      int boundary,
      String after,
      DataType[] types,
      long[][][] shapes,
      ByteBuffer[][] rows,
      long heapBytes,
      long fileBytes,
      Path file) {
    this.source = source;
    this.boundary = boundary;
    this.after = after;
    this.outputs = types.length;
    this.types = types;
    this.shapes = shapes;
    this.rows = rows;
    this.heapBytes = heapBytes;
    this.fileBytes = fileBytes;
    this.file = file;
  }

  /**
   * Runs the prefix over a split and stores its outputs.
   *
   * @param block the model
   * @param ps the parameter store
   * @param manager the parent of the per-batch managers
   * @param data the split (must be {@link Batches#deterministic})
   * @param boundary the first segment not cached (at least 1)
   * @param batchSize examples per prefix batch
   * @param budgetBytes rows beyond this many bytes go to a memory-mapped file
   * @param spillDir where that file is made
   * @return the cache
   */
  public static FeatureCache build(
      Segmented block,
      ParameterStore ps,
      NDManager manager,
      Batches data,
      int boundary,
      int batchSize,
      long budgetBytes,
      Path spillDir) {
    if (!data.deterministic()) {
      throw new IllegalArgumentException("a split whose inputs change by epoch cannot be cached");
    }
    int n = data.size();
    int[] order = data.evalOrder();
    boolean bySequence = block.segments().get(boundary - 1).bySequence();
    long[][][] shapes = new long[n][][];
    ByteBuffer[][] rows = new ByteBuffer[n][];
    DataType[] types = null;
    long heap = 0;
    long spilled = 0;
    Path file = null;
    FileChannel channel = null;
    List<Spilled> spills = new ArrayList<>();
    try {
      for (int b = 0; b < n; b += batchSize) {
        int[] idx = new int[Math.min(batchSize, n - b)];
        System.arraycopy(order, b, idx, 0, idx.length);
        try (NDScope scope = new NDScope();
            NDManager sm = manager.newSubManager()) {
          NDList out = block.forwardSegments(ps, data.inputs(sm, idx), 0, boundary, false);
          int longest = -1;
          if (bySequence) {
            for (int i : idx) {
              longest = Math.max(longest, data.length(i));
            }
          }
          if (types == null) {
            types = new DataType[out.size()];
            for (int j = 0; j < out.size(); j++) {
              types[j] = out.get(j).getDataType();
            }
          }
          for (int r = 0; r < idx.length; r++) {
            shapes[idx[r]] = new long[out.size()][];
            rows[idx[r]] = new ByteBuffer[out.size()];
          }
          for (int j = 0; j < out.size(); j++) {
            NDArray a = out.get(j);
            Shape shape = a.getShape();
            if (shape.dimension() == 0 || shape.get(0) != idx.length) {
              throw new IllegalStateException(
                  "segment output "
                      + j
                      + " has shape "
                      + shape
                      + ", not ["
                      + idx.length
                      + ", ...]");
            }
            long[] padded = shape.slice(1).getShape();
            ByteBuffer all = a.toByteBuffer().order(ByteOrder.nativeOrder());
            int stride = all.remaining() / idx.length;
            // an output over token positions keeps each example's own positions only
            boolean trim = longest > 0 && padded.length >= 1 && padded[0] == longest;
            for (int r = 0; r < idx.length; r++) {
              long[] rowShape = padded.clone();
              int rowBytes = stride;
              if (trim) {
                rowShape[0] = data.length(idx[r]);
                rowBytes = (int) (stride / longest * rowShape[0]);
              }
              ByteBuffer row = all.duplicate();
              row.position(r * stride).limit(r * stride + rowBytes);
              shapes[idx[r]][j] = rowShape;
              if (heap + rowBytes <= budgetBytes) {
                byte[] copy = new byte[rowBytes];
                row.get(copy);
                rows[idx[r]][j] = ByteBuffer.wrap(copy).order(ByteOrder.nativeOrder());
                heap += rowBytes;
              } else {
                if (channel == null) {
                  Files.createDirectories(spillDir);
                  file = Files.createTempFile(spillDir, "feature-cache-", ".bin");
                  channel =
                      FileChannel.open(
                          file,
                          StandardOpenOption.READ,
                          StandardOpenOption.WRITE,
                          StandardOpenOption.DELETE_ON_CLOSE);
                }
                ByteBuffer copy = ByteBuffer.allocate(rowBytes);
                copy.put(row).flip();
                // a row never crosses a chunk boundary: pad to the next chunk when it would
                long pos = channel.size();
                if (pos / CHUNK != (pos + rowBytes - 1) / CHUNK) {
                  pos = (pos / CHUNK + 1) * CHUNK;
                }
                while (copy.hasRemaining()) {
                  pos += channel.write(copy, pos);
                }
                long start = pos - rowBytes;
                spills.add(
                    new Spilled(idx[r], j, (int) (start / CHUNK), (int) (start % CHUNK), rowBytes));
                spilled += rowBytes;
              }
            }
          }
        }
      }
      if (channel != null) {
        long size = channel.size();
        List<MappedByteBuffer> maps = new ArrayList<>();
        for (long at = 0; at < size; at += CHUNK) {
          maps.add(channel.map(FileChannel.MapMode.READ_ONLY, at, Math.min(CHUNK, size - at)));
        }
        for (Spilled sp : spills) {
          ByteBuffer view = maps.get(sp.chunk()).duplicate();
          view.position(sp.offset()).limit(sp.offset() + sp.bytes());
          rows[sp.example()][sp.output()] = view.slice().order(ByteOrder.nativeOrder());
        }
        channel.close(); // the mappings stay valid; the file goes when the last one does
        channel = null;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the feature cache could not be written", e);
    } finally {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // already failing
        }
      }
    }
    String after = block.segments().get(boundary - 1).name();
    return new FeatureCache(
        data,
        boundary,
        after,
        types == null ? new DataType[0] : types,
        shapes,
        rows,
        heap,
        spilled,
        file);
  }

  /** Where a row beyond the budget lies in the file. */
  private record Spilled(int example, int output, int chunk, int offset, int bytes) {}

  /**
   * The first segment that runs on these inputs.
   *
   * @return the boundary
   */
  public int boundary() {
    return boundary;
  }

  /**
   * The name of the last cached segment.
   *
   * @return e.g. {@code pool}
   */
  public String after() {
    return after;
  }

  /**
   * Bytes held on the heap.
   *
   * @return the count
   */
  public long heapBytes() {
    return heapBytes;
  }

  /**
   * Bytes held in the memory-mapped file.
   *
   * @return the count
   */
  public long fileBytes() {
    return fileBytes;
  }

  @Override
  public int size() {
    return source.size();
  }

  @Override
  public NDList inputs(NDManager manager, int[] idx) {
    NDList out = new NDList(outputs);
    for (int j = 0; j < outputs; j++) {
      long[] max = shapes[idx[0]][j].clone();
      for (int i : idx) {
        long[] s = shapes[i][j];
        if (s.length != max.length) {
          throw new IllegalStateException("cached rows of different rank");
        }
        for (int d = 0; d < s.length; d++) {
          if (d > 0 && s[d] != max[d]) {
            throw new IllegalStateException(
                "cached rows differ beyond their first axis: segment contract broken");
          }
          max[d] = Math.max(max[d], s[d]);
        }
      }
      long rowElems = 1;
      for (long d : max) {
        rowElems *= d;
      }
      int width = types[j].getNumOfBytes();
      int rowBytes = Math.toIntExact(rowElems * width);
      ByteBuffer batch =
          ByteBuffer.allocateDirect(rowBytes * idx.length).order(ByteOrder.nativeOrder());
      for (int b = 0; b < idx.length; b++) {
        ByteBuffer row = rows[idx[b]][j].duplicate();
        batch.position(b * rowBytes);
        batch.put(row); // a shorter row leaves zeros after it: padding on its first axis
      }
      batch.rewind();
      long[] shape = new long[max.length + 1];
      shape[0] = idx.length;
      System.arraycopy(max, 0, shape, 1, max.length);
      out.add(manager.create(batch, new Shape(shape), types[j]));
    }
    return out;
  }

  @Override
  public NDArray labels(NDManager manager, int[] idx) {
    return source.labels(manager, idx);
  }

  @Override
  public int[] evalOrder() {
    return source.evalOrder();
  }

  @Override
  public int length(int i) {
    return source.length(i);
  }

  /** Drops the rows; the file, if any, is deleted once its mappings are collected. */
  @Override
  public void close() {
    for (int i = 0; i < rows.length; i++) {
      rows[i] = null;
    }
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // DELETE_ON_CLOSE already removed it
      }
    }
  }
}
