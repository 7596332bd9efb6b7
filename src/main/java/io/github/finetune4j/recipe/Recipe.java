package io.github.finetune4j.recipe;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A fine-tuning recipe: immutable, validated data. Only the {@code pipeline} package turns it into
 * objects.
 *
 * @param description free text
 * @param model the pre-trained network
 * @param head the new task head
 * @param task what the network is trained to do
 * @param data datasets
 * @param groups parameter groups, bottom to top
 * @param stages training stages
 * @param unfreeze declarative unfreezing, expanded into stages
 * @param optimizer update rule
 * @param schedule learning-rate schedule
 * @param monitor diagnostics and sinks
 * @param train run settings
 * @param output run directory
 */
@Doc("A Finetune4J recipe.")
public record Recipe(
    @Doc("Free text describing the recipe.") String description,
    @Required @Doc("The pre-trained network.") ModelSpec model,
    @Required @Doc("The task head: a new classifier, or the model's own output.") HeadSpec head,
    @Doc("What the network is trained to do (default classification).") TaskSpec task,
    @Required @Doc("Datasets and batching.") DataSpec data,
    @Required
        @Doc("Parameter groups, ordered bottom to top; every parameter must be in exactly one.")
        List<GroupSpec> groups,
    @Doc("Training stages, run in order (give this or `unfreeze`).") List<StageSpec> stages,
    @Doc("Declarative unfreezing policy, expanded into stages (give this or `stages`).")
        UnfreezeSpec unfreeze,
    @Required @Doc("Update rule.") OptimizerSpec optimizer,
    @Doc("Learning-rate schedule (default constant).") ScheduleSpec schedule,
    @Doc("Monitoring of weight updates and metric sinks.") MonitorSpec monitor,
    @Doc("Run-wide settings.") TrainSpec train,
    @Required @Doc("Run directory.") OutputSpec output) {

  /** Applies defaults. */
  public Recipe {
    task = task == null ? new ClassificationTaskSpec() : task;
    groups = groups == null ? null : List.copyOf(groups);
    stages = stages == null ? null : List.copyOf(stages);
    schedule =
        schedule == null
            ? new ScheduleSpec(
                null, null, null, null, null, null, null, null, null, null, null, null)
            : schedule;
    monitor = monitor == null ? new MonitorSpec(null, null, null) : monitor;
    train = train == null ? TrainSpec.builder().build() : train;
  }

  /**
   * This recipe with another model section (e.g. the same policy on another checkpoint); validate
   * the result with {@code FineTune.validate}.
   *
   * @param other the model section
   * @return a new recipe
   */
  public Recipe withModel(ModelSpec other) {
    return new Recipe(
        description,
        other,
        head,
        task,
        data,
        groups,
        stages,
        unfreeze,
        optimizer,
        schedule,
        monitor,
        train,
        output);
  }

  /**
   * This recipe writing to another output section.
   *
   * @param other the output section
   * @return a new recipe
   */
  public Recipe withOutput(OutputSpec other) {
    return new Recipe(
        description,
        model,
        head,
        task,
        data,
        groups,
        stages,
        unfreeze,
        optimizer,
        schedule,
        monitor,
        train,
        other);
  }

  /**
   * Starts a builder: the Java equivalent of a recipe file.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts a builder of a <em>policy</em>: only the sections that say how a model is fine-tuned
   * (groups, stages or an unfreezing policy, optimizer, schedule, monitor, train, output, and the
   * batch size and shuffling of the data), for a block, datasets and task given in Java ({@code
   * pipeline.FineTuning}) — the Java equivalent of a policy file ({@link RecipeReader#readPolicy}).
   * Its model, head, task and data splits are the same placeholders a policy file gets, never read;
   * check it with {@code FineTuning.validatePolicy} (or {@link RecipeReader#checkPolicy}).
   *
   * @return a new policy builder
   */
  public static PolicyBuilder policyBuilder() {
    return new PolicyBuilder();
  }

  /** Placeholder model of a policy (never read). */
  static final ModelSpec POLICY_MODEL =
      BertOnnxModel.builder().optBundled("all-minilm-l6-v2").build();

  /** Placeholder head of a policy (never read). */
  static final HeadSpec POLICY_HEAD = HeadSpec.builder().optClasses("class 0", "class 1").build();

  /** Placeholder training split of a policy (never read, and its path never checked). */
  static final SourceSpec POLICY_TRAIN =
      TextJsonlSplit.builder().setPath("(the datasets are given in Java)").build();

  /**
   * A builder pre-filled with this recipe's sections, defaults included, so that {@code
   * recipe.toBuilder().optSchedule(...).build()} is this recipe with one section changed (as DJL's
   * {@code Criteria.toBuilder()}). {@code toBuilder().build()} equals this recipe.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.description = description;
    b.model = model;
    b.head = head;
    b.task = task;
    b.data = data;
    b.groups = groups == null ? null : new ArrayList<>(groups);
    b.stages = stages == null ? null : new ArrayList<>(stages);
    b.unfreeze = unfreeze;
    b.optimizer = optimizer;
    b.schedule = schedule;
    b.monitor = monitor;
    b.train = train;
    b.output = output;
    return b;
  }

  /** Builds a {@link Recipe}; {@code setX} for required fields, {@code optX} for optional ones. */
  public static final class Builder {
    private String description;
    private ModelSpec model;
    private HeadSpec head;
    private TaskSpec task;
    private DataSpec data;
    private List<GroupSpec> groups;
    private List<StageSpec> stages;
    private UnfreezeSpec unfreeze;
    private OptimizerSpec optimizer;
    private ScheduleSpec schedule;
    private MonitorSpec monitor;
    private TrainSpec train;
    private OutputSpec output;

    private Builder() {}

    /**
     * Sets the free-text description.
     *
     * @param description the text
     * @return this builder
     */
    public Builder optDescription(String description) {
      this.description = description;
      return this;
    }

    /**
     * Sets the pre-trained network (required).
     *
     * @param model the model
     * @return this builder
     */
    public Builder setModel(ModelSpec model) {
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /**
     * Sets the new task head (required).
     *
     * @param head the head
     * @return this builder
     */
    public Builder setHead(HeadSpec head) {
      this.head = Objects.requireNonNull(head, "head");
      return this;
    }

    /**
     * Sets what the network is trained to do (default classification).
     *
     * @param task the task
     * @return this builder
     */
    public Builder optTask(TaskSpec task) {
      this.task = task;
      return this;
    }

    /**
     * Sets the datasets and batching (required).
     *
     * @param data the data
     * @return this builder
     */
    public Builder setData(DataSpec data) {
      this.data = Objects.requireNonNull(data, "data");
      return this;
    }

    /**
     * Sets the parameter groups, bottom to top (required), replacing any added before.
     *
     * @param groups the groups
     * @return this builder
     */
    public Builder setGroups(List<GroupSpec> groups) {
      this.groups = new ArrayList<>(Objects.requireNonNull(groups, "groups"));
      return this;
    }

    /**
     * Sets the parameter groups, bottom to top (required), replacing any added before.
     *
     * @param groups the groups
     * @return this builder
     */
    public Builder setGroups(GroupSpec... groups) {
      return setGroups(List.of(groups));
    }

    /**
     * Appends a parameter group above those added so far.
     *
     * @param group the group
     * @return this builder
     */
    public Builder addGroup(GroupSpec group) {
      if (groups == null) {
        groups = new ArrayList<>();
      }
      groups.add(Objects.requireNonNull(group, "group"));
      return this;
    }

    /**
     * Sets the training stages, replacing any added before (give these or an unfreeze policy).
     *
     * @param stages the stages, in order
     * @return this builder
     */
    public Builder optStages(List<StageSpec> stages) {
      this.stages = stages == null ? null : new ArrayList<>(stages);
      return this;
    }

    /**
     * Sets the training stages, replacing any added before (give these or an unfreeze policy).
     *
     * @param stages the stages, in order
     * @return this builder
     */
    public Builder optStages(StageSpec... stages) {
      return optStages(List.of(stages));
    }

    /**
     * Appends a training stage after those added so far.
     *
     * @param stage the stage
     * @return this builder
     */
    public Builder addStage(StageSpec stage) {
      if (stages == null) {
        stages = new ArrayList<>();
      }
      stages.add(Objects.requireNonNull(stage, "stage"));
      return this;
    }

    /**
     * Sets a declarative unfreezing policy, expanded into stages (instead of stages).
     *
     * @param unfreeze the policy
     * @return this builder
     */
    public Builder optUnfreeze(UnfreezeSpec unfreeze) {
      this.unfreeze = unfreeze;
      return this;
    }

    /**
     * Sets the update rule (required).
     *
     * @param optimizer the optimizer
     * @return this builder
     */
    public Builder setOptimizer(OptimizerSpec optimizer) {
      this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
      return this;
    }

    /**
     * Sets the learning-rate schedule (default constant).
     *
     * @param schedule the schedule
     * @return this builder
     */
    public Builder optSchedule(ScheduleSpec schedule) {
      this.schedule = schedule;
      return this;
    }

    /**
     * Sets monitoring and metric sinks.
     *
     * @param monitor the monitor settings
     * @return this builder
     */
    public Builder optMonitor(MonitorSpec monitor) {
      this.monitor = monitor;
      return this;
    }

    /**
     * Sets run-wide settings (seed, threads).
     *
     * @param train the settings
     * @return this builder
     */
    public Builder optTrain(TrainSpec train) {
      this.train = train;
      return this;
    }

    /**
     * Sets the run directory (required).
     *
     * @param output the output settings
     * @return this builder
     */
    public Builder setOutput(OutputSpec output) {
      this.output = Objects.requireNonNull(output, "output");
      return this;
    }

    /**
     * Builds the recipe, with defaults filled in. Types only: semantic checks (references between
     * sections, ranges, files) are run by {@code FineTune.validate}.
     *
     * @return the recipe
     * @throws IllegalStateException naming every required field that was not set
     */
    public Recipe build() {
      BuilderChecks.requireSet(
          "Recipe",
          "model",
          model,
          "head",
          head,
          "data",
          data,
          "groups",
          groups,
          "optimizer",
          optimizer,
          "output",
          output);
      return new Recipe(
          description,
          model,
          head,
          task,
          data,
          groups,
          stages,
          unfreeze,
          optimizer,
          schedule,
          monitor,
          train,
          output);
    }
  }

  /**
   * Builds a policy ({@link #policyBuilder()}): a {@link Recipe} without model, head, task and data
   * splits of its own; {@code setX} for required sections, {@code optX} for optional ones.
   */
  public static final class PolicyBuilder {
    private final Builder b = new Builder();
    private Integer batchSize;
    private Boolean shuffle;

    private PolicyBuilder() {}

    /**
     * Sets the free-text description.
     *
     * @param description the text
     * @return this builder
     */
    public PolicyBuilder optDescription(String description) {
      b.optDescription(description);
      return this;
    }

    /**
     * Sets the examples per batch ({@code data.batch_size}, default 16).
     *
     * @param batchSize the batch size
     * @return this builder
     */
    public PolicyBuilder optBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Sets whether the training examples are shuffled every epoch ({@code data.shuffle}, default
     * true).
     *
     * @param shuffle the value
     * @return this builder
     */
    public PolicyBuilder optShuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /**
     * Sets the parameter groups, bottom to top (required), replacing any added before.
     *
     * @param groups the groups
     * @return this builder
     */
    public PolicyBuilder setGroups(List<GroupSpec> groups) {
      b.setGroups(groups);
      return this;
    }

    /**
     * Sets the parameter groups, bottom to top (required), replacing any added before.
     *
     * @param groups the groups
     * @return this builder
     */
    public PolicyBuilder setGroups(GroupSpec... groups) {
      b.setGroups(groups);
      return this;
    }

    /**
     * Appends a parameter group above those added so far.
     *
     * @param group the group
     * @return this builder
     */
    public PolicyBuilder addGroup(GroupSpec group) {
      b.addGroup(group);
      return this;
    }

    /**
     * Sets the training stages, replacing any added before (give these or an unfreeze policy).
     *
     * @param stages the stages, in order
     * @return this builder
     */
    public PolicyBuilder optStages(List<StageSpec> stages) {
      b.optStages(stages);
      return this;
    }

    /**
     * Sets the training stages, replacing any added before (give these or an unfreeze policy).
     *
     * @param stages the stages, in order
     * @return this builder
     */
    public PolicyBuilder optStages(StageSpec... stages) {
      b.optStages(stages);
      return this;
    }

    /**
     * Appends a training stage after those added so far.
     *
     * @param stage the stage
     * @return this builder
     */
    public PolicyBuilder addStage(StageSpec stage) {
      b.addStage(stage);
      return this;
    }

    /**
     * Sets a declarative unfreezing policy, expanded into stages (instead of stages).
     *
     * @param unfreeze the policy
     * @return this builder
     */
    public PolicyBuilder optUnfreeze(UnfreezeSpec unfreeze) {
      b.optUnfreeze(unfreeze);
      return this;
    }

    /**
     * Sets the update rule (required).
     *
     * @param optimizer the optimizer
     * @return this builder
     */
    public PolicyBuilder setOptimizer(OptimizerSpec optimizer) {
      b.setOptimizer(optimizer);
      return this;
    }

    /**
     * Sets the learning-rate schedule (default constant).
     *
     * @param schedule the schedule
     * @return this builder
     */
    public PolicyBuilder optSchedule(ScheduleSpec schedule) {
      b.optSchedule(schedule);
      return this;
    }

    /**
     * Sets monitoring and sinks.
     *
     * @param monitor the settings
     * @return this builder
     */
    public PolicyBuilder optMonitor(MonitorSpec monitor) {
      b.optMonitor(monitor);
      return this;
    }

    /**
     * Sets the run-wide settings (seed, precision, early stopping, ...).
     *
     * @param train the settings
     * @return this builder
     */
    public PolicyBuilder optTrain(TrainSpec train) {
      b.optTrain(train);
      return this;
    }

    /**
     * Sets the run directory (required).
     *
     * @param output the output settings
     * @return this builder
     */
    public PolicyBuilder setOutput(OutputSpec output) {
      b.setOutput(output);
      return this;
    }

    /**
     * Builds the policy, with defaults filled in and the placeholders a policy file gets. Types
     * only: check it with {@code FineTuning.validatePolicy}.
     *
     * @return the policy
     * @throws IllegalStateException naming every required section that was not set
     */
    public Recipe build() {
      DataSpec.Builder data = DataSpec.builder().setTrain(POLICY_TRAIN);
      if (batchSize != null) {
        data.optBatchSize(batchSize);
      }
      if (shuffle != null) {
        data.optShuffle(shuffle);
      }
      return b.setModel(POLICY_MODEL).setHead(POLICY_HEAD).setData(data.build()).build();
    }
  }
}
