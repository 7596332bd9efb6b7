package io.github.finetune4j.model.onnx;

import java.util.List;

/**
 * One node of an ONNX graph: an operator applied to named inputs, producing named outputs.
 *
 * @param name the node name, e.g. {@code /encoder/layer.0/attention/self/query/MatMul}; may be
 *     empty
 * @param opType the operator, e.g. {@code MatMul}
 * @param inputs the names of the values the node reads, in order
 * @param outputs the names of the values the node writes, in order
 */
public record OnnxNode(String name, String opType, List<String> inputs, List<String> outputs) {

  /** Copies the lists so the record stays immutable. */
  public OnnxNode {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }
}
