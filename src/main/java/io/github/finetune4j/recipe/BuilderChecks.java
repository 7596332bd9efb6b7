package io.github.finetune4j.recipe;

import java.util.ArrayList;
import java.util.List;

/** Shared check of the recipe builders: every required field was set. */
final class BuilderChecks {

  private BuilderChecks() {}

  /**
   * Throws when any required field is unset, naming all of them.
   *
   * @param type the record being built, for the message
   * @param namesAndValues alternating field name and value (null when unset)
   * @throws IllegalStateException naming every unset required field
   */
  static void requireSet(String type, Object... namesAndValues) {
    List<String> missing = new ArrayList<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      if (namesAndValues[i + 1] == null) {
        missing.add((String) namesAndValues[i]);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          type
              + ": required field"
              + (missing.size() == 1 ? "" : "s")
              + " not set: "
              + String.join(", ", missing));
    }
  }
}
