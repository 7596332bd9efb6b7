package io.github.finetune4j.optim;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * RMSprop as {@code torch.optim.RMSprop} (weight decay coupled by default):
 *
 * <pre>
 * s = alpha * s + (1 - alpha) * g * g
 * avg = sqrt(s) + eps                      or, centered:
 *   a = alpha * a + (1 - alpha) * g;  avg = sqrt(s - a * a) + eps
 * if momentum > 0: b = momentum * b + g / avg;  w = w - lr * b
 * else:            w = w - lr * g / avg
 * </pre>
 *
 * @param alpha smoothing constant, in {@code [0, 1)}
 * @param eps term added to the denominator, {@code >= 0}
 * @param momentum momentum factor, {@code >= 0}
 * @param centered whether to normalise by the estimated variance of the gradient
 */
public record RmsProp(double alpha, double eps, double momentum, boolean centered)
    implements UpdateRule {

  /** Validates like torch. */
  public RmsProp {
    if (!(alpha >= 0.0 && alpha < 1.0)) {
      throw new IllegalArgumentException("alpha must be in [0, 1), got " + alpha);
    }
    if (!(eps >= 0.0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException("eps must be >= 0, got " + eps);
    }
    if (!(momentum >= 0.0) || Double.isInfinite(momentum)) {
      throw new IllegalArgumentException("momentum must be >= 0, got " + momentum);
    }
  }

  /**
   * torch's defaults: {@code alpha=0.99, eps=1e-8}, no momentum, not centered.
   *
   * @return the rule
   */
  public static RmsProp defaults() {
    return new RmsProp(0.99, 1e-8, 0.0, false);
  }

  @Override
  public String name() {
    return "rmsprop";
  }

  @Override
  public DecayMode defaultDecayMode() {
    return DecayMode.COUPLED;
  }

  @Override
  public double defaultMomentum() {
    return momentum;
  }

  @Override
  public List<String> bufferNames() {
    return List.of("square_avg", "momentum_buffer", "grad_avg");
  }

  /** torch {@code _single_tensor_rmsprop}. */
  @Override
  public void update(NDArray w, NDArray g, ParamContext ctx) {
    NDArray sq = ctx.buffer("square_avg");
    // torch: square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
    sq.muli(Updater.f32(alpha)).addi(g.mul(Updater.f32(1.0 - alpha)).muli(g));
    NDArray avg;
    if (centered) {
      NDArray ga = ctx.buffer("grad_avg");
      // torch: grad_avg.mul_(alpha).add_(grad, alpha=1 - alpha)
      ga.muli(Updater.f32(alpha)).addi(g.mul(Updater.f32(1.0 - alpha)));
      // torch: square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
      avg = sq.sub(ga.mul(ga)).sqrt();
    } else {
      avg = sq.sqrt();
    }
    avg.addi(Updater.f32(eps));
    double mom = ctx.momentum();
    if (mom > 0.0) {
      NDArray buf = ctx.buffer("momentum_buffer");
      // torch: buf.mul_(momentum).addcdiv_(grad, avg); param.add_(buf, alpha=-lr)
      buf.muli(Updater.f32(mom)).addi(g.div(avg));
      w.subi(buf.mul(Updater.f32(ctx.lr())));
    } else {
      // torch: param.addcdiv_(grad, avg, value=-lr)
      w.subi(g.mul(Updater.f32(ctx.lr())).divi(avg));
    }
  }
}
