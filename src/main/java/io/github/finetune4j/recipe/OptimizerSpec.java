package io.github.finetune4j.recipe;

import java.util.Arrays;
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
    @Doc(
            "`[lo, hi]`: learning rates spread geometrically from the bottom group (lo) to the top"
                + " group (hi), like fastai's slice(lo, hi); replaces `lr` for the groups.")
        List<Double> spread,
    @Doc(
            "Layer-wise lr decay d in (0,1]: group i of L gets lr·d^(L−1−i) (timm; 0.65–0.75 typical).")
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

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder: {@code setX} for required fields, {@code optX} for optional ones. */
  public static final class Builder {
    private String type;
    private Double lr;
    private DiscriminativeSpec discriminative;
    private List<Double> spread;
    private Double layerDecay;
    private WeightDecaySpec weightDecay;
    private RegularizerSpec regularizer;
    private ClipSpec clip;
    private Double momentum;
    private Double dampening;
    private Boolean nesterov;
    private Double beta1;
    private Double beta2;
    private Double eps;
    private Boolean amsgrad;
    private Double alpha;
    private Boolean centered;

    private Builder() {}

    /**
     * Sets the update rule (default {@code adamw}).
     *
     * @param type the value
     * @return this builder
     */
    public Builder optType(String type) {
      this.type = type;
      return this;
    }

    /**
     * Sets the learning rate (of the top group when a spread is given) (required).
     *
     * @param lr the value
     * @return this builder
     */
    public Builder setLr(double lr) {
      this.lr = lr;
      return this;
    }

    /**
     * Sets discriminative learning rates (ULMFiT).
     *
     * @param discriminative the value
     * @return this builder
     */
    public Builder optDiscriminative(DiscriminativeSpec discriminative) {
      this.discriminative = discriminative;
      return this;
    }

    /**
     * Sets {@code [lo, hi]}: learning rates spread from the bottom to the top group.
     *
     * @param spread the values
     * @return this builder
     */
    public Builder optSpread(List<Double> spread) {
      this.spread = spread == null ? null : List.copyOf(spread);
      return this;
    }

    /**
     * Sets {@code [lo, hi]}: learning rates spread from the bottom to the top group.
     *
     * @param spread the values
     * @return this builder
     */
    public Builder optSpread(double... spread) {
      return optSpread(Arrays.stream(spread).boxed().toList());
    }

    /**
     * Sets layer-wise lr decay d in (0, 1].
     *
     * @param layerDecay the value
     * @return this builder
     */
    public Builder optLayerDecay(double layerDecay) {
      this.layerDecay = layerDecay;
      return this;
    }

    /**
     * Sets weight decay (none by default).
     *
     * @param weightDecay the value
     * @return this builder
     */
    public Builder optWeightDecay(WeightDecaySpec weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /**
     * Sets transfer regularizers (L2-SP, L1).
     *
     * @param regularizer the value
     * @return this builder
     */
    public Builder optRegularizer(RegularizerSpec regularizer) {
      this.regularizer = regularizer;
      return this;
    }

    /**
     * Sets gradient clipping.
     *
     * @param clip the value
     * @return this builder
     */
    public Builder optClip(ClipSpec clip) {
      this.clip = clip;
      return this;
    }

    /**
     * Sets SGD or RMSprop momentum (default 0).
     *
     * @param momentum the value
     * @return this builder
     */
    public Builder optMomentum(double momentum) {
      this.momentum = momentum;
      return this;
    }

    /**
     * Sets SGD dampening (default 0).
     *
     * @param dampening the value
     * @return this builder
     */
    public Builder optDampening(double dampening) {
      this.dampening = dampening;
      return this;
    }

    /**
     * Sets SGD Nesterov momentum (default false).
     *
     * @param nesterov the value
     * @return this builder
     */
    public Builder optNesterov(boolean nesterov) {
      this.nesterov = nesterov;
      return this;
    }

    /**
     * Sets Adam/AdamW beta1 (default 0.9).
     *
     * @param beta1 the value
     * @return this builder
     */
    public Builder optBeta1(double beta1) {
      this.beta1 = beta1;
      return this;
    }

    /**
     * Sets Adam/AdamW beta2 (default 0.999).
     *
     * @param beta2 the value
     * @return this builder
     */
    public Builder optBeta2(double beta2) {
      this.beta2 = beta2;
      return this;
    }

    /**
     * Sets Adam/AdamW/RMSprop epsilon (default 1e-8).
     *
     * @param eps the value
     * @return this builder
     */
    public Builder optEps(double eps) {
      this.eps = eps;
      return this;
    }

    /**
     * Sets the Adam/AdamW AMSGrad variant (default false).
     *
     * @param amsgrad the value
     * @return this builder
     */
    public Builder optAmsgrad(boolean amsgrad) {
      this.amsgrad = amsgrad;
      return this;
    }

    /**
     * Sets RMSprop smoothing constant (default 0.99).
     *
     * @param alpha the value
     * @return this builder
     */
    public Builder optAlpha(double alpha) {
      this.alpha = alpha;
      return this;
    }

    /**
     * Sets the RMSprop centered variant (default false).
     *
     * @param centered the value
     * @return this builder
     */
    public Builder optCentered(boolean centered) {
      this.centered = centered;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the OptimizerSpec
     * @throws IllegalStateException naming every required field that was not set
     */
    public OptimizerSpec build() {
      BuilderChecks.requireSet("OptimizerSpec", "lr", lr);
      return new OptimizerSpec(
          type,
          lr,
          discriminative,
          spread,
          layerDecay,
          weightDecay,
          regularizer,
          clip,
          momentum,
          dampening,
          nesterov,
          beta1,
          beta2,
          eps,
          amsgrad,
          alpha,
          centered);
    }
  }
}
