package io.github.finetune4j.optim;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * AdamW as {@code torch.optim.AdamW}: the {@link Adam} update with weight decay decoupled by
 * default, {@code w *= 1 - lr * wd} before the Adam step. The decay coefficient itself is per group
 * ({@link GroupHyper#weightDecay()}); torch's AdamW default is 0.01.
 *
 * @param beta1 first-moment decay, in {@code [0, 1)}
 * @param beta2 second-moment decay, in {@code [0, 1)}
 * @param eps term added to the denominator, {@code >= 0}
 * @param amsgrad whether to use the AMSGrad maximum of second moments
 */
public record AdamW(double beta1, double beta2, double eps, boolean amsgrad) implements UpdateRule {

  /** Validates like torch. */
  public AdamW {
    AdamMath.validate(beta1, beta2, eps);
  }

  /**
   * torch's defaults: {@code betas=(0.9, 0.999), eps=1e-8}, no AMSGrad.
   *
   * @return the rule
   */
  public static AdamW defaults() {
    return new AdamW(0.9, 0.999, 1e-8, false);
  }

  @Override
  public String name() {
    return "adamw";
  }

  @Override
  public DecayMode defaultDecayMode() {
    return DecayMode.DECOUPLED;
  }

  @Override
  public double defaultMomentum() {
    return beta1;
  }

  @Override
  public List<String> bufferNames() {
    return AdamMath.BUFFERS;
  }

  @Override
  public void update(NDArray w, NDArray g, ParamContext ctx) {
    AdamMath.update(beta2, eps, amsgrad, w, g, ctx);
  }

  @Override
  public Batch newBatch(BatchContext ctx) {
    return AdamMath.newBatch(beta2, eps, amsgrad, ctx);
  }
}
