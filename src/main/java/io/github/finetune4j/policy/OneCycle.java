package io.github.finetune4j.policy;

import java.util.Locale;

/**
 * The one-cycle policy as fastai's {@code fit_one_cycle} defines it, with its momentum companion.
 *
 * <p>Learning-rate factor (relative to {@code lr_max}): a cosine ramp from {@code 1/div} up to 1
 * over the first {@code pctStart} of progress, then a cosine ramp from 1 down to {@code 1/divFinal}
 * over the rest. fastai's final learning rate is {@code lr_max / div_final}, not {@code lr_max /
 * (div * div_final)} as in PyTorch's {@code OneCycleLR}; this class follows fastai. The cosine ramp
 * from {@code a} to {@code b} at local progress {@code q} is {@code a + (b - a) (1 - cos(pi q)) /
 * 2}.
 *
 * <p>Momentum (SGD momentum or Adam's beta1), absolute values: a cosine ramp from {@code momMax}
 * down to {@code momMin} over the first {@code pctStart}, then back up to {@code momMax}. fastai's
 * defaults are {@code pct_start=0.25, div=25, div_final=1e5, moms=(0.95, 0.85, 0.95)}.
 */
public final class OneCycle implements Schedule {

  private final double pctStart;
  private final double div;
  private final double divFinal;
  private final double momMax;
  private final double momMin;
  private final Schedule lr;
  private final Schedule mom;

  private OneCycle(double pctStart, double div, double divFinal, double momMax, double momMin) {
    if (!(pctStart >= 0.0 && pctStart <= 1.0)) {
      throw new IllegalArgumentException("pctStart must be in [0, 1], got " + pctStart);
    }
    if (!(div > 0.0) || Double.isInfinite(div)) {
      throw new IllegalArgumentException("div must be a finite number > 0, got " + div);
    }
    if (!(divFinal > 0.0) || Double.isInfinite(divFinal)) {
      throw new IllegalArgumentException("divFinal must be a finite number > 0, got " + divFinal);
    }
    if (!(momMin >= 0.0 && momMin < 1.0) || !(momMax >= 0.0 && momMax < 1.0)) {
      throw new IllegalArgumentException(
          "momentum bounds must be in [0, 1), got max=" + momMax + ", min=" + momMin);
    }
    this.pctStart = pctStart;
    this.div = div;
    this.divFinal = divFinal;
    this.momMax = momMax;
    this.momMin = momMin;
    double[] pcts = {pctStart, 1.0 - pctStart};
    this.lr =
        Schedule.combine(
            pcts, Schedule.cosineRamp(1.0 / div, 1.0), Schedule.cosineRamp(1.0, 1.0 / divFinal));
    this.mom =
        Schedule.combine(
            pcts, Schedule.cosineRamp(momMax, momMin), Schedule.cosineRamp(momMin, momMax));
  }

  /**
   * fastai's defaults: {@code pctStart=0.25, div=25, divFinal=1e5}, momentum 0.95 to 0.85 to 0.95.
   *
   * @return the default one-cycle schedule
   */
  public static OneCycle defaults() {
    return new OneCycle(0.25, 25.0, 1e5, 0.95, 0.85);
  }

  /**
   * A one-cycle schedule with explicit parameters.
   *
   * @param pctStart fraction of progress spent rising, in {@code [0, 1]}
   * @param div the starting factor is {@code 1/div}
   * @param divFinal the final factor is {@code 1/divFinal}
   * @param momMax momentum at both ends, in {@code [0, 1)}
   * @param momMin momentum at the peak learning rate, in {@code [0, 1)}
   * @return the schedule
   */
  public static OneCycle of(
      double pctStart, double div, double divFinal, double momMax, double momMin) {
    return new OneCycle(pctStart, div, divFinal, momMax, momMin);
  }

  @Override
  public double factor(double progress) {
    return lr.factor(progress);
  }

  /**
   * Returns the absolute momentum (or Adam beta1) at {@code progress}.
   *
   * @param progress fraction of training done, clamped into {@code [0, 1]}
   * @return the momentum
   */
  public double momentum(double progress) {
    return mom.factor(progress);
  }

  @Override
  public String name() {
    return "oneCycle";
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "oneCycle(pctStart=%s, div=%s, divFinal=%s, moms=(%s, %s, %s))",
        pctStart,
        div,
        divFinal,
        momMax,
        momMin,
        momMax);
  }
}
