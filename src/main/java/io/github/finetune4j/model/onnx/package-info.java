/**
 * A minimal ONNX reader: decodes the protobuf wire format of a {@code ModelProto} just far enough
 * to list a graph's initializers (weights) and nodes, with no ONNX Runtime and no protobuf library.
 */
package io.github.finetune4j.model.onnx;
