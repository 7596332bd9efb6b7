package io.github.finetune4j.policy;

import java.util.List;

/**
 * The analysis of an LR range test (Smith 2015; fastai's {@code lr_find}): the loss of each step of
 * a sweep whose learning rate grows exponentially, smoothed, cut where it explodes, and three
 * suggestions read off the curve.
 *
 * <ul>
 *   <li>{@code valley}: halfway along the longest stretch over which the smoothed loss keeps
 *       falling — the default, robust to a noisy start;
 *   <li>{@code steepest}: where the smoothed loss falls fastest per decade of learning rate;
 *   <li>{@code minimum/10}: a tenth of the learning rate with the lowest smoothed loss.
 * </ul>
 *
 * @param lrs the learning rate of each step kept
 * @param losses the raw loss of each step kept
 * @param smoothed the smoothed loss of each step kept
 * @param exploded whether the sweep stopped because the loss exploded
 * @param valley the valley suggestion (NaN with fewer than 5 steps)
 * @param steepest the steepest-descent suggestion (NaN with fewer than 5 steps)
 * @param minimumTenth the minimum/10 suggestion (NaN with fewer than 5 steps)
 */
public record LrSweep(
    double[] lrs,
    double[] losses,
    double[] smoothed,
    boolean exploded,
    double valley,
    double steepest,
    double minimumTenth) {

  /** Weight of the running average of the loss (fastai's). */
  public static final double BETA = 0.98;

  /** The sweep stops once the smoothed loss is this many times its minimum. */
  public static final double EXPLODED = 4.0;

  /**
   * The learning rate of step {@code i} of {@code steps}: {@code start ·
   * (end/start)^(i/(steps−1))}.
   *
   * @param start the first rate
   * @param end the last rate
   * @param steps the number of steps (at least 2)
   * @param i the step, from 0
   * @return the rate
   */
  public static double rate(double start, double end, int steps, int i) {
    return start * Math.pow(end / start, i / (double) (steps - 1));
  }

  /**
   * The bias-corrected running average: {@code a = β a + (1 − β) loss}, then {@code a / (1 −
   * β^(i+1))}.
   *
   * @param losses the raw losses
   * @return the smoothed losses
   */
  public static double[] smooth(double[] losses) {
    double[] out = new double[losses.length];
    double avg = 0;
    for (int i = 0; i < losses.length; i++) {
      avg = BETA * avg + (1 - BETA) * losses[i];
      out[i] = avg / (1 - Math.pow(BETA, i + 1));
    }
    return out;
  }

  /**
   * Whether the sweep should stop after this loss: it is not finite, or the smoothed loss has
   * reached {@link #EXPLODED} times its minimum so far.
   *
   * @param losses the raw losses so far (the last one new)
   * @return true to stop
   */
  public static boolean exploded(List<Double> losses) {
    double last = losses.get(losses.size() - 1);
    if (!Double.isFinite(last)) {
      return true;
    }
    double[] s = smooth(losses.stream().mapToDouble(Double::doubleValue).toArray());
    double min = Double.POSITIVE_INFINITY;
    for (int i = 0; i < s.length - 1; i++) {
      min = Math.min(min, s[i]);
    }
    return s.length > 1 && s[s.length - 1] > EXPLODED * min;
  }

  /**
   * Analyses a sweep: drops a non-finite last loss, smooths, and reads off the suggestions.
   *
   * @param lrs the rate of each step
   * @param losses the loss of each step
   * @param exploded whether the sweep stopped because the loss exploded
   * @return the analysis
   */
  public static LrSweep analyse(double[] lrs, double[] losses, boolean exploded) {
    int n = losses.length;
    while (n > 0 && !Double.isFinite(losses[n - 1])) {
      n--;
    }
    double[] lr = java.util.Arrays.copyOf(lrs, n);
    double[] raw = java.util.Arrays.copyOf(losses, n);
    double[] s = smooth(raw);
    if (n < 5) {
      return new LrSweep(lr, raw, s, exploded, Double.NaN, Double.NaN, Double.NaN);
    }
    // The first tenth of the steps is left out of the slopes: there the smoothed loss still
    // mostly follows the noise of single batches (the rate is far too small to move it).
    int from = Math.max(1, n / 10);
    // steepest: the most negative slope of the smoothed loss per unit of log(lr)
    int steep = from;
    double best = Double.POSITIVE_INFINITY;
    for (int i = from; i < n - 1; i++) {
      double slope = (s[i + 1] - s[i - 1]) / (Math.log(lr[i + 1]) - Math.log(lr[i - 1]));
      if (slope < best) {
        best = slope;
        steep = i;
      }
    }
    // minimum / 10
    int min = 0;
    for (int i = 1; i < n; i++) {
      if (s[i] < s[min]) {
        min = i;
      }
    }
    int valley = from - 1 + valleyIndex(java.util.Arrays.copyOfRange(s, from - 1, n));
    return new LrSweep(lr, raw, s, exploded, lr[valley], lr[steep], lr[min] / 10);
  }

  /**
   * Halfway along the longest strictly decreasing subsequence (analyse leaves the first tenth of
   * the steps out, as for the slopes) of the smoothed losses (its first and last index span the
   * valley).
   */
  static int valleyIndex(double[] s) {
    int n = s.length;
    int[] length = new int[n];
    int[] first = new int[n];
    int bestEnd = 0;
    for (int i = 0; i < n; i++) {
      length[i] = 1;
      first[i] = i;
      for (int j = 0; j < i; j++) {
        if (s[i] < s[j] && length[j] + 1 > length[i]) {
          length[i] = length[j] + 1;
          first[i] = first[j];
        }
      }
      if (length[i] > length[bestEnd]) {
        bestEnd = i;
      }
    }
    return first[bestEnd] + (bestEnd - first[bestEnd]) / 2;
  }
}
