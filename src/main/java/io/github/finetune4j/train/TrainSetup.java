package io.github.finetune4j.train;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.WarningDetector;
import io.github.finetune4j.params.ParamGroups;
import java.util.List;
import java.util.Map;

/**
 * Everything the loop needs, already resolved from a recipe by the pipeline.
 *
 * @param block the model: {@code (inputIds, attentionMask) -> logits}
 * @param params every parameter by dotted name
 * @param groups the partition of parameters into groups
 * @param stages stages in order
 * @param groupLr base learning rate per group
 * @param weightDecay decay per parameter (0 for excluded parameters)
 * @param decoupledDecay AdamW-style decay when true, L2 added to the gradient when false
 * @param beta1 Adam beta1
 * @param beta2 Adam beta2
 * @param eps Adam epsilon
 * @param train training split
 * @param valid validation split or null
 * @param test test split or null
 * @param batchSize examples per batch
 * @param seed seed of the data order
 * @param evalEveryEpoch evaluate on {@code valid} after each epoch
 * @param logEvery diagnostics period in steps
 * @param warnings detector of training-health warnings
 * @param sinks metric sinks
 */
public record TrainSetup(
    Block block,
    Map<String, Parameter> params,
    ParamGroups groups,
    List<Stage> stages,
    Map<String, Double> groupLr,
    Map<String, Double> weightDecay,
    boolean decoupledDecay,
    double beta1,
    double beta2,
    double eps,
    TextBatches train,
    TextBatches valid,
    TextBatches test,
    int batchSize,
    long seed,
    boolean evalEveryEpoch,
    int logEvery,
    WarningDetector warnings,
    List<MetricsSink> sinks) {}
