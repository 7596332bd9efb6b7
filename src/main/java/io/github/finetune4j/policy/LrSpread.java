package io.github.finetune4j.policy;

/**
 * Learning-rate multipliers across parameter groups ordered bottom to top (index 0 is the group
 * nearest the input, the last index the head).
 *
 * <p>All methods return a fresh array of length {@code n} and reject bad inputs with an {@link
 * IllegalArgumentException} that names the offending argument.
 */
public final class LrSpread {

  private LrSpread() {}

  /**
   * ULMFiT discriminative fine-tuning: the top group gets 1, each group below it is divided by
   * {@code factor} once more: element {@code i} is {@code 1 / factor^(n - 1 - i)}.
   *
   * @param n number of groups, {@code >= 1}
   * @param factor divisor per group, {@code > 0} (ULMFiT uses 2.6)
   * @return the multipliers, bottom to top
   */
  public static double[] discriminative(int n, double factor) {
    requireGroups(n, 1);
    if (!(factor > 0.0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("factor must be a finite number > 0, got " + factor);
    }
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = 1.0 / Math.pow(factor, n - 1 - i);
    }
    return out;
  }

  /**
   * fastai's {@code slice(lo, hi)} spread: absolute learning rates spaced geometrically from {@code
   * lo} at the bottom to {@code hi} at the top: element {@code i} is {@code lo * (hi / lo)^(i / (n
   * - 1))}.
   *
   * @param n number of groups, {@code >= 2}
   * @param lo learning rate of the bottom group, {@code > 0}
   * @param hi learning rate of the top group, {@code > 0}
   * @return the learning rates, bottom to top
   */
  public static double[] geometric(int n, double lo, double hi) {
    requireGroups(n, 2);
    if (!(lo > 0.0) || Double.isInfinite(lo)) {
      throw new IllegalArgumentException("lo must be a finite number > 0, got " + lo);
    }
    if (!(hi > 0.0) || Double.isInfinite(hi)) {
      throw new IllegalArgumentException("hi must be a finite number > 0, got " + hi);
    }
    double[] out = new double[n];
    double ratio = hi / lo;
    for (int i = 0; i < n; i++) {
      out[i] = lo * Math.pow(ratio, (double) i / (n - 1));
    }
    out[0] = lo;
    out[n - 1] = hi;
    return out;
  }

  /**
   * Layer-wise learning-rate decay (timm, BEiT): element {@code i} is {@code d^(n - 1 - i)}, so the
   * top group gets 1.
   *
   * @param n number of groups, {@code >= 1}
   * @param d decay per group, in {@code (0, 1]}
   * @return the multipliers, bottom to top
   */
  public static double[] layerDecay(int n, double d) {
    requireGroups(n, 1);
    if (!(d > 0.0 && d <= 1.0)) {
      throw new IllegalArgumentException("layer decay d must be in (0, 1], got " + d);
    }
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = Math.pow(d, n - 1 - i);
    }
    return out;
  }

  private static void requireGroups(int n, int min) {
    if (n < min) {
      throw new IllegalArgumentException("n (number of groups) must be >= " + min + ", got " + n);
    }
  }
}
