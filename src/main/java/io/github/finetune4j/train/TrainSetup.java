package io.github.finetune4j.train;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.WarningDetector;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.optim.UpdateRule;
import io.github.finetune4j.params.ParamGroups;
import io.github.finetune4j.policy.Schedule;
import io.github.finetune4j.policy.StagePlan;
import java.util.List;
import java.util.Map;

/**
 * Everything the loop needs, already resolved from a recipe by the pipeline.
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
    java.util.Set<String> pinned,
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
    NormSetup norms) {}
