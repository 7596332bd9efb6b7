package io.github.finetune4j.params;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checked partition of parameter names into groups: every parameter in exactly one group, every
 * pattern matching at least one parameter.
 */
public final class ParamGroups {

  private static final int MAX_LISTED = 8;

  private final List<ParamGroup> groups;
  private final Map<String, ParamGroup> byParam;

  private ParamGroups(List<ParamGroup> groups, Map<String, ParamGroup> byParam) {
    this.groups = List.copyOf(groups);
    this.byParam = byParam;
  }

  /**
   * Partitions {@code names} by {@code rules}.
   *
   * @param names every parameter name, in model order
   * @param rules group rules, bottom to top
   * @return the partition
   * @throws GroupingException naming unmatched parameters, empty patterns and double claims
   */
  public static ParamGroups partition(Collection<String> names, List<GroupRule> rules)
      throws GroupingException {
    List<String> problems = new ArrayList<>();
    Map<String, List<String>> members = new LinkedHashMap<>();
    rules.forEach(r -> members.put(r.name(), new ArrayList<>()));
    Map<String, String> owner = new LinkedHashMap<>();
    Map<String, List<String>> conflicts = new LinkedHashMap<>();
    List<String> orphans = new ArrayList<>();
    for (int ri = 0; ri < rules.size(); ri++) {
      GroupRule r = rules.get(ri);
      for (int pi = 0; pi < r.compiled().size(); pi++) {
        int pIndex = pi;
        long hits =
            names.stream().filter(n -> r.compiled().get(pIndex).matcher(n).matches()).count();
        if (hits == 0) {
          problems.add(
              "groups["
                  + ri
                  + "] '"
                  + r.name()
                  + "': pattern '"
                  + r.patterns().get(pi)
                  + "' matches no parameter"
                  + example(names));
        }
      }
    }
    for (String n : names) {
      List<String> claim = new ArrayList<>();
      for (GroupRule r : rules) {
        if (r.compiled().stream().anyMatch(p -> p.matcher(n).matches())) {
          claim.add(r.name());
        }
      }
      if (claim.isEmpty()) {
        orphans.add(n);
      } else if (claim.size() > 1) {
        conflicts.computeIfAbsent(String.join(" and ", claim), k -> new ArrayList<>()).add(n);
      } else {
        owner.put(n, claim.get(0));
        members.get(claim.get(0)).add(n);
      }
    }
    if (!orphans.isEmpty()) {
      problems.add(
          orphans.size()
              + " parameter(s) are in no group: "
              + list(orphans)
              + " (add a pattern for them, e.g. a catch-all group)");
    }
    conflicts.forEach(
        (gs, ps) ->
            problems.add(
                "groups " + gs + " both claim " + ps.size() + " parameter(s): " + list(ps)));
    if (!problems.isEmpty()) {
      throw new GroupingException(problems);
    }
    List<ParamGroup> groups = new ArrayList<>();
    Map<String, ParamGroup> byName = new LinkedHashMap<>();
    for (int i = 0; i < rules.size(); i++) {
      ParamGroup g = new ParamGroup(rules.get(i).name(), i, members.get(rules.get(i).name()));
      groups.add(g);
      byName.put(g.name(), g);
    }
    Map<String, ParamGroup> byParam = new LinkedHashMap<>();
    owner.forEach((p, g) -> byParam.put(p, byName.get(g)));
    return new ParamGroups(groups, byParam);
  }

  /**
   * The groups, bottom to top.
   *
   * @return the groups
   */
  public List<ParamGroup> groups() {
    return groups;
  }

  /**
   * The group of a parameter.
   *
   * @param param the dotted name
   * @return its group
   */
  public ParamGroup groupOf(String param) {
    ParamGroup g = byParam.get(param);
    if (g == null) {
      throw new IllegalArgumentException("unknown parameter " + param);
    }
    return g;
  }

  /**
   * The group with a name.
   *
   * @param name group name
   * @return the group
   */
  public ParamGroup group(String name) {
    return groups.stream()
        .filter(g -> g.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown group " + name));
  }

  private static String list(List<String> names) {
    String shown = String.join(", ", names.subList(0, Math.min(MAX_LISTED, names.size())));
    return names.size() > MAX_LISTED
        ? shown + ", ... (" + (names.size() - MAX_LISTED) + " more)"
        : shown;
  }

  private static String example(Collection<String> names) {
    return names.isEmpty() ? "" : " (names look like '" + names.iterator().next() + "')";
  }
}
