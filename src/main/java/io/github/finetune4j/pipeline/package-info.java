/**
 * The public facade: turns a recipe into parts (the only package that reads a {@code Recipe}),
 * runs them ({@link io.github.finetune4j.pipeline.FineTune}), owns the run directory and its
 * guarantees ({@link io.github.finetune4j.pipeline.RunDirectory}), exports the fine-tuned model and
 * predicts with it.
 */
package io.github.finetune4j.pipeline;
