package io.github.finetune4j.data;

/**
 * How the data sources quote a piece of a file (a label, a cell, an id, a field name) in a message:
 * shortened, so that no whole text lands in it.
 */
final class Quoting {

  /** Longest value quoted in a message. */
  static final int MAX_QUOTED = 40;

  private Quoting() {}

  /**
   * The value in single quotes, shortened to its first {@value #MAX_QUOTED} characters when longer.
   *
   * @param value the value
   * @return for instance {@code 'spam'}, or {@code 'Dear friend, …' (5200 characters)}
   */
  static String quoted(String value) {
    if (value.length() <= MAX_QUOTED) {
      return "'" + value + "'";
    }
    return "'" + cut(value, MAX_QUOTED) + "…' (" + value.length() + " characters)";
  }

  /**
   * The value, shortened to its first {@value #MAX_QUOTED} characters and an ellipsis when longer.
   *
   * @param value the value
   * @return the value or its start
   */
  static String shorten(String value) {
    return shorten(value, MAX_QUOTED);
  }

  /**
   * The value, shortened to its first {@code max} characters and an ellipsis when longer.
   *
   * @param value the value
   * @param max the most characters kept
   * @return the value or its start
   */
  static String shorten(String value, int max) {
    return value.length() <= max ? value : cut(value, max) + "…";
  }

  /** The first {@code max} characters, one fewer when that would split a surrogate pair. */
  private static String cut(String value, int max) {
    int end = Character.isHighSurrogate(value.charAt(max - 1)) ? max - 1 : max;
    return value.substring(0, end);
  }
}
