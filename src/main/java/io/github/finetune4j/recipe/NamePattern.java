package io.github.finetune4j.recipe;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The recipe's parameter-name pattern language: a glob ({@code *} any run of characters including
 * dots, {@code ?} one character, {@code [0-3]} a character class) or, after {@code re:}, a Java
 * regular expression. A pattern matches a whole name.
 */
public final class NamePattern {
  private NamePattern() {}

  /**
   * Compiles a recipe pattern.
   *
   * @param p the pattern text
   * @return the compiled pattern (use {@code matcher(name).matches()})
   * @throws PatternSyntaxException when the pattern is malformed
   */
  public static Pattern compile(String p) {
    if (p.startsWith("re:")) {
      return Pattern.compile(p.substring(3));
    }
    StringBuilder b = new StringBuilder();
    boolean inClass = false;
    for (char c : p.toCharArray()) {
      if (inClass) {
        b.append(c);
        if (c == ']') {
          inClass = false;
        }
      } else if (c == '*') {
        b.append(".*");
      } else if (c == '?') {
        b.append('.');
      } else if (c == '[') {
        inClass = true;
        b.append('[');
      } else {
        b.append(Pattern.quote(String.valueOf(c)));
      }
    }
    if (inClass) {
      throw new PatternSyntaxException("unclosed '['", p, p.length());
    }
    return Pattern.compile(b.toString());
  }
}
