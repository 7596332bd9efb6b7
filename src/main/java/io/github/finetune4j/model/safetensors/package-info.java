/**
 * Hugging Face checkpoints in the safetensors format, read onto our own BERT block.
 *
 * <p>{@link io.github.finetune4j.model.safetensors.SafetensorsReader} validates a {@code
 * .safetensors} file strictly and reads its F32, F16 and BF16 tensors as float32 from a
 * memory-mapped file; {@link io.github.finetune4j.model.safetensors.BertCheckpoint} reads a
 * checkpoint directory ({@code config.json}, {@code model.safetensors}, {@code tokenizer.json})
 * into a {@link io.github.finetune4j.model.bert.BertConfig} and the weights of a {@link
 * io.github.finetune4j.model.bert.BertEncoderBlock}, mapping names with {@link
 * io.github.finetune4j.model.bert.HfBertNames}. Every problem is a {@link
 * io.github.finetune4j.model.safetensors.CheckpointFormatException} whose message names the file
 * and the tensor or field.
 */
package io.github.finetune4j.model.safetensors;
