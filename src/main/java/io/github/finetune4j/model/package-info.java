/**
 * Model sources and the blocks they produce: our BERT-family text classifier, TorchScript modules
 * loaded with their module tree ({@link io.github.finetune4j.model.TorchScriptBlock}) and wrapped
 * with an optional new head for feature vectors ({@link
 * io.github.finetune4j.model.FeatureModelBlock}), and the BatchNorm norm policy ({@link
 * io.github.finetune4j.model.NormLayers}).
 *
 * <p>Sub-packages: {@code onnx} reads the weights of an ONNX file without ONNX Runtime, {@code
 * bert} holds our own BERT encoder block and the importer that fills it with pre-trained weights,
 * {@code text} turns sentences into the id tensors the encoder reads, {@code safetensors} reads
 * Hugging Face {@code .safetensors} files and BERT checkpoint directories onto that block.
 */
package io.github.finetune4j.model;
