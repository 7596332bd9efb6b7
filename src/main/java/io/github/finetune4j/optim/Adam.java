package io.github.finetune4j.optim;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Adam as {@code torch.optim.Adam} (weight decay coupled by default): at step {@code t},
 *
 * <pre>
 * m = beta1 * m + (1 - beta1) * g
 * v = beta2 * v + (1 - beta2) * g * g
 * vmax = max(vmax, v)                    (amsgrad only; then v below means vmax)
 * denom = sqrt(v) / sqrt(1 - beta2^t) + eps
 * w = w - lr / (1 - beta1^t) * m / denom
 * </pre>
 *
 * @param beta1 first-moment decay, in {@code [0, 1)}
 * @param beta2 second-moment decay, in {@code [0, 1)}
 * @param eps term added to the denominator, {@code >= 0}
 * @param amsgrad whether to use the AMSGrad maximum of second moments
 */
public record Adam(double beta1, double beta2, double eps, boolean amsgrad) implements UpdateRule {

  /** Validates like torch. */
  public Adam {
    AdamMath.validate(beta1, beta2, eps);
  }

  /**
   * torch's defaults: {@code betas=(0.9, 0.999), eps=1e-8}, no AMSGrad.
   *
   * @return the rule
   */
  public static Adam defaults() {
    return new Adam(0.9, 0.999, 1e-8, false);
  }

  @Override
  public String name() {
    return "adam";
  }

  @Override
  public DecayMode defaultDecayMode() {
    return DecayMode.COUPLED;
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
