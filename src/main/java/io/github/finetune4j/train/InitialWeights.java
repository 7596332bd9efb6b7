package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The weights before training, w0: for the drift diagnostics, L2-SP and putting a failed run's
 * weights back. Only the parameters whose update needs w0 every step (L2-SP) keep it in engine
 * memory; every other w0 goes to a temporary file (deleted on {@link #close}) and is read back one
 * tensor at a time when a sampled step computes drift — so the run does not hold a second copy of
 * the model (22.7 M floats, 91 MB for MiniLM) for diagnostics. When the file cannot be written,
 * every w0 stays in memory.
 */
final class InitialWeights implements AutoCloseable {

  private static final NDIndex ALL = new NDIndex("...");

  private record Stored(long offset, int bytes, Shape shape, DataType type) {}

  private final Map<String, NDArray> resident = new HashMap<>();
  private final Map<String, Stored> stored = new HashMap<>();
  private FileChannel file;

  /**
   * Captures w0.
   *
   * @param params the trainable parameters by name
   * @param inMemory the names whose w0 stays in engine memory
   * @param dir where the file is made
   */
  InitialWeights(Map<String, Parameter> params, Set<String> inMemory, Path dir) {
    try {
      Files.createDirectories(dir);
      Path path = Files.createTempFile(dir, "initial-weights-", ".bin");
      file =
          FileChannel.open(
              path,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE,
              StandardOpenOption.DELETE_ON_CLOSE);
    } catch (IOException | RuntimeException e) {
      file = null; // keep everything in memory
    }
    long at = 0;
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      NDArray w = e.getValue().getArray();
      if (file == null || inMemory.contains(e.getKey())) {
        resident.put(e.getKey(), w.duplicate());
        continue;
      }
      ByteBuffer b = w.toByteBuffer(true); // a view of the tensor's memory: no copy
      int bytes = b.remaining();
      try {
        long pos = at;
        while (b.hasRemaining()) {
          pos += file.write(b, pos);
        }
      } catch (IOException ex) {
        resident.put(e.getKey(), w.duplicate()); // this one in memory, the file as far as it got
        continue;
      }
      stored.put(e.getKey(), new Stored(at, bytes, w.getShape(), w.getDataType()));
      at += bytes;
    }
  }

  /**
   * The resident w0 of a parameter kept in memory (for L2-SP).
   *
   * @param name the parameter
   * @return w0, owned by this object (not to be closed), or null when it is in the file
   */
  NDArray resident(String name) {
    return resident.get(name);
  }

  /**
   * w0 of a parameter as a new array in {@code manager} (the caller closes it, or its scope does).
   *
   * @param name the parameter
   * @param manager owns the array
   * @return a copy of w0
   */
  NDArray get(String name, NDManager manager) {
    NDArray r = resident.get(name);
    if (r != null) {
      return r.duplicate();
    }
    Stored s = stored.get(name);
    NDArray out = manager.create(s.shape(), s.type());
    ByteBuffer b = out.toByteBuffer(true); // a view of the new tensor's memory: read straight in
    try {
      long pos = s.offset();
      while (b.hasRemaining()) {
        int n = file.read(b, pos);
        if (n < 0) {
          throw new IOException("the file of the initial weights is shorter than written");
        }
        pos += n;
      }
    } catch (IOException e) {
      out.close();
      throw new UncheckedIOException("the initial weights cannot be read back", e);
    }
    return out;
  }

  /**
   * Sets every parameter back to w0.
   *
   * @param params the parameters by name
   */
  void restore(Map<String, Parameter> params) {
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      NDArray w = e.getValue().getArray();
      NDArray r = resident.get(e.getKey());
      if (r != null) {
        w.set(ALL, r);
        continue;
      }
      try (NDManager m = w.getManager().newSubManager()) {
        w.set(ALL, get(e.getKey(), m));
      }
    }
  }

  @Override
  public void close() {
    resident.values().forEach(NDArray::close);
    resident.clear();
    if (file != null) {
      try {
        file.close();
      } catch (IOException ignored) {
        // deleted on close; nothing else to do
      }
    }
  }
}
