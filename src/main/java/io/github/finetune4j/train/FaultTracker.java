package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.monitor.RunWarning;
import io.github.finetune4j.params.ParamGroup;
import java.util.ArrayList;
import java.util.List;

/**
 * Judges each {@link StepOutcome} against the {@link FaultPolicy}: counts skipped steps, remembers
 * the first step whose gradients were not finite (and its groups) and the last step whose loss was
 * finite, and says when the run must stop. A fault comes with the model's weights put back to the
 * last good ones (see {@link #fail}).
 */
final class FaultTracker {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Puts back the weights of the newest checkpoint known to be good, or those before training. */
  interface Rollback {
    /**
     * @param fault the fault, its weights not trusted
     * @param lastFiniteLossStep the last step whose training loss was finite
     * @return the fault, with where its weights came from
     */
    TrainingFault restore(TrainingFault fault, long lastFiniteLossStep);
  }

  private final TrainSetup s;
  private final FaultPolicy policy;
  private final Rollback rollback;

  private long skippedSteps;

  /** The first step whose gradients were not finite (0: none yet), and its groups. */
  private long firstBadGradientStep;

  private List<String> badGradientGroups = List.of();

  /**
   * The last step whose training loss was finite: the weights it ran with (those after the step
   * before) are known to be good, and so is any checkpoint up to that step before.
   */
  private long lastFiniteLossStep;

  /** The last step's outcome (null before the first step, and on a resumed run's first). */
  private StepOutcome last;

  /** Whether the last step was skipped, as a checkpoint records it. */
  private boolean lastStepSkipped;

  FaultTracker(TrainSetup s, Rollback rollback) {
    this.s = s;
    this.policy = s.faults();
    this.rollback = rollback;
  }

  /** Steps whose update was skipped so far (only with {@link FaultPolicy.Mode#SKIP}). */
  long skippedSteps() {
    return skippedSteps;
  }

  /** Takes in a step's outcome: the counters a later fault and the checkpoint report. */
  void record(StepOutcome o) {
    last = o;
    lastStepSkipped = o.skipped();
    if (o.lossFinite()) {
      lastFiniteLossStep = o.step();
    }
    if (!o.skipped()) {
      return;
    }
    if (policy.mode() == FaultPolicy.Mode.SKIP) {
      skippedSteps++;
    }
    if (firstBadGradientStep == 0 && !Double.isFinite(o.gradNorm())) {
      firstBadGradientStep = o.step();
      badGradientGroups = o.badGradientGroups();
    }
  }

  /** The warning a step raises: the run's first skipped update (once per run), or null. */
  RunWarning warning(StepOutcome o) {
    if (!o.skipped() || skippedSteps != 1) {
      return null;
    }
    return new RunWarning(
        o.step(),
        "*",
        "skipped_step",
        "gradients are not finite (NaN or infinity): the update of step "
            + o.step()
            + " was skipped (later skips are counted in summary.json: skipped_steps)");
  }

  /** Why the run must stop after this step, or null (the fault's weights already put back). */
  TrainingFault stepFault(StepOutcome o) {
    List<String> badLr = o.badLrGroups();
    if (!badLr.isEmpty()) {
      return fail(
          o.step(),
          o.step() - 1,
          "the learning rate of group"
              + (badLr.size() == 1 ? " " : "s ")
              + String.join(", ", badLr)
              + " is larger than a float holds (3.4e38) at this step; the step's update was not"
              + " applied (check optimizer.lr, the groups' lr and the schedule)");
    }
    if (!o.badUpdateGroups().isEmpty()) {
      return fail(
          o.step(),
          o.step() - 1,
          "the update left weights that are not finite (is the learning rate too high?)");
    }
    if (!o.skipped()) {
      return null;
    }
    if (policy.mode() == FaultPolicy.Mode.STOP) {
      return fail(
          o.step(),
          o.step() - 1,
          (Double.isFinite(o.loss())
                  ? "the gradients are not finite (NaN or infinity)"
                  : "the training loss is " + o.loss())
              + "; the step's update was not applied (train.on_nonfinite: stop)");
    }
    if (skippedSteps > policy.maxSkippedSteps()) {
      return fail(
          o.step(),
          o.step() - 1,
          skippedSteps
              + " steps were skipped for a loss or gradients that are not finite, more than the "
              + policy.maxSkippedSteps()
              + " allowed (train.max_skipped_steps)");
    }
    return null;
  }

  /**
   * A fault at a step, with the model's weights put back to the last good ones. When the step's
   * loss was finite and every weight is (a bad gradient or learning rate: the update was not
   * applied), the weights stay — those after the step before, which gave that finite loss.
   * Otherwise the weights that produced the bad value are not trusted: they are restored from the
   * newest valid checkpoint whose weights went on to give a finite training loss, or to the weights
   * before training when there is none.
   */
  TrainingFault fail(long step, long goodStep, String reason) {
    List<String> badWeights = badWeightGroups();
    TrainingFault f =
        new TrainingFault(
            step, reason, firstBadGradientStep, badGradientGroups, badWeights, goodStep, null);
    boolean weightsTrusted =
        badWeights.isEmpty()
            && step > 0
            && lastFiniteLossStep == step
            && (last == null || last.badUpdateGroups().isEmpty())
            && goodStep == step - 1;
    return weightsTrusted ? f : rollback.restore(f, lastFiniteLossStep);
  }

  /** Writes the counters into a checkpoint's state. */
  void save(ObjectNode state) {
    state.put("skipped_steps", skippedSteps);
    state.put("last_step_skipped", lastStepSkipped);
    state.put("first_bad_gradient_step", firstBadGradientStep);
    state.set("bad_gradient_groups", JSON.valueToTree(badGradientGroups));
  }

  /** Reads the counters back from a checkpoint's state. */
  void restore(JsonNode st) {
    skippedSteps = st.path("skipped_steps").asLong();
    lastStepSkipped = st.path("last_step_skipped").asBoolean();
    firstBadGradientStep = st.path("first_bad_gradient_step").asLong();
    badGradientGroups =
        JSON.convertValue(
            st.path("bad_gradient_groups"),
            JSON.getTypeFactory().constructCollectionType(List.class, String.class));
  }

  /** The groups with a weight that is not finite, in group order. */
  private List<String> badWeightGroups() {
    List<String> bad = new ArrayList<>();
    try (NDScope scope = new NDScope()) {
      for (ParamGroup g : s.groups().groups()) {
        if (g.members().stream().anyMatch(n -> !finite(s.params().get(n).getArray()))) {
          bad.add(g.name());
        }
      }
    }
    return bad;
  }

  /** Whether every value is finite; exact even where the squared norm overflows a float. */
  static boolean finite(NDArray w) {
    if (Double.isFinite(GroupDiagnostics.sq(w))) {
      return true;
    }
    try (NDArray max = w.abs().max()) {
      return Float.isFinite(max.getFloat());
    }
  }
}
