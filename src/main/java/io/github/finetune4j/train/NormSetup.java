package io.github.finetune4j.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.github.finetune4j.model.NormLayers;
import io.github.finetune4j.params.ParamGroups;
import io.github.finetune4j.policy.NormMode;
import io.github.finetune4j.policy.StagePlan;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The norm-statistics policy of a run: the model's layers with running statistics, the group each
 * belongs to and its {@link NormMode}.
 *
 * @param layers the layers, attached to the model
 * @param groupOf group name per layer name
 * @param modeOf mode per layer name
 */
public record NormSetup(
    NormLayers layers, Map<String, String> groupOf, Map<String, NormMode> modeOf) {

  /** Copies the maps. */
  public NormSetup {
    groupOf = Map.copyOf(groupOf);
    modeOf = Map.copyOf(modeOf);
    for (NormLayers.Layer l : layers.layers()) {
      if (!groupOf.containsKey(l.name()) || !modeOf.containsKey(l.name())) {
        throw new IllegalArgumentException("layer " + l.name() + " has no group or no norm mode");
      }
    }
  }

  /**
   * Places each layer in the group of its affine parameters and gives it its group's mode.
   *
   * @param layers the layers
   * @param groups the partition of the trainable parameters
   * @param modeOfGroup the norm mode of each group
   * @return the setup
   * @throws IllegalArgumentException for a layer without affine parameters (no group to derive)
   */
  public static NormSetup byAffine(
      NormLayers layers, ParamGroups groups, Function<String, NormMode> modeOfGroup) {
    Map<String, String> g = new LinkedHashMap<>();
    Map<String, NormMode> m = new LinkedHashMap<>();
    for (NormLayers.Layer l : layers.layers()) {
      if (l.affine().isEmpty()) {
        throw new IllegalArgumentException(
            "layer "
                + l.name()
                + " has no weight or bias, so its"
                + " group cannot be derived from them; give its group explicitly");
      }
      String group = groups.groupOf(l.affine().get(0)).name();
      g.put(l.name(), group);
      m.put(l.name(), modeOfGroup.apply(group));
    }
    return new NormSetup(layers, g, m);
  }

  /**
   * The layers whose statistics stay fixed in a stage.
   *
   * @param stage the stage
   * @return layer names
   */
  public Set<String> fixedIn(StagePlan stage) {
    Set<String> out = new LinkedHashSet<>();
    for (NormLayers.Layer l : layers.layers()) {
      if (modeOf.get(l.name()).statisticsFixed(stage.trainable().contains(groupOf.get(l.name())))) {
        out.add(l.name());
      }
    }
    return out;
  }

  /**
   * The layers to re-estimate before training.
   *
   * @return layer names
   */
  public Set<String> recalibrated() {
    Set<String> out = new LinkedHashSet<>();
    modeOf.forEach(
        (layer, mode) -> {
          if (mode == NormMode.RECALIBRATE) {
            out.add(layer);
          }
        });
    return out;
  }

  /**
   * The affine parameters that never train ({@link NormMode#FREEZE_ALL} layers).
   *
   * @return parameter names
   */
  public Set<String> pinnedAffine() {
    Set<String> out = new LinkedHashSet<>();
    for (NormLayers.Layer l : layers.layers()) {
      if (modeOf.get(l.name()).pinsAffine()) {
        out.addAll(l.affine());
      }
    }
    return out;
  }

  /**
   * What cannot be honoured, stage by stage (empty when everything can).
   *
   * @param stages the stages
   * @param groups the partition of the trainable parameters
   * @param pinned parameters that never train
   * @return problems, one sentence each
   */
  public List<String> check(List<StagePlan> stages, ParamGroups groups, Set<String> pinned) {
    List<Set<String>> fixed = new ArrayList<>();
    List<Set<String>> training = new ArrayList<>();
    for (StagePlan st : stages) {
      fixed.add(fixedIn(st));
      Set<String> t = new LinkedHashSet<>();
      groups.groups().stream()
          .filter(g -> st.trainable().contains(g.name()))
          .forEach(g -> g.members().stream().filter(p -> !pinned.contains(p)).forEach(t::add));
      training.add(t);
    }
    return layers.check(fixed, training, recalibrated());
  }

  /**
   * Checks that every layer with running statistics is reached by a forward pass (one inference
   * pass over the first batch: nothing changes), then re-estimates the statistics of the layers in
   * {@code recalibrate} mode: one pass over the training split in training mode without gradients,
   * every other layer's statistics fixed. Runs once, before a run's first step.
   *
   * @param block the model
   * @param train the training split
   * @param batchSize examples per forward pass
   * @param store the parameter store forward passes use
   * @param manager the manager the batches' temporaries are made under
   */
  void prepare(Block block, Batches train, int batchSize, ParameterStore store, NDManager manager) {
    if (layers.layers().isEmpty() || train.size() == 0) {
      return;
    }
    layers.clearReached();
    int[] first = Indices.range(0, Math.min(batchSize, train.size()));
    try (NDScope scope = new NDScope();
        NDManager sm = manager.newSubManager()) {
      block.forward(store, train.inputs(sm, first), false);
    }
    List<String> unreached = layers.unreached();
    if (!unreached.isEmpty()) {
      throw new IllegalStateException(
          "the norm policy cannot act on BatchNorm layers "
              + unreached
              + ": a forward pass does not go through them as children of their parent block");
    }
    Set<String> recal = recalibrated();
    if (recal.isEmpty()) {
      return;
    }
    Set<String> others = new HashSet<>();
    layers.layers().forEach(l -> others.add(l.name()));
    others.removeAll(recal);
    layers.fixStatistics(others);
    layers.beginRecalibration(recal);
    for (int b = 0; b < train.size(); b += batchSize) {
      int[] idx = Indices.range(b, Math.min(b + batchSize, train.size()));
      try (NDScope scope = new NDScope();
          NDManager sm = manager.newSubManager()) {
        block.forward(store, train.inputs(sm, idx), true);
      }
    }
    layers.endRecalibration();
  }
}
