package io.github.finetune4j.policy;

import java.util.Arrays;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * A learning-rate multiplier as a pure function of training progress.
 *
 * <p>{@code progress} is the fraction of the planned optimizer steps already taken, from 0 (before
 * the first step) to 1 (after the last). Implementations clamp it into {@code [0, 1]}; NaN is
 * rejected. The returned factor multiplies a group's base learning rate.
 *
 * <p>The static factories return immutable schedules whose {@link #name()} is a short kind (such as
 * {@code "cosine"}) and whose {@code toString()} spells out the parameters (such as {@code
 * cosine(floor=0.01)}), for the printed plan. Composite schedules ({@link #warmup}, {@link
 * #combine}) re-parameterise the progress they hand to their parts so that every part sees its own
 * {@code [0, 1]}.
 */
@FunctionalInterface
public interface Schedule {

  /**
   * Returns the learning-rate multiplier at {@code progress}.
   *
   * @param progress fraction of training done, clamped into {@code [0, 1]}
   * @return the multiplier, normally in {@code (0, 1]}
   */
  double factor(double progress);

  /**
   * Returns a short kind name for printed plans, for example {@code "cosine"}.
   *
   * @return the kind; {@code "custom"} for a lambda
   */
  default String name() {
    return "custom";
  }

  /**
   * Clamps {@code progress} into {@code [0, 1]}.
   *
   * @param progress a progress value
   * @return the clamped value
   * @throws IllegalArgumentException if {@code progress} is NaN
   */
  static double clamp(double progress) {
    if (Double.isNaN(progress)) {
      throw new IllegalArgumentException("progress is NaN");
    }
    return Math.max(0.0, Math.min(1.0, progress));
  }

  /**
   * A constant multiplier of 1.
   *
   * @return the schedule {@code constant}
   */
  static Schedule constant() {
    return new NamedSchedule("constant", "constant", p -> 1.0);
  }

  /**
   * Multiplies by {@code gamma} at every milestone reached: {@code gamma^k} where {@code k} is the
   * number of milestones {@code <= progress} (PyTorch {@code MultiStepLR}, milestones expressed as
   * progress fractions).
   *
   * @param milestones ascending progress fractions in {@code [0, 1]}
   * @param gamma the multiplicative decay per milestone, {@code > 0}
   * @return the step schedule
   */
  static Schedule step(double[] milestones, double gamma) {
    double[] ms = milestones.clone();
    for (int i = 0; i < ms.length; i++) {
      requireFraction("milestones[" + i + "]", ms[i]);
      if (i > 0 && ms[i] < ms[i - 1]) {
        throw new IllegalArgumentException(
            "milestones must be ascending, got " + Arrays.toString(ms));
      }
    }
    requirePositive("gamma", gamma);
    return new NamedSchedule(
        "step",
        "step(milestones=" + Arrays.toString(ms) + ", gamma=" + fmt(gamma) + ")",
        p -> {
          int k = 0;
          while (k < ms.length && ms[k] <= p) {
            k++;
          }
          return Math.pow(gamma, k);
        });
  }

  /**
   * Exponential decay from 1 at the start to {@code end} at the end: {@code end^progress}.
   *
   * @param end the final multiplier, {@code > 0}
   * @return the exponential schedule
   */
  static Schedule exponential(double end) {
    requirePositive("end", end);
    return new NamedSchedule(
        "exponential", "exponential(end=" + fmt(end) + ")", p -> Math.pow(end, p));
  }

  /**
   * Half-cosine annealing from 1 down to {@code floor}: {@code floor + (1 - floor) * (1 + cos(pi
   * p)) / 2}.
   *
   * @param floor the final multiplier, in {@code [0, 1]}
   * @return the cosine schedule
   */
  static Schedule cosine(double floor) {
    requireFraction("floor", floor);
    return new NamedSchedule(
        "cosine",
        "cosine(floor=" + fmt(floor) + ")",
        p -> floor + (1.0 - floor) * (1.0 + Math.cos(Math.PI * p)) / 2.0);
  }

  /**
   * Linear ramp from {@code from} to {@code to} over the whole progress.
   *
   * @param from multiplier at progress 0
   * @param to multiplier at progress 1
   * @return the linear schedule
   */
  static Schedule linear(double from, double to) {
    requireFinite("from", from);
    requireFinite("to", to);
    return new NamedSchedule(
        "linear",
        "linear(from=" + fmt(from) + ", to=" + fmt(to) + ")",
        p -> from + (to - from) * p);
  }

  /**
   * Cosine interpolation from {@code from} to {@code to} (fastai {@code SchedCos}): {@code from +
   * (to - from) * (1 - cos(pi p)) / 2}.
   *
   * @param from multiplier at progress 0
   * @param to multiplier at progress 1
   * @return the cosine ramp
   */
  static Schedule cosineRamp(double from, double to) {
    requireFinite("from", from);
    requireFinite("to", to);
    return new NamedSchedule(
        "cosineRamp",
        "cosineRamp(from=" + fmt(from) + ", to=" + fmt(to) + ")",
        p -> cosInterp(from, to, p));
  }

  /**
   * Linear warm-up followed by another schedule.
   *
   * <p>Over the first {@code pct} of progress the factor rises linearly from {@code startFactor} to
   * {@code after.factor(0)}; the rest of the progress is handed to {@code after} re-scaled to its
   * own {@code [0, 1]}: {@code after.factor((p - pct) / (1 - pct))}. This is the Hugging Face
   * {@code get_*_schedule_with_warmup} convention: the decay runs over the steps left after the
   * warm-up. {@code pct = 0} is {@code after} itself.
   *
   * @param pct warm-up fraction of progress, in {@code [0, 1)}
   * @param startFactor multiplier at progress 0
   * @param after the schedule that follows
   * @return the warm-up schedule
   */
  static Schedule warmup(double pct, double startFactor, Schedule after) {
    if (!(pct >= 0.0 && pct < 1.0)) {
      throw new IllegalArgumentException("warm-up pct must be in [0, 1), got " + pct);
    }
    requireFinite("startFactor", startFactor);
    if (after == null) {
      throw new IllegalArgumentException("after schedule is null");
    }
    double target = after.factor(0.0);
    return new NamedSchedule(
        "warmup",
        "warmup(pct=" + fmt(pct) + ", start=" + fmt(startFactor) + ", then " + after + ")",
        p -> {
          if (p < pct) {
            return startFactor + (target - startFactor) * (p / pct);
          }
          return after.factor((p - pct) / (1.0 - pct));
        });
  }

  /**
   * The fastai one-cycle schedule with its defaults ({@code pct_start=0.25, div=25,
   * div_final=1e5}); see {@link OneCycle}.
   *
   * @return the one-cycle schedule, which also provides the momentum cycle
   */
  static OneCycle oneCycle() {
    return OneCycle.defaults();
  }

  /**
   * ULMFiT slanted triangular learning rate with {@code cut_frac=0.1, ratio=32}.
   *
   * @return the slanted-triangular schedule
   */
  static Schedule slantedTriangular() {
    return slantedTriangular(0.1, 32.0);
  }

  /**
   * ULMFiT slanted triangular learning rate (Howard and Ruder 2018, eq. 3), with progress in place
   * of {@code t / T}: {@code f = p / cut} while {@code p < cut}, else {@code f = 1 - (p - cut) /
   * (cut * (1 / cut - 1))}; factor {@code = (1 + f (ratio - 1)) / ratio}. It rises from {@code
   * 1/ratio} to 1 at {@code cut} and falls back to {@code 1/ratio}.
   *
   * @param cutFrac the fraction of progress spent rising, in {@code (0, 1)}
   * @param ratio how much smaller the lowest factor is than the highest, {@code >= 1}
   * @return the slanted-triangular schedule
   */
  static Schedule slantedTriangular(double cutFrac, double ratio) {
    if (!(cutFrac > 0.0 && cutFrac < 1.0)) {
      throw new IllegalArgumentException("cutFrac must be in (0, 1), got " + cutFrac);
    }
    if (!(ratio >= 1.0) || Double.isInfinite(ratio)) {
      throw new IllegalArgumentException("ratio must be a finite number >= 1, got " + ratio);
    }
    return new NamedSchedule(
        "slantedTriangular",
        "slantedTriangular(cutFrac=" + fmt(cutFrac) + ", ratio=" + fmt(ratio) + ")",
        p -> {
          double f =
              p < cutFrac ? p / cutFrac : 1.0 - (p - cutFrac) / (cutFrac * (1.0 / cutFrac - 1.0));
          return (1.0 + f * (ratio - 1.0)) / ratio;
        });
  }

  /**
   * Chains schedules over consecutive slices of progress (fastai {@code combine_scheds}).
   *
   * <p>Part {@code i} covers progress {@code [s_i, s_i + pcts[i])} where {@code s_i} is the sum of
   * the earlier {@code pcts}, and receives its local progress {@code (p - s_i) / pcts[i]}. Slices
   * of width 0 are skipped; progress 1 goes to the last non-empty part at local progress 1.
   *
   * @param pcts non-negative widths summing to 1 (within 1e-9), one per part
   * @param parts the schedules, in order
   * @return the combined schedule
   */
  static Schedule combine(double[] pcts, Schedule... parts) {
    if (pcts == null || parts == null || pcts.length != parts.length || pcts.length == 0) {
      throw new IllegalArgumentException(
          "combine needs as many pcts as parts (and at least one), got "
              + (pcts == null ? "null" : pcts.length)
              + " pcts and "
              + (parts == null ? "null" : parts.length)
              + " parts");
    }
    double[] widths = pcts.clone();
    Schedule[] ps = parts.clone();
    double[] starts = new double[widths.length];
    double sum = 0.0;
    for (int i = 0; i < widths.length; i++) {
      if (!(widths[i] >= 0.0) || Double.isInfinite(widths[i])) {
        throw new IllegalArgumentException("pcts[" + i + "] must be >= 0, got " + widths[i]);
      }
      if (ps[i] == null) {
        throw new IllegalArgumentException("parts[" + i + "] is null");
      }
      starts[i] = sum;
      sum += widths[i];
    }
    if (Math.abs(sum - 1.0) > 1e-9) {
      throw new IllegalArgumentException(
          "pcts must sum to 1, got " + sum + " from " + Arrays.toString(widths));
    }
    StringJoiner desc = new StringJoiner(", ", "combine(", ")");
    for (int i = 0; i < ps.length; i++) {
      desc.add(fmt(widths[i]) + ": " + ps[i]);
    }
    return new NamedSchedule(
        "combine",
        desc.toString(),
        p -> {
          int idx = -1;
          for (int i = 0; i < widths.length; i++) {
            if (widths[i] > 0.0 && starts[i] <= p) {
              idx = i;
            }
          }
          double local = Math.min(1.0, (p - starts[idx]) / widths[idx]);
          return ps[idx].factor(local);
        });
  }

  /** {@code from + (to - from) * (1 - cos(pi p)) / 2}, shared by the cosine ramps. */
  private static double cosInterp(double from, double to, double p) {
    return from + (to - from) * (1.0 - Math.cos(Math.PI * p)) / 2.0;
  }

  private static void requirePositive(String what, double v) {
    if (!(v > 0.0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(what + " must be a finite number > 0, got " + v);
    }
  }

  private static void requireFraction(String what, double v) {
    if (!(v >= 0.0 && v <= 1.0)) {
      throw new IllegalArgumentException(what + " must be in [0, 1], got " + v);
    }
  }

  private static void requireFinite(String what, double v) {
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException(what + " must be finite, got " + v);
    }
  }

  /** Formats a parameter for {@code toString}: shortest round-trip decimal. */
  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%s", v);
  }
}
