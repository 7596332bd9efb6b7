package io.github.finetune4j.model.onnx;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX {@code GraphProto} that weight import needs.
 *
 * @param name the graph name
 * @param initializers the initializers by name, in file order
 * @param nodes the nodes, in file (topological) order
 * @param inputs the names of the graph inputs
 * @param outputs the names of the graph outputs
 */
public record OnnxGraph(
    String name,
    Map<String, OnnxTensor> initializers,
    List<OnnxNode> nodes,
    List<String> inputs,
    List<String> outputs) {

  /** Copies the collections so the record stays immutable. */
  public OnnxGraph {
    initializers = Collections.unmodifiableMap(new LinkedHashMap<>(initializers));
    nodes = List.copyOf(nodes);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }
}
