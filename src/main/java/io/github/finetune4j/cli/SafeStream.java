package io.github.finetune4j.cli;

import java.io.PrintStream;
import java.io.Writer;
import java.util.Locale;

/**
 * Standard output or error of the command line, whose text never reaches the terminal with a raw
 * control character: every {@code print}, {@code println}, {@code printf} and {@code append} passes
 * its text through {@link Escapes} but for the line feed and the tab, which structure the output
 * (lines, TSV columns). So a user's text that a message or a result quotes without escaping it (a
 * file name in a library's note, a grid value, a predicted text) shows U+202E as {@code \u202e} and
 * a lone CR as {@code \r} instead of reordering or overwriting what the terminal shows; {@link
 * Escapes} called earlier leaves nothing for it to change. Bytes written with {@code write} pass as
 * they are: binary output, and a terminal's own control sequences (the console progress bar).
 */
final class SafeStream extends PrintStream {

  private final PrintStream target;

  private SafeStream(PrintStream target) {
    super(target, true);
    this.target = target;
  }

  /**
   * {@code stream}, made safe (a safe stream is returned as it is).
   *
   * @param stream standard output or error
   * @return the safe stream
   */
  static PrintStream of(PrintStream stream) {
    return stream instanceof SafeStream ? stream : new SafeStream(stream);
  }

  /**
   * A writer over a safe stream, for picocli's messages and usage.
   *
   * @param stream the stream (made safe)
   * @return a writer whose text is escaped like the stream's
   */
  static Writer writer(PrintStream stream) {
    PrintStream safe = of(stream);
    return new Writer() {
      @Override
      public void write(char[] buf, int off, int len) {
        safe.print(new String(buf, off, len));
      }

      @Override
      public void flush() {
        safe.flush();
      }

      @Override
      public void close() {
        safe.flush();
      }
    };
  }

  /** {@code text} with every control character escaped but the line feed and the tab. */
  static String clean(String text) {
    if (text == null) {
      return "null";
    }
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c != '\n' && c != '\t' && Escapes.isControl(c)) {
        break;
      }
      i++;
    }
    if (i == text.length()) {
      return text;
    }
    StringBuilder b = new StringBuilder(text.length() + 16).append(text, 0, i);
    int start = i;
    for (; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n' || c == '\t') {
        b.append(Escapes.escape(text.substring(start, i))).append(c);
        start = i + 1;
      }
    }
    return b.append(Escapes.escape(text.substring(start))).toString();
  }

  @Override
  public void print(String s) {
    target.print(clean(s));
  }

  @Override
  public void print(Object obj) {
    target.print(clean(String.valueOf(obj)));
  }

  @Override
  public void print(char c) {
    target.print(clean(String.valueOf(c)));
  }

  @Override
  public void print(char[] s) {
    target.print(clean(new String(s)));
  }

  @Override
  public void print(boolean b) {
    target.print(b);
  }

  @Override
  public void print(int i) {
    target.print(i);
  }

  @Override
  public void print(long l) {
    target.print(l);
  }

  @Override
  public void print(float f) {
    target.print(f);
  }

  @Override
  public void print(double d) {
    target.print(d);
  }

  @Override
  public void println() {
    target.println();
  }

  @Override
  public void println(String s) {
    target.println(clean(s));
  }

  @Override
  public void println(Object obj) {
    target.println(clean(String.valueOf(obj)));
  }

  @Override
  public void println(char c) {
    target.println(clean(String.valueOf(c)));
  }

  @Override
  public void println(char[] s) {
    target.println(clean(new String(s)));
  }

  @Override
  public void println(boolean b) {
    target.println(b);
  }

  @Override
  public void println(int i) {
    target.println(i);
  }

  @Override
  public void println(long l) {
    target.println(l);
  }

  @Override
  public void println(float f) {
    target.println(f);
  }

  @Override
  public void println(double d) {
    target.println(d);
  }

  @Override
  public PrintStream printf(String format, Object... args) {
    return format(format, args);
  }

  @Override
  public PrintStream printf(Locale l, String format, Object... args) {
    return format(l, format, args);
  }

  @Override
  public PrintStream format(String format, Object... args) {
    target.print(clean(String.format(format, args)));
    return this;
  }

  @Override
  public PrintStream format(Locale l, String format, Object... args) {
    target.print(clean(String.format(l, format, args)));
    return this;
  }

  @Override
  public PrintStream append(CharSequence csq) {
    target.print(clean(String.valueOf(csq)));
    return this;
  }

  @Override
  public PrintStream append(CharSequence csq, int start, int end) {
    target.print(clean(String.valueOf(csq == null ? "null" : csq).substring(start, end)));
    return this;
  }

  @Override
  public PrintStream append(char c) {
    target.print(clean(String.valueOf(c)));
    return this;
  }

  @Override
  public void write(int b) {
    target.write(b);
  }

  @Override
  public void write(byte[] buf, int off, int len) {
    target.write(buf, off, len);
  }

  @Override
  public void flush() {
    target.flush();
  }

  @Override
  public void close() {
    target.close();
  }

  @Override
  public boolean checkError() {
    return target.checkError();
  }
}
