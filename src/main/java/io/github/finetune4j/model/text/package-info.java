/**
 * Text to tensors: a Hugging Face {@code tokenizer.json} run offline through DJL's tokenizers
 * binding, with truncation and padding to the longest sequence of a batch.
 */
package io.github.finetune4j.model.text;
