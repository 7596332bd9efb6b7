package io.github.finetune4j.recipe;

/**
 * Gradient clipping.
 *
 * @param globalNorm max global L2 norm
 * @param value two-sided clamp bound
 */
@Doc("Gradient clipping (value first, then global norm, when both are given).")
public record ClipSpec(
    @Doc("Scale all trainable gradients so their global L2 norm is at most this (HF default 1.0).")
        Double globalNorm,
    @Doc("Clamp every gradient element to [−value, value].") Double value) {}
