/**
 * Our own BERT encoder as a DJL block tree whose dotted parameter names are the Hugging Face ones,
 * and the importer that fills it with the pre-trained all-MiniLM-L6-v2 weights.
 *
 * <p>{@link io.github.finetune4j.model.bert.BertEncoderBlock} is the encoder; {@link
 * io.github.finetune4j.model.bert.BertConfig} its shape; {@link
 * io.github.finetune4j.model.bert.BertWeights} sets parameters from named tensors with shape
 * checks; {@link io.github.finetune4j.model.bert.HfBertNames} maps Hugging Face checkpoint names
 * onto the block's; {@link io.github.finetune4j.model.bert.MiniLmImporter} maps the ONNX file's
 * initializers onto those names.
 */
package io.github.finetune4j.model.bert;
