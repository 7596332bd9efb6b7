package io.github.finetune4j.recipe;

/**
 * Discriminative learning rates: each lower group gets the next group's lr divided by a factor.
 *
 * @param factor the divisor per group
 */
@Doc("Discriminative learning rates (ULMFiT): top group gets `lr`, each lower group lr/factor^k.")
public record DiscriminativeSpec(@Required @Doc("Divisor per group step (ULMFiT uses 2.6).") Double factor) {}
