package io.github.finetune4j.recipe;

import java.util.List;

/**
 * Weight decay.
 *
 * @param value decay coefficient
 * @param mode coupled (L2 added to the gradient) or decoupled (AdamW)
 * @param exclude parameter kinds that get no decay
 */
@Doc("Weight decay applied to trainable parameters.")
public record WeightDecaySpec(
    @Required @Doc("Decay coefficient, e.g. 0.01.") Double value,
    @OneOf({"decoupled", "coupled"})
        @Doc("`decoupled` (AdamW: w -= lr*wd*w, default) or `coupled` (L2 added to the gradient).")
        String mode,
    @OneOf({"bias", "norm", "1d", "embedding"})
        @Doc("Parameters that get no decay (default [bias, norm]): biases, normalization weights, all 1-D"
            + " parameters, embeddings.")
        List<String> exclude) {

  /** Applies defaults. */
  public WeightDecaySpec {
    mode = mode == null ? "decoupled" : mode;
    exclude = exclude == null ? List.of("bias", "norm") : List.copyOf(exclude);
  }
}
