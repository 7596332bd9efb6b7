package io.github.finetune4j.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Declarative unfreezing policies expanded into explicit stages. Groups are given bottom to top.
 * Every group stays registered for the whole run; a stage only says which train and how fast.
 */
public final class Unfreezing {
  private Unfreezing() {}

  /**
   * ULMFiT gradual unfreezing: the top group trains first, then one more group (top down) joins
   * every {@code every} epochs; once all train, {@code finalEpochs} more epochs.
   *
   * @param groups group names, bottom to top
   * @param every epochs per stage while unfreezing
   * @param finalEpochs epochs of the last stage (all groups)
   * @return stages
   */
  public static List<StagePlan> gradual(List<String> groups, int every, int finalEpochs) {
    positive("every", every);
    positive("final_epochs", finalEpochs);
    List<StagePlan> out = new ArrayList<>();
    int n = groups.size();
    for (int k = 1; k <= n; k++) {
      out.add(new StagePlan(k == n ? finalEpochs : every, groups.subList(n - k, n), Map.of()));
    }
    return out;
  }

  /**
   * Unfreeze {@code late} groups at 1-based epoch {@code epoch}; their lr multiplier starts at
   * {@code warmupFrom} and grows by {@code grow} per epoch, capped at 1 (Lightning's
   * BackboneFinetuning). Epochs with the same multipliers are merged into one stage.
   *
   * @param groups group names, bottom to top
   * @param late the groups frozen until {@code epoch}
   * @param epoch first epoch in which they train (1-based, at least 2)
   * @param warmupFrom initial multiplier, in (0, 1]
   * @param grow growth per epoch, at least 1
   * @param epochs total epochs
   * @return stages
   */
  public static List<StagePlan> at(
      List<String> groups,
      List<String> late,
      int epoch,
      double warmupFrom,
      double grow,
      int epochs) {
    if (epoch < 2 || epoch > epochs) {
      throw new IllegalArgumentException(
          "epoch must be in [2, epochs=" + epochs + "], got " + epoch);
    }
    if (!(warmupFrom > 0 && warmupFrom <= 1)) {
      throw new IllegalArgumentException("warmup_from must be in (0, 1], got " + warmupFrom);
    }
    if (!(grow >= 1)) {
      throw new IllegalArgumentException("grow must be at least 1, got " + grow);
    }
    List<String> early = groups.stream().filter(g -> !late.contains(g)).toList();
    List<StagePlan> out = new ArrayList<>();
    out.add(new StagePlan(epoch - 1, early, Map.of()));
    double mult = warmupFrom;
    for (int e = epoch; e <= epochs; e++) {
      Map<String, Double> scale = new LinkedHashMap<>();
      for (String g : late) {
        scale.put(g, mult);
      }
      StagePlan last = out.get(out.size() - 1);
      if (last.trainable().size() == groups.size() && last.lrScale().equals(scale)) {
        out.set(out.size() - 1, new StagePlan(last.epochs() + 1, last.trainable(), scale));
      } else {
        out.add(new StagePlan(1, groups, scale));
      }
      mult = Math.min(1.0, mult * grow);
    }
    return out;
  }

  /**
   * LP-FT: train only the probe groups, then every group.
   *
   * @param groups group names, bottom to top
   * @param probe the probe groups (the head)
   * @param probeEpochs epochs of probing
   * @param finetuneEpochs epochs of full fine-tuning
   * @return two stages
   */
  public static List<StagePlan> lpFt(
      List<String> groups, List<String> probe, int probeEpochs, int finetuneEpochs) {
    positive("probe_epochs", probeEpochs);
    positive("finetune_epochs", finetuneEpochs);
    List<String> ordered = groups.stream().filter(probe::contains).toList();
    return List.of(
        new StagePlan(probeEpochs, ordered, Map.of()),
        new StagePlan(finetuneEpochs, groups, Map.of()));
  }

  /**
   * fastai {@code fine_tune}: the top group alone for {@code frozenEpochs}, then every group with
   * multipliers spread geometrically from {@code 1/lrMult} (bottom) to 1 (top).
   *
   * @param groups group names, bottom to top
   * @param frozenEpochs epochs of the first stage
   * @param epochs epochs of the second stage
   * @param lrMult top/bottom lr ratio, at least 1
   * @return two stages
   */
  public static List<StagePlan> fineTune(
      List<String> groups, int frozenEpochs, int epochs, double lrMult) {
    positive("frozen_epochs", frozenEpochs);
    positive("epochs", epochs);
    if (!(lrMult >= 1)) {
      throw new IllegalArgumentException("lr_mult must be at least 1, got " + lrMult);
    }
    Map<String, Double> scale = new LinkedHashMap<>();
    int n = groups.size();
    double[] mult = n == 1 ? new double[] {1.0} : LrSpread.geometric(n, 1.0 / lrMult, 1.0);
    for (int i = 0; i < n; i++) {
      scale.put(groups.get(i), mult[i]);
    }
    return List.of(
        new StagePlan(frozenEpochs, List.of(groups.get(n - 1)), Map.of()),
        new StagePlan(epochs, groups, scale));
  }

  private static void positive(String what, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(what + " must be at least 1, got " + v);
    }
  }
}
