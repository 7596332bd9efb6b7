package io.github.finetune4j.cli;

/**
 * Makes any text safe to print on a terminal: control characters (C0, DEL and C1, which can move
 * the cursor, clear the screen or change the terminal's state) and the Unicode line separators and
 * bidirectional controls become visible escapes such as {@code \u001b} or {@code \u202e}; tab,
 * newline and carriage return become {@code \t}, {@code \n} and {@code \r} so one message stays one
 * line.
 */
public final class Escapes {

  private Escapes() {}

  /**
   * Escapes the control characters of {@code text}.
   *
   * @param text any text (null prints as "null")
   * @return the text with every control character written as a visible escape
   */
  public static String escape(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder b = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (isControl(c)) {
        if (b == null) {
          b = new StringBuilder(text.length() + 16).append(text, 0, i);
        }
        switch (c) {
          case '\t' -> b.append("\\t");
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          default -> b.append(String.format("\\u%04x", (int) c));
        }
      } else if (b != null) {
        b.append(c);
      }
    }
    return b == null ? text : b.toString();
  }

  /**
   * Whether a character is a control character (C0, DEL, C1), or one that reorders or breaks what a
   * terminal shows: the line and paragraph separators (U+2028, U+2029, which some terminals and
   * editors take as line breaks) and the bidirectional controls (U+200E, U+200F, U+202A..U+202E,
   * U+2066..U+2069, which can make a file name or a label display reversed).
   *
   * @param c the character
   * @return true for U+0000..U+001F, U+007F..U+009F and those format characters
   */
  public static boolean isControl(char c) {
    return c < 0x20
        || (c >= 0x7f && c <= 0x9f)
        || c == 0x200e
        || c == 0x200f
        || (c >= 0x2028 && c <= 0x202e)
        || (c >= 0x2066 && c <= 0x2069);
  }
}
