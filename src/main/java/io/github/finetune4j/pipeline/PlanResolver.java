package io.github.finetune4j.pipeline;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.github.finetune4j.model.NormLayers;
import io.github.finetune4j.model.Segmented;
import io.github.finetune4j.params.GroupRule;
import io.github.finetune4j.params.GroupingException;
import io.github.finetune4j.params.ParamGroup;
import io.github.finetune4j.params.ParamGroups;
import io.github.finetune4j.policy.NormMode;
import io.github.finetune4j.policy.StagePlan;
import io.github.finetune4j.recipe.GroupSpec;
import io.github.finetune4j.recipe.NamePattern;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.WeightDecaySpec;
import io.github.finetune4j.train.FeatureCachePolicy;
import io.github.finetune4j.train.NormSetup;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Resolves a recipe's policy against a block once: the groups (a checked partition of the trainable
 * parameters), the norm policy of its layers with running statistics, and per parameter its group,
 * trainable flag and learning rate per stage, weight decay, L2-SP and norm mode.
 */
final class PlanResolver {

  private PlanResolver() {}

  private static boolean augmented(Recipe recipe) {
    return recipe.data().image() != null
        && recipe.data().image().augment() != null
        && recipe.data().image().augment().any();
  }

  /**
   * What a recipe's policy makes of a block's trainable parameters: their groups, the norm policy
   * of its BatchNorm layers, and the resolved plan.
   *
   * @param params the trainable parameters by name
   * @param groups their partition
   * @param norms the norm policy, or null without running statistics
   * @param plan the plan
   */
  record Resolved(Map<String, Parameter> params, ParamGroups groups, NormSetup norms, Plan plan) {}

  /**
   * Groups, norm policy and plan of {@code block} (whose trainable parameters are {@code params}).
   */
  static Resolved resolved(Recipe recipe, Block block, Map<String, Parameter> params)
      throws BadInputException {
    ParamGroups groups = groups(recipe, params);
    NormSetup norms = norms(recipe, block, groups);
    return new Resolved(params, groups, norms, resolve(recipe, params, groups, block, norms));
  }

  /**
   * Puts the model's layers with running statistics (BatchNorm) under the groups' norm modes, or
   * returns null when it has none; refuses plans the layers cannot honour.
   */
  static NormSetup norms(Recipe recipe, Block block, ParamGroups groups) throws BadInputException {
    NormLayers layers;
    try {
      layers = NormLayers.attach(block);
    } catch (IOException e) {
      throw new BadInputException(
          List.of("model.source: cannot inspect the model: " + e.getMessage()));
    }
    if (layers.layers().isEmpty()) {
      return null;
    }
    NormSetup setup;
    try {
      setup =
          NormSetup.byAffine(
              layers,
              groups,
              g -> NormMode.of(recipe.groups().get(groups.group(g).index()).norm()));
    } catch (IllegalArgumentException e) {
      throw new BadInputException(List.of("groups: " + e.getMessage()));
    }
    Set<String> pinned = new HashSet<>(setup.pinnedAffine());
    List<String> problems = setup.check(Policies.stages(recipe), groups, pinned);
    if (!problems.isEmpty()) {
      throw new BadInputException(problems.stream().map(p -> "groups[].norm: " + p).toList());
    }
    return setup;
  }

  static ParamGroups groups(Recipe recipe, Map<String, Parameter> params) throws BadInputException {
    List<GroupRule> rules = new ArrayList<>();
    for (GroupSpec g : recipe.groups()) {
      rules.add(
          new GroupRule(
              g.name(), g.match(), g.match().stream().map(NamePattern::compile).toList()));
    }
    try {
      return ParamGroups.partition(params.keySet(), rules);
    } catch (GroupingException e) {
      throw new BadInputException(e.problems());
    }
  }

  static Set<String> normParams(NormSetup norms) {
    Set<String> out = new HashSet<>();
    if (norms != null) {
      norms.layers().layers().forEach(l -> out.addAll(l.affine()));
    }
    return out;
  }

  /**
   * Resolves the plan. Normalization parameters are those of BatchNorm layers found in the model
   * ({@code normParams}) and, by name, any parameter with a name segment containing "norm"
   * (LayerNorm in BERT-family blocks).
   */
  static Plan resolve(
      Recipe recipe,
      Map<String, Parameter> params,
      ParamGroups groups,
      Block block,
      NormSetup norms) {
    Set<String> normParams = normParams(norms);
    Map<String, Double> groupLr = Policies.groupLr(recipe);
    List<StagePlan> stages = Policies.stages(recipe);
    List<String> l2spGroups = Policies.l2spGroups(recipe);
    WeightDecaySpec wd = recipe.optimizer().weightDecay();
    List<PlanRow> rows = new ArrayList<>();
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      String group = groups.groupOf(e.getKey()).name();
      List<Boolean> trainable = new ArrayList<>();
      List<Double> lr = new ArrayList<>();
      boolean isNorm = isNorm(e.getKey()) || normParams.contains(e.getKey());
      String norm = isNorm ? recipe.groups().get(groups.groupOf(e.getKey()).index()).norm() : "-";
      boolean pinned = "freeze_all".equals(norm);
      for (StagePlan st : stages) {
        boolean t = st.trainable().contains(group) && !pinned;
        trainable.add(t);
        lr.add(t ? groupLr.get(group) * st.scale(group) : 0.0);
      }
      Shape shape = e.getValue().getArray().getShape();
      Double groupDecay = recipe.groups().get(groups.groupOf(e.getKey()).index()).weightDecay();
      double decay =
          wd == null || excluded(e.getKey(), shape, wd.exclude(), isNorm)
              ? 0.0
              : groupDecay != null ? groupDecay : wd.value();
      double l2sp = l2spGroups.contains(group) ? recipe.optimizer().regularizer().l2sp() : 0.0;
      rows.add(
          new PlanRow(
              e.getKey(), group, shape.toString(), shape.size(), trainable, lr, decay, l2sp, norm));
    }
    return new Plan(
        recipe.optimizer().type(),
        Policies.schedule(recipe.schedule()).toString(),
        groups.groups().stream().map(ParamGroup::name).toList(),
        groupLr,
        stages.stream().map(StagePlan::epochs).toList(),
        wd == null ? "none" : wd.mode(),
        rows,
        featureCache(recipe, block, norms, stages, rows));
  }

  /**
   * Per stage, the last segment of the frozen prefix that runs apart (null: none), as the loop
   * finds it ({@link FeatureCachePolicy#boundary}) from the rows' trainable flags.
   */
  private static List<String> featureCache(
      Recipe recipe, Block block, NormSetup norms, List<StagePlan> stages, List<PlanRow> rows) {
    List<String> cache = new ArrayList<>();
    for (int i = 0; i < stages.size(); i++) {
      int stage = i;
      int k = 0;
      if (recipe.train().featureCache() && !augmented(recipe)) {
        List<String> trained =
            rows.stream().filter(r -> r.trainable().get(stage)).map(PlanRow::name).toList();
        k = FeatureCachePolicy.boundary(block, trained, norms, stages.get(stage));
      }
      cache.add(k == 0 ? null : ((Segmented) block).segments().get(k - 1).name());
    }
    return cache;
  }

  static boolean isNorm(String name) {
    return Stream.of(name.toLowerCase(Locale.ROOT).split("\\.")).anyMatch(s -> s.contains("norm"));
  }

  static boolean excluded(String name, Shape shape, List<String> kinds, boolean isNorm) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (String k : kinds) {
      boolean hit =
          switch (k) {
            case "bias" -> lower.endsWith(".bias") || lower.equals("bias");
            case "norm" -> isNorm;
            case "1d" -> shape.dimension() == 1;
            case "embedding" ->
                Stream.of(lower.split("\\.")).anyMatch(s -> s.contains("embedding"));
            default -> false;
          };
      if (hit) {
        return true;
      }
    }
    return false;
  }
}
