package io.github.finetune4j.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns step metrics into training-health warnings, each emitted at most once per (cause, group).
 * Pure: no I/O, no clock; feed it every {@link StepMetrics} in order.
 *
 * <ul>
 *   <li>{@code exploding}: update ratio ‖Δw‖/‖w‖ above {@value #EXPLODING_RATIO} on two sampled
 *       steps in a row (a single first step of an adaptive rule on a fresh, small-weight head
 *       routinely moves it by ~lr/|w| and is not a problem).
 *   <li>{@code grad_spike}: gradient norm above {@value #SPIKE_FACTOR}× the median of the group's
 *       previous gradient norms (the last {@value #SPIKE_WINDOW}), once at least {@value
 *       #SPIKE_MIN_SAMPLES} have been seen.
 *   <li>{@code vanishing}: a trainable group (lr &gt; 0 and frozen fraction &lt; 1) whose update
 *       ratio is below {@value #VANISHING_RATIO}.
 *   <li>{@code nan}: a non-finite loss (group {@code "*"}), or a non-finite lr, gradient norm or
 *       weight norm, or an infinite update ratio or drift in a group. A NaN update ratio (group not
 *       updated) or drift (no pre-trained weights) is legitimate and does not fire.
 *   <li>{@code drift}: drift ‖w−w₀‖/‖w₀‖ above the group's bound, from the map given to the
 *       constructor (key {@code "*"} is the bound for groups without their own).
 * </ul>
 */
public final class WarningDetector {

  /** Update ratio above which {@code exploding} fires. */
  public static final double EXPLODING_RATIO = 1e-1;

  /** Groups whose previous sampled update ratio was above {@link #EXPLODING_RATIO}. */
  private final Set<String> highBefore = new HashSet<>();

  /** Update ratio below which {@code vanishing} fires for a trainable group. */
  public static final double VANISHING_RATIO = 1e-7;

  /** How many times its running median a gradient norm must exceed for {@code grad_spike}. */
  public static final double SPIKE_FACTOR = 10.0;

  /** Number of previous gradient norms needed before {@code grad_spike} can fire. */
  public static final int SPIKE_MIN_SAMPLES = 10;

  /** Number of previous gradient norms the running median is taken over. */
  public static final int SPIKE_WINDOW = 100;

  private final Map<String, Double> driftBounds;
  private final Set<String> fired = new HashSet<>();
  private final Map<String, Deque<Double>> gradHistory = new HashMap<>();

  /** A detector without drift bounds (the {@code drift} cause never fires). */
  public WarningDetector() {
    this(Map.of());
  }

  /**
   * A detector with per-group drift bounds.
   *
   * @param driftBounds group name to the largest acceptable drift; key {@code "*"} applies to
   *     groups not listed
   */
  public WarningDetector(Map<String, Double> driftBounds) {
    this.driftBounds = Map.copyOf(driftBounds);
  }

  /**
   * What the detector remembers (warnings already raised, groups above the exploding bound, the
   * recent gradient norms), for a checkpoint.
   *
   * @return the state
   */
  public ObjectNode state() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    new TreeSet<>(fired).forEach(o.putArray("fired")::add);
    new TreeSet<>(highBefore).forEach(o.putArray("high_before")::add);
    ObjectNode h = o.putObject("grad_history");
    new TreeMap<>(gradHistory).forEach((g, d) -> d.forEach(h.putArray(g)::add));
    return o;
  }

  /**
   * Restores {@link #state()}.
   *
   * @param state the state
   */
  public void restore(JsonNode state) {
    fired.clear();
    highBefore.clear();
    gradHistory.clear();
    state.path("fired").forEach(n -> fired.add(n.asText()));
    state.path("high_before").forEach(n -> highBefore.add(n.asText()));
    state
        .path("grad_history")
        .fields()
        .forEachRemaining(
            e -> {
              Deque<Double> d = new ArrayDeque<>();
              e.getValue().forEach(v -> d.add(v.asDouble()));
              gradHistory.put(e.getKey(), d);
            });
  }

  /**
   * Examines one step.
   *
   * @param m the step's metrics
   * @return the warnings that fire for the first time at this step (often empty)
   */
  public List<RunWarning> accept(StepMetrics m) {
    List<RunWarning> out = new ArrayList<>();
    if (!Double.isFinite(m.loss())) {
      fire(out, m, "*", "nan", "loss is " + m.loss());
    }
    if (m.groups() == null) {
      return out;
    }
    for (Map.Entry<String, GroupStats> e : m.groups().entrySet()) {
      String g = e.getKey();
      GroupStats s = e.getValue();
      String nan = nanReason(s);
      if (nan != null) {
        fire(out, m, g, "nan", nan);
      }
      boolean high = s.updateRatio() > EXPLODING_RATIO;
      boolean sustained = high && highBefore.contains(g);
      if (high) {
        highBefore.add(g);
      } else if (!Double.isNaN(s.updateRatio())) {
        highBefore.remove(g);
      }
      if (sustained) {
        fire(
            out,
            m,
            g,
            "exploding",
            String.format(
                Locale.ROOT,
                "update ratio %.2e > %.0e: the learning rate of group %s is likely too high",
                s.updateRatio(),
                EXPLODING_RATIO,
                g));
      }
      boolean trainable = s.lr() > 0 && s.frozenFraction() < 1;
      if (trainable && s.updateRatio() < VANISHING_RATIO) {
        fire(
            out,
            m,
            g,
            "vanishing",
            String.format(
                Locale.ROOT,
                "update ratio %.2e < %.0e although group %s is trainable (lr %.2e)",
                s.updateRatio(),
                VANISHING_RATIO,
                g,
                s.lr()));
      }
      Double bound = driftBounds.getOrDefault(g, driftBounds.get("*"));
      if (bound != null && s.drift() > bound) {
        fire(
            out,
            m,
            g,
            "drift",
            String.format(
                Locale.ROOT,
                "drift from the pre-trained weights %.3g > bound %.3g",
                s.drift(),
                bound));
      }
      if (trainable) { // a frozen group's zero gradient is no baseline for a spike
        checkSpike(out, m, g, s.gradNorm());
      }
    }
    return out;
  }

  private void checkSpike(List<RunWarning> out, StepMetrics m, String g, double gradNorm) {
    if (!Double.isFinite(gradNorm)) {
      return;
    }
    Deque<Double> history = gradHistory.computeIfAbsent(g, k -> new ArrayDeque<>());
    if (history.size() >= SPIKE_MIN_SAMPLES) {
      double median = median(history);
      if (gradNorm > SPIKE_FACTOR * median) {
        fire(
            out,
            m,
            g,
            "grad_spike",
            String.format(
                Locale.ROOT,
                "gradient norm %.3g > %.0f x its running median %.3g",
                gradNorm,
                SPIKE_FACTOR,
                median));
      }
    }
    history.addLast(gradNorm);
    if (history.size() > SPIKE_WINDOW) {
      history.removeFirst();
    }
  }

  private static double median(Deque<Double> values) {
    double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    int n = a.length;
    return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
  }

  private static String nanReason(GroupStats s) {
    if (!Double.isFinite(s.lr())) {
      return "lr is " + s.lr();
    }
    if (!Double.isFinite(s.gradNorm())) {
      return "gradient norm is " + s.gradNorm();
    }
    if (!Double.isFinite(s.weightNorm())) {
      return "weight norm is " + s.weightNorm();
    }
    if (Double.isInfinite(s.updateRatio())) {
      return "update ratio is " + s.updateRatio();
    }
    if (Double.isInfinite(s.drift())) {
      return "drift is " + s.drift();
    }
    return null;
  }

  private void fire(List<RunWarning> out, StepMetrics m, String group, String cause, String msg) {
    if (fired.add(cause + '\u0000' + group)) {
      out.add(new RunWarning(m.step(), group, cause, msg + " (step " + m.step() + ")"));
    }
  }
}
