package io.github.finetune4j.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The rule-specific part of one parameter update, written to follow torch's single-tensor CPU
 * implementations operation by operation (including the order of the scalar products, so that
 * float32 rounding agrees as closely as the available DJL operations allow).
 *
 * <p>Every array passed in or made here is a step-local view (see {@link Updater}); in-place
 * operations on views write through to the parameter and to the long-lived state buffers.
 */
final class Kernels {

  private Kernels() {}

  /** Context of one parameter update. */
  record Ctx(NDManager scope, NDManager stateOwner, StateEntry entry, double lr, double momentum) {

    /** Step-local view of a state buffer, created as zeros like {@code like} if absent. */
    NDArray buffer(String name, NDArray like) {
      return Updater.view(entry.zerosIfAbsent(name, like, stateOwner), scope);
    }
  }

  static void apply(UpdateRule rule, NDArray w, NDArray g, Ctx c) {
    if (rule instanceof Sgd sgd) {
      sgd(sgd, w, g, c);
    } else if (rule instanceof Adam adam) {
      adam(adam.beta2(), adam.eps(), adam.amsgrad(), w, g, c);
    } else if (rule instanceof AdamW adamW) {
      adam(adamW.beta2(), adamW.eps(), adamW.amsgrad(), w, g, c);
    } else if (rule instanceof RmsProp rms) {
      rmsprop(rms, w, g, c);
    } else {
      throw new IllegalStateException("unknown rule " + rule);
    }
  }

  /** torch {@code _single_tensor_sgd}. */
  private static void sgd(Sgd rule, NDArray w, NDArray g, Ctx c) {
    double mom = c.momentum();
    NDArray d = g;
    if (mom != 0.0) {
      NDArray stored = c.entry().buffers.get("momentum_buffer");
      NDArray buf;
      if (stored == null) {
        // torch: buf = clone(d_p) on the first step with momentum
        NDArray copy = g.duplicate();
        c.entry().replace("momentum_buffer", copy, c.stateOwner());
        buf = Updater.view(copy, c.scope());
      } else {
        buf = Updater.view(stored, c.scope());
        buf.muli(f(mom));
        // torch: buf.add_(d_p, alpha=1 - dampening)
        buf.addi(rule.dampening() == 0.0 ? g : g.mul(f(1.0 - rule.dampening())));
      }
      // torch: d_p = d_p.add(buf, alpha=momentum) for Nesterov, else d_p = buf
      d = rule.nesterov() ? buf.mul(f(mom)).addi(g) : buf;
    }
    // torch: param.add_(d_p, alpha=-lr)
    w.subi(d.mul(f(c.lr())));
  }

  /** torch {@code _single_tensor_adam} (the decoupled decay is applied by the caller). */
  private static void adam(double beta2, double eps, boolean amsgrad, NDArray w, NDArray g, Ctx c) {
    double beta1 = c.momentum();
    if (!(beta1 < 1.0)) {
      throw new IllegalArgumentException("beta1 must be < 1, got " + beta1);
    }
    long step = c.entry().step;
    NDArray m = c.buffer("exp_avg", w);
    NDArray v = c.buffer("exp_avg_sq", w);
    // torch: exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
    m.muli(f(beta1)).addi(g.mul(f(1.0 - beta1)));
    // torch: exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2); addcmul is (value*a)*b
    v.muli(f(beta2)).addi(g.mul(f(1.0 - beta2)).muli(g));
    double bc1 = 1.0 - Math.pow(beta1, step);
    double bc2 = 1.0 - Math.pow(beta2, step);
    double stepSize = c.lr() / bc1;
    double bc2Sqrt = Math.sqrt(bc2);
    NDArray second = v;
    if (amsgrad) {
      NDArray max = c.buffer("max_exp_avg_sq", w).maximum(v);
      c.entry().replace("max_exp_avg_sq", max, c.stateOwner());
      second = Updater.view(max, c.scope());
    }
    // torch: denom = (v.sqrt() / sqrt(bc2)).add_(eps)
    NDArray denom = second.sqrt().divi(f(bc2Sqrt)).addi(f(eps));
    // torch: param.addcdiv_(exp_avg, denom, value=-step_size); addcdiv is (value*a)/b
    w.subi(m.mul(f(stepSize)).divi(denom));
  }

  /** torch {@code _single_tensor_rmsprop}. */
  private static void rmsprop(RmsProp rule, NDArray w, NDArray g, Ctx c) {
    double alpha = rule.alpha();
    NDArray sq = c.buffer("square_avg", w);
    // torch: square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
    sq.muli(f(alpha)).addi(g.mul(f(1.0 - alpha)).muli(g));
    NDArray avg;
    if (rule.centered()) {
      NDArray ga = c.buffer("grad_avg", w);
      // torch: grad_avg.mul_(alpha).add_(grad, alpha=1 - alpha)
      ga.muli(f(alpha)).addi(g.mul(f(1.0 - alpha)));
      // torch: square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
      avg = sq.sub(ga.mul(ga)).sqrt();
    } else {
      avg = sq.sqrt();
    }
    avg.addi(f(rule.eps()));
    double mom = c.momentum();
    if (mom > 0.0) {
      NDArray buf = c.buffer("momentum_buffer", w);
      // torch: buf.mul_(momentum).addcdiv_(grad, avg); param.add_(buf, alpha=-lr)
      buf.muli(f(mom)).addi(g.div(avg));
      w.subi(buf.mul(f(c.lr())));
    } else {
      // torch: param.addcdiv_(grad, avg, value=-lr)
      w.subi(g.mul(f(c.lr())).divi(avg));
    }
  }

  /** Scalars go to the engine as float32, as torch converts Python floats for float32 tensors. */
  static Float f(double v) {
    return (float) v;
  }
}
