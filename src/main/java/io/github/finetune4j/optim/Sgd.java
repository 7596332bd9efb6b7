package io.github.finetune4j.optim;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Stochastic gradient descent with optional momentum, dampening and Nesterov momentum, as {@code
 * torch.optim.SGD}: with {@code d = g} (after coupled penalties),
 *
 * <pre>
 * if momentum != 0:
 *   b = d                                  on the first step
 *   b = momentum * b + (1 - dampening) * d  afterwards
 *   d = nesterov ? d + momentum * b : b
 * w = w - lr * d
 * </pre>
 *
 * <p>{@link #update} follows torch's {@code _single_tensor_sgd} operation by operation; {@link
 * #newBatch} runs the same step in one call into libtorch ({@link FusedKernels}) for every slot
 * whose only penalty is a coupled weight decay and whose momentum buffer exists (the first momentum
 * step, {@code b = clone(d)}, takes {@link #update}).
 *
 * @param momentum momentum factor, {@code >= 0}
 * @param dampening dampening for momentum, {@code >= 0}
 * @param nesterov whether to use Nesterov momentum (needs momentum {@code > 0}, dampening 0)
 */
public record Sgd(double momentum, double dampening, boolean nesterov) implements UpdateRule {

  /** Validates like torch. */
  public Sgd {
    if (!(momentum >= 0.0) || Double.isInfinite(momentum)) {
      throw new IllegalArgumentException("momentum must be >= 0, got " + momentum);
    }
    if (!(dampening >= 0.0) || Double.isInfinite(dampening)) {
      throw new IllegalArgumentException("dampening must be >= 0, got " + dampening);
    }
    if (nesterov && (momentum <= 0.0 || dampening != 0.0)) {
      throw new IllegalArgumentException(
          "Nesterov momentum requires momentum > 0 and zero dampening");
    }
  }

  /**
   * Plain SGD without momentum.
   *
   * @return the rule
   */
  public static Sgd plain() {
    return new Sgd(0.0, 0.0, false);
  }

  /**
   * SGD with (heavy-ball) momentum, no dampening.
   *
   * @param momentum the momentum factor
   * @return the rule
   */
  public static Sgd momentum(double momentum) {
    return new Sgd(momentum, 0.0, false);
  }

  @Override
  public String name() {
    return "sgd";
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
    return List.of("momentum_buffer");
  }

  /** torch {@code _single_tensor_sgd}. */
  @Override
  public void update(NDArray w, NDArray g, ParamContext ctx) {
    double mom = ctx.momentum();
    NDArray d = g;
    if (mom != 0.0) {
      NDArray buf;
      if (!ctx.hasBuffer("momentum_buffer")) {
        // torch: buf = clone(d_p) on the first step with momentum
        buf = ctx.setBuffer("momentum_buffer", g.duplicate());
      } else {
        buf = ctx.buffer("momentum_buffer");
        buf.muli(Updater.f32(mom));
        // torch: buf.add_(d_p, alpha=1 - dampening)
        buf.addi(dampening == 0.0 ? g : g.mul(Updater.f32(1.0 - dampening)));
      }
      // torch: d_p = d_p.add(buf, alpha=momentum) for Nesterov, else d_p = buf
      d = nesterov ? buf.mul(Updater.f32(mom)).addi(g) : buf;
    }
    // torch: param.add_(d_p, alpha=-lr)
    w.subi(d.mul(Updater.f32(ctx.lr())));
  }

  /** The TorchScript SGD kernels, or {@code null} when they cannot be loaded. */
  @Override
  public Batch newBatch(BatchContext ctx) {
    FusedKernels kernels = ctx.fusedKernels();
    if (kernels == null) {
      return null;
    }
    FusedKernels.Batch batch = kernels.batch(dampening, nesterov);
    return new Batch() {
      @Override
      public boolean offer(ParamSlot s, ParamContext p) {
        GroupHyper h = s.hyper();
        boolean decays = h.weightDecay() > 0.0;
        if (h.l1() > 0.0 || h.l2sp() > 0.0 || (decays && p.decayMode() != DecayMode.COUPLED)) {
          return false;
        }
        return batch.offer(
            s.weight(),
            s.grad(),
            p.stored("momentum_buffer"),
            h.lr(),
            decays ? h.weightDecay() : 0.0,
            p.momentum());
      }

      @Override
      public void run() {
        batch.run();
      }
    };
  }
}
