/**
 * Model sources and the blocks they produce.
 *
 * <p>Sub-packages: {@code onnx} reads the weights of an ONNX file without ONNX Runtime, {@code
 * bert} holds our own BERT encoder block and the importer that fills it with pre-trained weights,
 * {@code text} turns sentences into the id tensors the encoder reads.
 */
package io.github.finetune4j.model;
