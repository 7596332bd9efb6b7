/**
 * The public facade: turns a recipe into parts (the only package that reads a {@code Recipe}), runs
 * them ({@link io.github.finetune4j.pipeline.FineTune}), owns the run directory and its guarantees
 * ({@link io.github.finetune4j.pipeline.RunDirectory}), exports the fine-tuned model and predicts
 * with it: texts ({@link io.github.finetune4j.pipeline.Predictor}) or rows of a CSV file ({@link
 * io.github.finetune4j.pipeline.TabularPredictor}). Model sources are one class per kind ({@code
 * ModelSources}), in two families: text encoders of token ids and modules of feature vectors
 * ({@code TabularPipeline} runs the latter on csv splits).
 */
package io.github.finetune4j.pipeline;
