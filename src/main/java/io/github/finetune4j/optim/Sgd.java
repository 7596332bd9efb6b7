package io.github.finetune4j.optim;

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
}
