/**
 * Parameter names and groups: dotted, PyTorch-style names for every parameter of a DJL block tree
 * ({@link io.github.finetune4j.params.ParameterNames}), name rules (globs and {@code re:} regexes),
 * and {@link io.github.finetune4j.params.ParamGroups}, a checked partition in which every trainable
 * parameter belongs to exactly one group.
 */
package io.github.finetune4j.params;
