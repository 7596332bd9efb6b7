package io.github.finetune4j.optim;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * The math shared by {@link Adam} and {@link AdamW}: validation, buffer names, the per-parameter
 * update and the fused batch. The two differ only in their default weight-decay mode, which the
 * {@link Updater} (generic path) or the fused kernel (batch) applies before the Adam step.
 */
final class AdamMath {

  static final List<String> BUFFERS = List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq");

  private AdamMath() {}

  static void validate(double beta1, double beta2, double eps) {
    if (!(beta1 >= 0.0 && beta1 < 1.0)) {
      throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
    }
    if (!(beta2 >= 0.0 && beta2 < 1.0)) {
      throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
    }
    if (!(eps >= 0.0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException("eps must be >= 0, got " + eps);
    }
  }

  /**
   * torch {@code _single_tensor_adam} (the decoupled decay of AdamW is applied by the caller),
   * written operation by operation, including the order of the scalar products, so that float32
   * rounding agrees as closely as DJL's operations allow.
   */
  static void update(
      double beta2, double eps, boolean amsgrad, NDArray w, NDArray g, ParamContext ctx) {
    double beta1 = ctx.momentum();
    if (!(beta1 < 1.0)) {
      throw new IllegalArgumentException("beta1 must be < 1, got " + beta1);
    }
    long step = ctx.step();
    NDArray m = ctx.buffer("exp_avg");
    NDArray v = ctx.buffer("exp_avg_sq");
    // torch: exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
    m.muli(Updater.f32(beta1)).addi(g.mul(Updater.f32(1.0 - beta1)));
    // torch: exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2); addcmul is (value*a)*b
    v.muli(Updater.f32(beta2)).addi(g.mul(Updater.f32(1.0 - beta2)).muli(g));
    double bc1 = 1.0 - Math.pow(beta1, step);
    double bc2 = 1.0 - Math.pow(beta2, step);
    double stepSize = ctx.lr() / bc1;
    double bc2Sqrt = Math.sqrt(bc2);
    NDArray second = v;
    if (amsgrad) {
      second = ctx.setBuffer("max_exp_avg_sq", ctx.buffer("max_exp_avg_sq").maximum(v));
    }
    // torch: denom = (v.sqrt() / sqrt(bc2)).add_(eps)
    NDArray denom = second.sqrt().divi(Updater.f32(bc2Sqrt)).addi(Updater.f32(eps));
    // torch: param.addcdiv_(exp_avg, denom, value=-step_size); addcdiv is (value*a)/b
    w.subi(m.mul(Updater.f32(stepSize)).divi(denom));
  }

  /**
   * The fused Adam/AdamW batch ({@link FusedKernels.AdamBatch}), or {@code null} without kernels.
   * It takes a slot when its only penalty is weight decay (coupled or decoupled), and creates its
   * moment buffers before the call (long-lived state is never created inside the inference mode in
   * which DJL runs TorchScript methods).
   */
  static UpdateRule.Batch newBatch(double beta2, double eps, boolean amsgrad, BatchContext ctx) {
    FusedKernels kernels = ctx.fusedKernels();
    if (kernels == null) {
      return null;
    }
    FusedKernels.AdamBatch batch = kernels.adamBatch(beta2, eps, amsgrad);
    return new UpdateRule.Batch() {
      @Override
      public boolean offer(ParamSlot s, ParamContext p) {
        GroupHyper h = s.hyper();
        if (h.l1() > 0.0 || h.l2sp() > 0.0) {
          return false;
        }
        double beta1 = p.momentum();
        if (!(beta1 < 1.0)) {
          return false; // the DJL path reports it
        }
        boolean decays = h.weightDecay() > 0.0;
        NDArray w = s.weight();
        NDArray m = p.storedOrZeros("exp_avg");
        NDArray v = p.storedOrZeros("exp_avg_sq");
        NDArray max = amsgrad ? p.storedOrZeros("max_exp_avg_sq") : null;
        double lr = h.lr();
        long step = p.step();
        return batch.offer(
            w,
            s.grad(),
            m,
            v,
            max,
            decays && p.decayMode() == DecayMode.COUPLED ? h.weightDecay() : 0.0,
            decays && p.decayMode() == DecayMode.DECOUPLED ? 1.0 - lr * h.weightDecay() : 1.0,
            beta1,
            lr / (1.0 - Math.pow(beta1, step)),
            Math.sqrt(1.0 - Math.pow(beta2, step)));
      }

      @Override
      public void run() {
        batch.run();
      }
    };
  }
}
