package io.github.finetune4j.train;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.StepMetrics;
import io.github.finetune4j.monitor.WarningDetector;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.optim.UpdateRule;
import io.github.finetune4j.params.ParamGroups;
import io.github.finetune4j.policy.Schedule;
import io.github.finetune4j.policy.StagePlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the loop needs, already resolved (from a recipe by the pipeline, or by a Java user).
 * Build it with {@link #builder()}: the model, its parameters and groups, the stages, the rule, the
 * per-parameter hyper-parameters, the task and the training split are required; everything else has
 * a default.
 *
 * @param block the model: {@code inputs -> logits}
 * @param params every trainable parameter by dotted name (no running statistics)
 * @param groups the partition of parameters into groups
 * @param stages stages in order
 * @param rule the update rule
 * @param hyper per parameter: base lr (of its group), weight decay, regularizers
 * @param schedule lr multiplier as a function of progress in [0,1]
 * @param schedulePerStage progress restarts in each stage (else it runs over the whole run)
 * @param resetStateOnUnfreeze drop a group's optimizer state when it starts training again
 * @param pinned parameters that never train, whatever the stage (e.g. frozen norm layers)
 * @param clipNorm clip gradients to this global L2 norm (0 = off)
 * @param clipValue clamp gradients to [-v, v] (0 = off)
 * @param train training split
 * @param valid validation split or null
 * @param test test split or null
 * @param batchSize examples per batch
 * @param seed seed of the data order
 * @param evalEveryEpoch evaluate on {@code valid} after each epoch
 * @param every diagnostics period in steps
 * @param warnings detector of training-health warnings
 * @param sinks metric sinks
 * @param norms the norm-statistics policy, or null when the model has no running statistics
 * @param faults when the run counts as failed
 * @param task the loss and the metrics
 * @param shuffle shuffle the training examples each epoch (seeded); else file order
 * @param checkpoints when to write checkpoints and the one to resume from, or null
 * @param accumulate batches of {@code batchSize} whose gradients each optimizer step sums
 * @param earlyStopping early stopping on a validation metric, or null
 * @param maxSteps the run ends after this many optimizer steps (0: after its stages' epochs); the
 *     schedule then spans these steps
 * @param stopWhen asked after every step; true ends the run there (not a fault), or null
 * @param featureCache how a frozen prefix of a {@link io.github.finetune4j.model.Segmented} model
 *     is run and cached
 */
public record TrainSetup(
    Block block,
    Map<String, Parameter> params,
    ParamGroups groups,
    List<StagePlan> stages,
    UpdateRule rule,
    Map<String, GroupHyper> hyper,
    Schedule schedule,
    boolean schedulePerStage,
    boolean resetStateOnUnfreeze,
    Set<String> pinned,
    double clipNorm,
    double clipValue,
    Batches train,
    Batches valid,
    Batches test,
    int batchSize,
    long seed,
    boolean evalEveryEpoch,
    int every,
    WarningDetector warnings,
    List<MetricsSink> sinks,
    NormSetup norms,
    FaultPolicy faults,
    Task task,
    boolean shuffle,
    CheckpointPolicy checkpoints,
    int accumulate,
    EarlyStopping earlyStopping,
    long maxSteps,
    java.util.function.Predicate<StepMetrics> stopWhen,
    FeatureCachePolicy featureCache) {

  /**
   * Starts a builder.
   *
   * @return a builder with the defaults: constant schedule over the run, optimizer state kept on
   *     unfreeze, nothing pinned, no clipping, no validation or test split, batch size 16, seed 42,
   *     evaluation after every epoch, diagnostics every 10 steps, the default warnings, no sinks,
   *     no norm policy, {@link FaultPolicy#DEFAULT}, shuffled training data
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder: {@code setX} for required parts, {@code optX} for optional ones. */
  public static final class Builder {
    private Block block;
    private Map<String, Parameter> params;
    private ParamGroups groups;
    private List<StagePlan> stages;
    private UpdateRule rule;
    private Map<String, GroupHyper> hyper;
    private Schedule schedule = Schedule.constant();
    private boolean schedulePerStage;
    private boolean resetStateOnUnfreeze;
    private Set<String> pinned = Set.of();
    private double clipNorm;
    private double clipValue;
    private Batches train;
    private Batches valid;
    private Batches test;
    private int batchSize = 16;
    private long seed = 42;
    private boolean evalEveryEpoch = true;
    private int every = 10;
    private WarningDetector warnings;
    private List<MetricsSink> sinks = List.of();
    private NormSetup norms;
    private FaultPolicy faults = FaultPolicy.DEFAULT;
    private CheckpointPolicy checkpoints;
    private Task task;
    private boolean shuffle = true;
    private int accumulate = 1;
    private EarlyStopping earlyStopping;
    private long maxSteps;
    private java.util.function.Predicate<StepMetrics> stopWhen;
    private FeatureCachePolicy featureCache = FeatureCachePolicy.DEFAULT;

    /**
     * Sets how a frozen prefix is run and cached (default {@link FeatureCachePolicy#DEFAULT}).
     *
     * @param featureCache the policy
     * @return this builder
     */
    public Builder optFeatureCache(FeatureCachePolicy featureCache) {
      this.featureCache = java.util.Objects.requireNonNull(featureCache);
      return this;
    }

    private Builder() {}

    /**
     * Ends the run after this many optimizer steps, over which the schedule then runs (default 0:
     * after the stages' epochs). An LR range test runs this way.
     *
     * @param maxSteps the steps, 0 for none
     * @return this builder
     */
    public Builder optMaxSteps(long maxSteps) {
      this.maxSteps = maxSteps;
      return this;
    }

    /**
     * Ends the run after the first step for which this is true (not a fault).
     *
     * @param stopWhen the test, or null
     * @return this builder
     */
    public Builder optStopWhen(java.util.function.Predicate<StepMetrics> stopWhen) {
      this.stopWhen = stopWhen;
      return this;
    }

    /**
     * Sets gradient accumulation: each optimizer step sums the gradients of this many batches
     * (default 1), the same as one batch this many times larger.
     *
     * @param accumulate batches per step, at least 1
     * @return this builder
     */
    public Builder optAccumulate(int accumulate) {
      this.accumulate = accumulate;
      return this;
    }

    /**
     * Sets early stopping on a validation metric (default none; needs a validation split).
     *
     * @param earlyStopping the policy
     * @return this builder
     */
    public Builder optEarlyStopping(EarlyStopping earlyStopping) {
      this.earlyStopping = earlyStopping;
      return this;
    }

    /**
     * Sets the model (required).
     *
     * @param block inputs to logits
     * @return this builder
     */
    public Builder setBlock(Block block) {
      this.block = block;
      return this;
    }

    /**
     * Sets the trainable parameters by dotted name (required).
     *
     * @param params e.g. {@code ParameterNames.trainable(block)}
     * @return this builder
     */
    public Builder setParams(Map<String, Parameter> params) {
      this.params = params;
      return this;
    }

    /**
     * Sets the partition of the parameters into groups (required).
     *
     * @param groups the groups
     * @return this builder
     */
    public Builder setGroups(ParamGroups groups) {
      this.groups = groups;
      return this;
    }

    /**
     * Sets the stages (required).
     *
     * @param stages in order
     * @return this builder
     */
    public Builder setStages(List<StagePlan> stages) {
      this.stages = stages;
      return this;
    }

    /**
     * Sets the update rule (required).
     *
     * @param rule the rule
     * @return this builder
     */
    public Builder setRule(UpdateRule rule) {
      this.rule = rule;
      return this;
    }

    /**
     * Sets the per-parameter hyper-parameters (required).
     *
     * @param hyper by parameter name
     * @return this builder
     */
    public Builder setHyper(Map<String, GroupHyper> hyper) {
      this.hyper = hyper;
      return this;
    }

    /**
     * Sets the task: loss and metrics (required).
     *
     * @param task e.g. {@code new ClassificationTask(classes)}
     * @return this builder
     */
    public Builder setTask(Task task) {
      this.task = task;
      return this;
    }

    /**
     * Sets whether the training examples are shuffled each epoch (default true; seeded).
     *
     * @param shuffle whether to
     * @return this builder
     */
    public Builder optShuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /**
     * Sets the training split (required).
     *
     * @param train the split
     * @return this builder
     */
    public Builder setTrain(Batches train) {
      this.train = train;
      return this;
    }

    /**
     * Sets the lr schedule (default constant).
     *
     * @param schedule the schedule
     * @param perStage progress restarts in each stage
     * @return this builder
     */
    public Builder optSchedule(Schedule schedule, boolean perStage) {
      this.schedule = schedule;
      this.schedulePerStage = perStage;
      return this;
    }

    /**
     * Drops a group's optimizer state when it starts training again (default: kept).
     *
     * @param reset whether to
     * @return this builder
     */
    public Builder optResetStateOnUnfreeze(boolean reset) {
      this.resetStateOnUnfreeze = reset;
      return this;
    }

    /**
     * Sets parameters that never train (default none).
     *
     * @param pinned names
     * @return this builder
     */
    public Builder optPinned(Set<String> pinned) {
      this.pinned = pinned;
      return this;
    }

    /**
     * Sets gradient clipping (default off).
     *
     * @param globalNorm clip to this global L2 norm (0 = off)
     * @param value clamp to [-v, v] (0 = off)
     * @return this builder
     */
    public Builder optClip(double globalNorm, double value) {
      this.clipNorm = globalNorm;
      this.clipValue = value;
      return this;
    }

    /**
     * Sets the validation split (default none).
     *
     * @param valid the split, or null
     * @return this builder
     */
    public Builder optValid(Batches valid) {
      this.valid = valid;
      return this;
    }

    /**
     * Sets the test split (default none).
     *
     * @param test the split, or null
     * @return this builder
     */
    public Builder optTest(Batches test) {
      this.test = test;
      return this;
    }

    /**
     * Sets examples per batch (default 16).
     *
     * @param batchSize at least 1
     * @return this builder
     */
    public Builder optBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Sets the seed of the data order (default 42).
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Sets whether to evaluate on the validation split after every epoch (default true).
     *
     * @param evalEveryEpoch whether to
     * @return this builder
     */
    public Builder optEvalEveryEpoch(boolean evalEveryEpoch) {
      this.evalEveryEpoch = evalEveryEpoch;
      return this;
    }

    /**
     * Sets the diagnostics period in steps (default 10).
     *
     * @param every at least 1
     * @return this builder
     */
    public Builder optEvery(int every) {
      this.every = every;
      return this;
    }

    /**
     * Sets the warning detector (default: {@code new WarningDetector()}).
     *
     * @param warnings the detector
     * @return this builder
     */
    public Builder optWarnings(WarningDetector warnings) {
      this.warnings = warnings;
      return this;
    }

    /**
     * Sets the metric sinks (default none).
     *
     * @param sinks the sinks
     * @return this builder
     */
    public Builder optSinks(List<MetricsSink> sinks) {
      this.sinks = sinks;
      return this;
    }

    /**
     * Sets the norm-statistics policy (default none: the model has no running statistics).
     *
     * @param norms the policy, or null
     * @return this builder
     */
    public Builder optNorms(NormSetup norms) {
      this.norms = norms;
      return this;
    }

    /**
     * Sets when the run counts as failed (default {@link FaultPolicy#DEFAULT}).
     *
     * @param faults the policy
     * @return this builder
     */
    public Builder optFaults(FaultPolicy faults) {
      this.faults = faults;
      return this;
    }

    /**
     * Sets checkpointing (default none), and the checkpoint to resume from.
     *
     * @param checkpoints the policy
     * @return this builder
     */
    public Builder optCheckpoints(CheckpointPolicy checkpoints) {
      this.checkpoints = checkpoints;
      return this;
    }

    /**
     * Builds the setup.
     *
     * @return the setup
     * @throws IllegalStateException naming every required part that was not set
     */
    public TrainSetup build() {
      List<String> missing = new ArrayList<>();
      if (block == null) {
        missing.add("block");
      }
      if (params == null) {
        missing.add("params");
      }
      if (groups == null) {
        missing.add("groups");
      }
      if (stages == null) {
        missing.add("stages");
      }
      if (rule == null) {
        missing.add("rule");
      }
      if (hyper == null) {
        missing.add("hyper");
      }
      if (train == null) {
        missing.add("train");
      }
      if (task == null) {
        missing.add("task");
      }
      if (!missing.isEmpty()) {
        throw new IllegalStateException("TrainSetup: required parts not set: " + missing);
      }
      if (accumulate < 1) {
        throw new IllegalArgumentException("accumulate must be >= 1, got " + accumulate);
      }
      if (earlyStopping != null && (valid == null || !evalEveryEpoch)) {
        throw new IllegalStateException(
            "early stopping needs a validation split evaluated after every epoch");
      }
      return new TrainSetup(
          block,
          params,
          groups,
          stages,
          rule,
          hyper,
          schedule,
          schedulePerStage,
          resetStateOnUnfreeze,
          pinned,
          clipNorm,
          clipValue,
          train,
          valid,
          test,
          batchSize,
          seed,
          evalEveryEpoch,
          every,
          warnings == null ? new WarningDetector() : warnings,
          sinks,
          norms,
          faults,
          task,
          shuffle,
          checkpoints,
          accumulate,
          earlyStopping,
          maxSteps,
          stopWhen,
          featureCache);
    }
  }
}
