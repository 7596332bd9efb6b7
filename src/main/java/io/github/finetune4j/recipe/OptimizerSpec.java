package io.github.finetune4j.recipe;

/**
 * How weights are updated.
 *
 * @param type update rule
 * @param lr learning rate of the top group
 * @param discriminative optional per-group spread
 * @param weightDecay optional weight decay
 * @param beta1 Adam beta1
 * @param beta2 Adam beta2
 * @param eps Adam epsilon
 */
@Doc("The update rule and its hyper-parameters.")
public record OptimizerSpec(
    @OneOf({"adamw"}) @Doc("Update rule (default `adamw`).") String type,
    @Required @Doc("Learning rate (of the top group when a spread is given).") Double lr,
    @Doc("Discriminative learning rates over the groups, bottom to top.")
        DiscriminativeSpec discriminative,
    @Doc("Weight decay; none when absent.") WeightDecaySpec weightDecay,
    @Doc("Adam beta1 (default 0.9).") Double beta1,
    @Doc("Adam beta2 (default 0.999).") Double beta2,
    @Doc("Adam epsilon (default 1e-8).") Double eps) {

  /** Applies defaults. */
  public OptimizerSpec {
    type = type == null ? "adamw" : type;
    beta1 = beta1 == null ? 0.9 : beta1;
    beta2 = beta2 == null ? 0.999 : beta2;
    eps = eps == null ? 1e-8 : eps;
  }
}
