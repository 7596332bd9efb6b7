package io.github.finetune4j.params;

import java.util.List;

/**
 * A parameter group: its position bottom to top and its members, in model order.
 *
 * @param name the group name
 * @param index position, 0 = bottom
 * @param members dotted parameter names
 */
public record ParamGroup(String name, int index, List<String> members) {
  /** Copies the list. */
  public ParamGroup {
    members = List.copyOf(members);
  }
}
