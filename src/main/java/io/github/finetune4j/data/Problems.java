package io.github.finetune4j.data;

import java.util.ArrayList;
import java.util.List;

/**
 * The problems a reader finds on its way through a file, to report them all at once: the first
 * {@value #MAX_LISTED} are kept, the rest counted.
 */
final class Problems {

  /** Most problems listed in one exception; a last line counts the others. */
  static final int MAX_LISTED = 20;

  private final List<String> listed = new ArrayList<>();
  private int more;

  /**
   * Notes a problem.
   *
   * @param problem a sentence that starts with the file
   */
  void add(String problem) {
    if (listed.size() < MAX_LISTED) {
      listed.add(problem);
    } else {
      more++;
    }
  }

  /**
   * Notes every problem of an exception.
   *
   * @param e what a reader threw
   */
  void add(DataException e) {
    e.problems().forEach(this::add);
  }

  /** How many problems were noted, listed or not. */
  int count() {
    return listed.size() + more;
  }

  /** Whether any problem was noted. */
  boolean any() {
    return !listed.isEmpty();
  }

  /**
   * Throws the problems noted, if any.
   *
   * @throws DataException with every problem listed (up to {@value #MAX_LISTED}, and a count of the
   *     others)
   */
  void throwIfAny() throws DataException {
    if (listed.isEmpty()) {
      return;
    }
    List<String> all = new ArrayList<>(listed);
    if (more > 0) {
      all.add("… and " + more + " more problem" + (more == 1 ? "" : "s") + " not listed");
    }
    throw new DataException(all);
  }
}
