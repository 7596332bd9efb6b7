package io.github.finetune4j.optim;

import java.util.OptionalDouble;

/**
 * The hyper-parameters of one parameter group for one step.
 *
 * <p>{@code lr} is the effective learning rate for this step (base rate times schedule factor times
 * spread multiplier and freeze-stage multiplier, all computed by the caller). The penalties:
 *
 * <ul>
 *   <li>weight decay {@code weightDecay} in {@code decayMode}: coupled {@code g += wd * w},
 *       decoupled {@code w *= 1 - lr * wd};
 *   <li>L1 {@code l1}, always coupled: {@code g += l1 * sign(w)};
 *   <li>L2-SP {@code l2sp} toward the slot's anchor {@code w0} in {@code l2spMode}: coupled {@code
 *       g += l2sp * (w - w0)}, decoupled {@code w -= lr * l2sp * (w - w0)}.
 * </ul>
 *
 * <p>{@code momentum}, when present, overrides the rule's momentum for this step (SGD and RMSprop
 * momentum, Adam's beta1), as a one-cycle policy requires.
 *
 * @param lr learning rate for this step, finite and {@code >= 0}
 * @param weightDecay weight-decay coefficient, {@code >= 0}
 * @param decayMode how weight decay enters the update
 * @param l1 L1 coefficient, {@code >= 0}
 * @param l2sp L2-SP coefficient, {@code >= 0}; needs an anchor in the slot when positive
 * @param l2spMode how L2-SP enters the update ({@link DecayMode#RULE_DEFAULT} means coupled)
 * @param momentum optional per-step momentum (or beta1) override, in {@code [0, 1)}
 */
public record GroupHyper(
    double lr,
    double weightDecay,
    DecayMode decayMode,
    double l1,
    double l2sp,
    DecayMode l2spMode,
    OptionalDouble momentum) {

  /** Validates every field. */
  public GroupHyper {
    requireNonNegative("lr", lr);
    requireNonNegative("weightDecay", weightDecay);
    requireNonNegative("l1", l1);
    requireNonNegative("l2sp", l2sp);
    if (decayMode == null || l2spMode == null || momentum == null) {
      throw new IllegalArgumentException("decayMode, l2spMode and momentum must not be null");
    }
    if (momentum.isPresent()) {
      double m = momentum.getAsDouble();
      if (!(m >= 0.0 && m < 1.0)) {
        throw new IllegalArgumentException("momentum override must be in [0, 1), got " + m);
      }
    }
  }

  /**
   * A group with only a learning rate: no penalties, the rule's momentum.
   *
   * @param lr the learning rate
   * @return the hyper-parameters
   */
  public static GroupHyper of(double lr) {
    return new GroupHyper(
        lr, 0.0, DecayMode.RULE_DEFAULT, 0.0, 0.0, DecayMode.RULE_DEFAULT, OptionalDouble.empty());
  }

  /**
   * Returns a copy with another learning rate.
   *
   * @param newLr the learning rate
   * @return the copy
   */
  public GroupHyper withLr(double newLr) {
    return new GroupHyper(newLr, weightDecay, decayMode, l1, l2sp, l2spMode, momentum);
  }

  /**
   * Returns a copy with weight decay in the rule's default mode.
   *
   * @param wd the coefficient
   * @return the copy
   */
  public GroupHyper withWeightDecay(double wd) {
    return withWeightDecay(wd, DecayMode.RULE_DEFAULT);
  }

  /**
   * Returns a copy with weight decay in the given mode.
   *
   * @param wd the coefficient
   * @param mode coupled, decoupled or the rule's default
   * @return the copy
   */
  public GroupHyper withWeightDecay(double wd, DecayMode mode) {
    return new GroupHyper(lr, wd, mode, l1, l2sp, l2spMode, momentum);
  }

  /**
   * Returns a copy with an L1 penalty.
   *
   * @param coefficient the coefficient
   * @return the copy
   */
  public GroupHyper withL1(double coefficient) {
    return new GroupHyper(lr, weightDecay, decayMode, coefficient, l2sp, l2spMode, momentum);
  }

  /**
   * Returns a copy with an L2-SP penalty toward the slot's anchor.
   *
   * @param alpha the coefficient
   * @param mode coupled (default) or decoupled
   * @return the copy
   */
  public GroupHyper withL2sp(double alpha, DecayMode mode) {
    return new GroupHyper(lr, weightDecay, decayMode, l1, alpha, mode, momentum);
  }

  /**
   * Returns a copy whose momentum (or beta1) overrides the rule's for this step.
   *
   * @param m the momentum
   * @return the copy
   */
  public GroupHyper withMomentum(double m) {
    return new GroupHyper(lr, weightDecay, decayMode, l1, l2sp, l2spMode, OptionalDouble.of(m));
  }

  private static void requireNonNegative(String what, double v) {
    if (!(v >= 0.0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(what + " must be a finite number >= 0, got " + v);
    }
  }
}
