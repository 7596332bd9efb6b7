package io.github.finetune4j.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;

/** The optimizer state of one parameter: its step count and its long-lived buffers. */
final class StateEntry implements AutoCloseable {

  final Shape shape;
  long step;
  final Map<String, NDArray> buffers = new LinkedHashMap<>();

  StateEntry(Shape shape) {
    this.shape = shape;
  }

  /** Returns the buffer, creating it as zeros like {@code like} in {@code owner} if absent. */
  NDArray zerosIfAbsent(String name, NDArray like, NDManager owner) {
    NDArray b = buffers.get(name);
    if (b == null) {
      b = owner.zeros(like.getShape(), like.getDataType(), like.getDevice());
      NDScope.unregister(b); // state outlives any per-step scope the caller opened
      buffers.put(name, b);
    }
    return b;
  }

  /**
   * Stores {@code array} as buffer {@code name}, moving it to {@code owner}; closes any old one.
   */
  void replace(String name, NDArray array, NDManager owner) {
    array.attach(owner);
    NDScope.unregister(array);
    NDArray old = buffers.put(name, array);
    if (old != null && old != array) {
      old.close();
    }
  }

  DataType dataType() {
    return buffers.isEmpty() ? DataType.FLOAT32 : buffers.values().iterator().next().getDataType();
  }

  @Override
  public void close() {
    buffers.values().forEach(NDArray::close);
    buffers.clear();
  }
}
