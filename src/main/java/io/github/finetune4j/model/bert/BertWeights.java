package io.github.finetune4j.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.github.finetune4j.params.ParameterNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Copies named float tensors into the parameters of an initialized block, checking shapes. */
public final class BertWeights {

  private BertWeights() {}

  /**
   * Sets the parameters of {@code block} named in {@code weights} (names as given by {@link
   * ParameterNames#of}). Every name must exist in the block and every shape must match; both are
   * checked for all entries before any array is written, and all mismatches are reported together.
   *
   * @param block an initialized block
   * @param weights values by dotted name
   * @return the names of the block's parameters that {@code weights} did not cover, in order
   * @throws IllegalArgumentException listing unknown names and shape mismatches, e.g. {@code
   *     encoder.layer.3.attention.self.query.weight: expected (384, 384), got (384, 1536)}
   * @throws IllegalStateException if the block has not been initialized
   */
  public static Set<String> load(Block block, Map<String, WeightTensor> weights) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    weights.forEach((name, w) -> shapes.put(name, w.shape()));
    Set<String> missing = check(block, shapes);
    Map<String, Parameter> params = ParameterNames.of(block);
    for (Map.Entry<String, WeightTensor> e : weights.entrySet()) {
      set(params.get(e.getKey()), e.getValue());
    }
    return missing;
  }

  /**
   * Checks, without writing anything, that {@code shapes} could be loaded into {@code block}.
   *
   * @param block an initialized block
   * @param shapes the shape of each weight by dotted name
   * @return the names of the block's parameters that {@code shapes} does not cover, in order
   * @throws IllegalArgumentException listing all unknown names and shape mismatches
   * @throws IllegalStateException if the block has not been initialized
   */
  public static Set<String> check(Block block, Map<String, long[]> shapes) {
    Map<String, Parameter> params = ParameterNames.of(block);
    List<String> errors = new ArrayList<>();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      Parameter p = params.get(e.getKey());
      if (p == null) {
        errors.add(e.getKey() + ": no such parameter in the block");
        continue;
      }
      if (!p.isInitialized()) {
        throw new IllegalStateException(
            "Parameter " + e.getKey() + " has no array yet: initialize the block before loading");
      }
      Shape expected = p.getArray().getShape();
      Shape got = new Shape(e.getValue());
      if (!expected.equals(got)) {
        errors.add(e.getKey() + ": expected " + expected + ", got " + got);
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot load " + errors.size() + " weight(s):\n  " + String.join("\n  ", errors));
    }
    Set<String> missing = new LinkedHashSet<>(params.keySet());
    missing.removeAll(shapes.keySet());
    return missing;
  }

  /**
   * Overwrites the values of one initialized parameter in place (its array, manager and gradient
   * flag are kept).
   *
   * @param parameter the parameter
   * @param weight values with exactly the parameter's shape
   */
  static void set(Parameter parameter, WeightTensor weight) {
    NDArray array = parameter.getArray();
    if (array.getDataType() != DataType.FLOAT32) {
      throw new IllegalStateException(
          "Parameter " + parameter.getName() + " is " + array.getDataType() + ", not FLOAT32");
    }
    // Copy into the parameter's own (libtorch-allocated) storage. NDArray.set(Buffer) would
    // instead re-point the tensor at a direct buffer that only the Java wrapper keeps alive: a
    // storage that the garbage collector can free under the parameter.
    try (NDArray values = array.getManager().create(weight.data(), array.getShape())) {
      array.set(new NDIndex("..."), values);
    }
  }
}
