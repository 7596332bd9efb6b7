/**
 * Model sources and the blocks they produce.
 *
 * <p>Sub-packages: {@code onnx} reads the weights of an ONNX file without ONNX Runtime, {@code
 * bert} holds our own BERT encoder block and the importer that fills it with pre-trained weights,
 * {@code text} turns sentences into the id tensors the encoder reads, {@code safetensors} reads
 * Hugging Face {@code .safetensors} files and BERT checkpoint directories onto that block.
 */
package io.github.finetune4j.model;
