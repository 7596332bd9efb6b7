package io.github.finetune4j.recipe;

import java.util.List;

/**
 * How weights are updated.
 *
 * @param type update rule
 * @param lr learning rate of the top group
 * @param discriminative per-group divisor (ULMFiT)
 * @param spread geometric lr range over the groups (fastai slice)
 * @param layerDecay lr scale d^(L-1-i) for group i (timm)
 * @param weightDecay weight decay
 * @param regularizer transfer regularizers
 * @param clip gradient clipping
 * @param momentum SGD/RMSprop momentum
 * @param dampening SGD dampening
 * @param nesterov SGD Nesterov momentum
 * @param beta1 Adam beta1
 * @param beta2 Adam beta2
 * @param eps Adam/RMSprop epsilon
 * @param amsgrad Adam AMSGrad
 * @param alpha RMSprop smoothing constant
 * @param centered RMSprop centered
 */
@Doc("The update rule and its hyper-parameters.")
public record OptimizerSpec(
    @OneOf({"sgd", "adam", "adamw", "rmsprop"})
        @Doc("Update rule, each matching torch.optim (default `adamw`).")
        String type,
    @Required @Doc("Learning rate (of the top group when a spread is given).") Double lr,
    @Doc("Discriminative learning rates: each lower group gets lr/factor^k (ULMFiT uses 2.6).")
        DiscriminativeSpec discriminative,
    @Doc("`[lo, hi]`: learning rates spread geometrically from the bottom group (lo) to the top"
            + " group (hi), like fastai's slice(lo, hi); replaces `lr` for the groups.")
        List<Double> spread,
    @Doc("Layer-wise lr decay d in (0,1]: group i of L gets lr·d^(L−1−i) (timm; 0.65–0.75 typical).")
        Double layerDecay,
    @Doc("Weight decay; none when absent. Never applied to frozen parameters.")
        WeightDecaySpec weightDecay,
    @Doc("Transfer regularizers (L2-SP toward the pre-trained weights, L1).")
        RegularizerSpec regularizer,
    @Doc("Gradient clipping over all trainable parameters.") ClipSpec clip,
    @Doc("SGD or RMSprop momentum (default 0).") Double momentum,
    @Doc("SGD dampening (default 0).") Double dampening,
    @Doc("SGD Nesterov momentum (default false).") Boolean nesterov,
    @Doc("Adam/AdamW beta1 (default 0.9).") Double beta1,
    @Doc("Adam/AdamW beta2 (default 0.999).") Double beta2,
    @Doc("Adam/AdamW epsilon (default 1e-8; RMSprop also uses it).") Double eps,
    @Doc("Adam/AdamW AMSGrad variant (default false).") Boolean amsgrad,
    @Doc("RMSprop smoothing constant (default 0.99).") Double alpha,
    @Doc("RMSprop centered variant (default false).") Boolean centered) {

  /** Applies defaults. */
  public OptimizerSpec {
    type = type == null ? "adamw" : type;
    spread = spread == null ? null : List.copyOf(spread);
    momentum = momentum == null ? 0.0 : momentum;
    dampening = dampening == null ? 0.0 : dampening;
    nesterov = nesterov == null ? Boolean.FALSE : nesterov;
    beta1 = beta1 == null ? 0.9 : beta1;
    beta2 = beta2 == null ? 0.999 : beta2;
    eps = eps == null ? 1e-8 : eps;
    amsgrad = amsgrad == null ? Boolean.FALSE : amsgrad;
    alpha = alpha == null ? 0.99 : alpha;
    centered = centered == null ? Boolean.FALSE : centered;
  }
}
