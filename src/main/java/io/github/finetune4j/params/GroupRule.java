package io.github.finetune4j.params;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A named group's selection rule.
 *
 * @param name the group name
 * @param patterns the pattern texts, for messages
 * @param compiled the compiled patterns (whole-name match), parallel to {@code patterns}
 */
public record GroupRule(String name, List<String> patterns, List<Pattern> compiled) {
  /** Copies the lists. */
  public GroupRule {
    patterns = List.copyOf(patterns);
    compiled = List.copyOf(compiled);
  }
}
