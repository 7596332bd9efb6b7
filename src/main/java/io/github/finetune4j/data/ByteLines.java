package io.github.finetune4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines ended by {@code \n}, {@code \r\n} or {@code \r} (as {@link
 * java.io.BufferedReader#readLine()} does), without decoding them, so that each line can be checked
 * for valid UTF-8 on its own.
 */
final class ByteLines {

  private final InputStream in;
  private byte[] buf = new byte[1 << 16];
  private int pos;
  private int end;
  private boolean eof;
  private boolean skipLf;
  private int lineStart;
  private int lineLength;

  /**
   * Creates a splitter.
   *
   * @param in the stream, read in large blocks (no extra buffering is needed)
   */
  ByteLines(InputStream in) {
    this.in = in;
  }

  /**
   * Moves to the next line.
   *
   * @return false at the end of the stream
   * @throws IOException when the stream cannot be read
   */
  boolean next() throws IOException {
    if (skipLf) {
      if (pos == end && !eof) {
        fill();
      }
      if (pos < end && buf[pos] == '\n') {
        pos++;
      }
      skipLf = false;
    }
    int scan = pos;
    while (true) {
      byte[] b = buf;
      for (int i = scan; i < end; i++) {
        byte c = b[i];
        if (c == '\n' || c == '\r') {
          lineStart = pos;
          lineLength = i - pos;
          pos = i + 1;
          skipLf = c == '\r';
          return true;
        }
      }
      scan = end;
      if (eof) {
        if (pos == end) {
          return false;
        }
        lineStart = pos;
        lineLength = end - pos;
        pos = end;
        return true;
      }
      scan -= fill();
    }
  }

  /** The bytes of the current line are {@code bytes()[start() .. start() + length())}. */
  byte[] bytes() {
    return buf;
  }

  /** Offset of the current line in {@link #bytes()}. */
  int start() {
    return lineStart;
  }

  /** Length of the current line in bytes, without its line end. */
  int length() {
    return lineLength;
  }

  /** Moves the unread bytes to the front, grows the buffer when full, reads; returns the shift. */
  private int fill() throws IOException {
    int shift = pos;
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, end - pos);
      end -= pos;
      pos = 0;
    }
    if (end == buf.length) {
      buf = Arrays.copyOf(buf, buf.length * 2);
    }
    int n = in.read(buf, end, buf.length - end);
    if (n < 0) {
      eof = true;
    } else {
      end += n;
    }
    return shift;
  }
}
