/**
 * The public facade and the one assembly path under it. {@link
 * io.github.finetune4j.pipeline.FineTune} (validate, plan, run, lrFind, predict) and the Java door
 * {@link io.github.finetune4j.pipeline.FineTuning} sit on top; below them, the only package that
 * reads a {@code Recipe}: the {@code Assembler} turns a recipe into parts through the model
 * source's {@code ModelFamily} (text encoders of token ids; models of feature vectors fed csv rows
 * or images), the {@code TaskKind} of its task, and the {@code PlanResolver}; the {@code Runner}
 * trains, owns the run directory and its guarantees ({@link
 * io.github.finetune4j.pipeline.RunDirectory}) and exports; the one {@link
 * io.github.finetune4j.pipeline.Predictor} reads any export back into {@link
 * io.github.finetune4j.pipeline.Prediction}s. Nothing below the two doors uses them.
 */
package io.github.finetune4j.pipeline;
