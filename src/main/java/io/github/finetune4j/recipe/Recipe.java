package io.github.finetune4j.recipe;

import java.util.List;

/**
 * A fine-tuning recipe: immutable, validated data. Only the {@code pipeline} package turns it into
 * objects.
 *
 * @param description free text
 * @param model the pre-trained network
 * @param head the new task head
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
    @Required @Doc("The new task head.") HeadSpec head,
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
    groups = groups == null ? null : List.copyOf(groups);
    stages = stages == null ? null : List.copyOf(stages);
    schedule = schedule == null ? new ScheduleSpec(null, null, null, null, null, null, null, null, null, null, null, null) : schedule;
    monitor = monitor == null ? new MonitorSpec(null, null, null) : monitor;
    train = train == null ? new TrainSpec(null, null, null) : train;
  }
}
