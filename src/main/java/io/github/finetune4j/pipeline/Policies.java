package io.github.finetune4j.pipeline;

import io.github.finetune4j.optim.Adam;
import io.github.finetune4j.optim.AdamW;
import io.github.finetune4j.optim.DecayMode;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.optim.RmsProp;
import io.github.finetune4j.optim.Sgd;
import io.github.finetune4j.optim.UpdateRule;
import io.github.finetune4j.policy.LrSpread;
import io.github.finetune4j.policy.OneCycle;
import io.github.finetune4j.policy.Schedule;
import io.github.finetune4j.policy.StagePlan;
import io.github.finetune4j.policy.Unfreezing;
import io.github.finetune4j.recipe.GroupSpec;
import io.github.finetune4j.recipe.OptimizerSpec;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.ScheduleSpec;
import io.github.finetune4j.recipe.UnfreezeSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates the optimizer and schedule sections of a recipe into policy and optim objects. The
 * recipe is validated: a kind outside the closed set its field allows is a programming error
 * ({@link IllegalStateException}), never silently read as some other kind.
 */
final class Policies {
  private Policies() {}

  static UpdateRule rule(OptimizerSpec o) {
    return switch (o.type()) {
      case "sgd" -> new Sgd(o.momentum(), o.dampening(), o.nesterov());
      case "adam" -> new Adam(o.beta1(), o.beta2(), o.eps(), o.amsgrad());
      case "rmsprop" -> new RmsProp(o.alpha(), o.eps(), o.momentum(), o.centered());
      case "adamw" -> new AdamW(o.beta1(), o.beta2(), o.eps(), o.amsgrad());
      default -> throw unknown("optimizer type", o.type());
    };
  }

  /** Base learning rate per group, bottom to top: spread, then per-group overrides. */
  static Map<String, Double> groupLr(Recipe r) {
    OptimizerSpec o = r.optimizer();
    int n = r.groups().size();
    double[] lr = new double[n];
    if (o.spread() != null) {
      lr = LrSpread.geometric(n, o.spread().get(0), o.spread().get(1));
    } else {
      double[] mult =
          o.discriminative() != null
              ? LrSpread.discriminative(n, o.discriminative().factor())
              : o.layerDecay() != null
                  ? LrSpread.layerDecay(n, o.layerDecay())
                  : LrSpread.discriminative(n, 1.0);
      for (int i = 0; i < n; i++) {
        lr[i] = o.lr() * mult[i];
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      GroupSpec g = r.groups().get(i);
      out.put(g.name(), g.lr() != null ? g.lr() : lr[i]);
    }
    return out;
  }

  /** Groups that L2-SP pulls toward w0: as listed, or every group but the top one (the head). */
  static List<String> l2spGroups(Recipe r) {
    var reg = r.optimizer().regularizer();
    if (reg == null || reg.l2sp() == 0) {
      return List.of();
    }
    if (reg.l2spGroups() != null) {
      return reg.l2spGroups();
    }
    return r.groups().subList(0, r.groups().size() - 1).stream().map(GroupSpec::name).toList();
  }

  static GroupHyper hyper(Recipe r, PlanRow row, double lr) {
    OptimizerSpec o = r.optimizer();
    GroupHyper h = GroupHyper.of(lr);
    if (row.weightDecay() > 0) {
      h =
          h.withWeightDecay(
              row.weightDecay(), decayMode("weight_decay mode", o.weightDecay().mode()));
    }
    var reg = o.regularizer();
    if (reg != null && reg.l1() > 0) {
      h = h.withL1(reg.l1());
    }
    if (row.l2sp() > 0) {
      h = h.withL2sp(row.l2sp(), decayMode("regularizer l2sp_mode", reg.l2spMode()));
    }
    return h;
  }

  /** A recipe's {@code coupled} / {@code decoupled} as the optim enum. */
  private static DecayMode decayMode(String what, String mode) {
    return switch (mode) {
      case "coupled" -> DecayMode.COUPLED;
      case "decoupled" -> DecayMode.DECOUPLED;
      default -> throw unknown(what, mode);
    };
  }

  /** The recipe's stages: listed, or expanded from its unfreezing policy. */
  static List<StagePlan> stages(Recipe r) {
    List<String> groups = r.groups().stream().map(GroupSpec::name).toList();
    UnfreezeSpec u = r.unfreeze();
    if (u == null) {
      return r.stages().stream()
          .map(
              st ->
                  new StagePlan(
                      st.epochs(),
                      groups.stream().filter(st.train()::contains).toList(),
                      st.lrScale()))
          .toList();
    }
    if (u.gradual() != null) {
      return switch (u.gradual().order()) {
        case "top_down" ->
            Unfreezing.gradual(groups, u.gradual().every(), u.gradual().finalEpochs());
        default -> throw unknown("gradual unfreezing order", u.gradual().order());
      };
    }
    if (u.at() != null) {
      var a = u.at();
      return Unfreezing.at(groups, a.groups(), a.epoch(), a.warmupFrom(), a.grow(), a.epochs());
    }
    if (u.lpFt() != null) {
      var l = u.lpFt();
      List<String> probe = l.probe() != null ? l.probe() : List.of(groups.get(groups.size() - 1));
      return Unfreezing.lpFt(groups, probe, l.probeEpochs(), l.finetuneEpochs());
    }
    if (u.fineTune() != null) {
      var f = u.fineTune();
      return Unfreezing.fineTune(groups, f.frozenEpochs(), f.epochs(), f.lrMult());
    }
    throw new IllegalStateException(
        "unknown unfreeze policy: none of gradual, at, lp_ft, fine_tune is set");
  }

  static Schedule schedule(ScheduleSpec s) {
    Schedule base =
        switch (s.type()) {
          case "step" ->
              Schedule.step(
                  s.milestones().stream().mapToDouble(Double::doubleValue).toArray(), s.gamma());
          case "exponential" -> Schedule.exponential(s.end());
          case "cosine" -> Schedule.cosine(s.floor());
          case "one_cycle" -> OneCycle.of(s.pctStart(), s.div(), s.divFinal(), 0.95, 0.85);
          case "slanted_triangular" -> Schedule.slantedTriangular(s.cutFrac(), s.ratio());
          case "constant" -> Schedule.constant();
          default -> throw unknown("schedule type", s.type());
        };
    return s.warmup() > 0 ? Schedule.warmup(s.warmup(), 0.0, base) : base;
  }

  /** The error for a kind that validation should have refused. */
  private static IllegalStateException unknown(String what, String value) {
    return new IllegalStateException("unknown " + what + " '" + value + "'");
  }
}
