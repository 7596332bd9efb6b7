package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The resolved plan of a recipe: for every parameter its group, shape, and per stage whether it
 * trains and at which learning rate, plus its weight decay.
 *
 * @param rule the update rule, e.g. {@code adamw}
 * @param schedule the schedule, e.g. {@code cosine(floor=0.0)}
 * @param groups group names, bottom to top
 * @param groupLr base learning rate per group
 * @param stageEpochs epochs per stage
 * @param decayMode {@code decoupled}, {@code coupled} or {@code none}
 * @param rows one row per parameter, in model order
 * @param featureCache per stage, the last segment of the frozen prefix that runs apart (once per
 *     example, in inference mode), or null for none
 * @param standardize whether the csv features are standardized, and why ({@code data.standardize});
 *     null for other inputs
 */
public record Plan(
    String rule,
    String schedule,
    List<String> groups,
    Map<String, Double> groupLr,
    List<Integer> stageEpochs,
    String decayMode,
    List<PlanRow> rows,
    List<String> featureCache,
    Standardize standardize) {

  /**
   * Whether the csv features are standardized before the model sees them ({@code
   * data.standardize}).
   *
   * @param applied true when they are standardized, false when fed as they are
   * @param why the setting and, for {@code auto}, what about the model decided it
   */
  public record Standardize(boolean applied, String why) {

    /**
     * As JSON: {@code {"applied": ..., "why": ...}}.
     *
     * @return a new object
     */
    public ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("applied", applied);
      o.put("why", why);
      return o;
    }

    /**
     * One line for people, e.g. {@code standardize: applied (data.standardize: true)}.
     *
     * @return the line, without a line break
     */
    public String toText() {
      return "standardize: "
          + (applied ? "applied" : "not applied, features as they are")
          + " ("
          + why
          + ")";
    }
  }

  /**
   * A plan without a word on the features' standardization.
   *
   * @param rule the update rule
   * @param schedule the schedule
   * @param groups group names, bottom to top
   * @param groupLr base learning rate per group
   * @param stageEpochs epochs per stage
   * @param decayMode the weight decay mode
   * @param rows one row per parameter
   * @param featureCache per stage, the feature cache's boundary or null
   */
  public Plan(
      String rule,
      String schedule,
      List<String> groups,
      Map<String, Double> groupLr,
      List<Integer> stageEpochs,
      String decayMode,
      List<PlanRow> rows,
      List<String> featureCache) {
    this(rule, schedule, groups, groupLr, stageEpochs, decayMode, rows, featureCache, null);
  }

  /**
   * This plan, saying whether the csv features are standardized.
   *
   * @param standardize the word on it, or null
   * @return a new plan
   */
  public Plan withStandardize(Standardize standardize) {
    return new Plan(
        rule, schedule, groups, groupLr, stageEpochs, decayMode, rows, featureCache, standardize);
  }

  /** Copies the collections. */
  public Plan {
    featureCache = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(featureCache));
    groups = List.copyOf(groups);
    groupLr = Map.copyOf(groupLr);
    stageEpochs = List.copyOf(stageEpochs);
    rows = List.copyOf(rows);
  }

  /**
   * A fixed-width table for people.
   *
   * @return the text
   */
  public String toText() {
    StringBuilder b = new StringBuilder();
    long total = rows.stream().mapToLong(PlanRow::elements).sum();
    b.append(
        String.format(
            Locale.ROOT,
            "%d parameters (%,d elements) in %d groups; %d stage(s); rule %s; schedule %s;"
                + " weight decay %s%n",
            rows.size(),
            total,
            groups.size(),
            stageEpochs.size(),
            rule,
            schedule,
            decayMode));
    if (standardize != null) {
      b.append(standardize.toText()).append(System.lineSeparator());
    }
    b.append(System.lineSeparator());
    b.append(
        String.format(
            Locale.ROOT, "%-14s %7s %12s %10s", "group", "params", "elements", "base lr"));
    for (int s = 0; s < stageEpochs.size(); s++) {
      b.append(String.format(Locale.ROOT, "  stage %d (%d ep)", s + 1, stageEpochs.get(s)));
    }
    b.append('\n');
    for (String g : groups) {
      List<PlanRow> in = rows.stream().filter(r -> r.group().equals(g)).toList();
      b.append(
          String.format(
              Locale.ROOT,
              "%-14s %7d %,12d %10.3g",
              g,
              in.size(),
              in.stream().mapToLong(PlanRow::elements).sum(),
              groupLr.get(g)));
      for (int s = 0; s < stageEpochs.size(); s++) {
        boolean t = !in.isEmpty() && in.get(0).trainable().get(s);
        b.append(String.format(Locale.ROOT, "  %-16s", t ? "train" : "frozen"));
      }
      b.append('\n');
    }
    if (featureCache.stream().anyMatch(java.util.Objects::nonNull)) {
      b.append("feature cache:");
      for (int s = 0; s < featureCache.size(); s++) {
        b.append(s == 0 ? " " : "; ")
            .append("stage ")
            .append(s + 1)
            .append(
                featureCache.get(s) == null
                    ? " none"
                    : " after " + featureCache.get(s) + " (run once per example, inference mode)");
      }
      b.append('\n');
    }
    b.append('\n');
    int w = rows.stream().mapToInt(r -> r.name().length()).max().orElse(10);
    b.append(
        String.format(Locale.ROOT, "%-" + w + "s  %-12s %-12s", "parameter", "group", "shape"));
    for (int s = 0; s < stageEpochs.size(); s++) {
      b.append(String.format(Locale.ROOT, " %10s", "lr s" + (s + 1)));
    }
    b.append(String.format(Locale.ROOT, " %8s %8s  %s%n", "wd", "l2sp", "norm"));
    for (PlanRow r : rows) {
      b.append(
          String.format(Locale.ROOT, "%-" + w + "s  %-12s %-12s", r.name(), r.group(), r.shape()));
      for (int s = 0; s < stageEpochs.size(); s++) {
        b.append(
            String.format(
                Locale.ROOT,
                " %10s",
                r.trainable().get(s)
                    ? String.format(Locale.ROOT, "%.3g", r.lr().get(s))
                    : "frozen"));
      }
      b.append(
          String.format(Locale.ROOT, " %8.3g %8.3g  %s%n", r.weightDecay(), r.l2sp(), r.norm()));
    }
    return b.toString();
  }

  /**
   * The plan as JSON, for tools.
   *
   * @return the tree
   */
  public ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("rule", rule);
    root.put("schedule", schedule);
    ArrayNode gs = root.putArray("groups");
    for (String g : groups) {
      gs.addObject().put("name", g).put("lr", groupLr.get(g));
    }
    ArrayNode st = root.putArray("stages");
    for (int s = 0; s < stageEpochs.size(); s++) {
      ObjectNode o = st.addObject().put("epochs", stageEpochs.get(s));
      o.put("feature_cache_after", featureCache.get(s));
    }
    root.put("weight_decay_mode", decayMode);
    if (standardize != null) {
      root.set("standardize", standardize.toJson());
    }
    ArrayNode ps = root.putArray("parameters");
    for (PlanRow r : rows) {
      ObjectNode o = ps.addObject();
      o.put("name", r.name())
          .put("group", r.group())
          .put("shape", r.shape())
          .put("elements", r.elements());
      ArrayNode t = o.putArray("trainable");
      r.trainable().forEach(t::add);
      ArrayNode l = o.putArray("lr");
      r.lr().forEach(l::add);
      o.put("weight_decay", r.weightDecay());
      o.put("l2sp", r.l2sp());
      o.put("norm", r.norm());
    }
    return root;
  }
}
