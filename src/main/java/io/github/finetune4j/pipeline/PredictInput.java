package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Texts to classify, read from a file or a stream: one text per line, or JSON Lines (one object per
 * line whose text is in a named string field). Lines that are empty or only white space are skipped
 * and counted. Files whose name ends {@code .gz} are decompressed.
 *
 * <p>For a model of text pairs, JSON Lines whose objects hold both texts in two named string
 * fields; a pair with an empty side is refused, naming its line.
 *
 * @param texts the texts (of pairs, the first texts), in input order
 * @param skippedEmptyLines how many empty lines were skipped
 * @param pairs the second texts of pairs, one per text, or null for single texts
 */
public record PredictInput(List<String> texts, int skippedEmptyLines, List<String> pairs) {

  /** At most this many problems are listed; reading stops there. */
  static final int MAX_PROBLEMS = 10;

  /**
   * The most characters one line may hold (1 MiB of characters); a longer line is refused, so that
   * an input without line breaks (e.g. {@code /dev/zero}) cannot fill the memory.
   */
  public static final int MAX_LINE_CHARS = 1 << 20;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** Copies the lists. */
  public PredictInput {
    texts = List.copyOf(texts);
    pairs = pairs == null ? null : List.copyOf(pairs);
  }

  /**
   * Single texts.
   *
   * @param texts the texts, in input order
   * @param skippedEmptyLines how many empty lines were skipped
   */
  public PredictInput(List<String> texts, int skippedEmptyLines) {
    this(texts, skippedEmptyLines, null);
  }

  /**
   * Whether a file is read as JSON Lines without being told: its name ends {@code .jsonl} or {@code
   * .jsonl.gz}.
   *
   * @param file the file
   * @return true for JSON Lines names
   */
  public static boolean isJsonlName(Path file) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString();
    return name.endsWith(".jsonl") || name.endsWith(".jsonl.gz");
  }

  /**
   * Reads a file as a stream: pipes and FIFOs (e.g. a shell's {@code <(cmd)}) read like files,
   * nothing seeks in it or asks its size.
   *
   * @param file the file
   * @param jsonl whether it holds JSON Lines (else one text per line)
   * @param textField the JSONL field of the text
   * @return the texts
   * @throws BadInputException when the file cannot be read, is not UTF-8, holds no texts, or (in
   *     JSONL) a line is not an object with a string {@code textField}
   */
  public static PredictInput read(Path file, boolean jsonl, String textField)
      throws BadInputException {
    return read(file, jsonl, textField, null);
  }

  /**
   * Reads a file as {@link #read(Path, boolean, String)} does; with a {@code pairField}, JSON Lines
   * of pairs of texts.
   *
   * @param file the file
   * @param jsonl whether it holds JSON Lines (must be true with a {@code pairField})
   * @param textField the JSONL field of the (first) text
   * @param pairField the JSONL field of the second text, or null for single texts
   * @return the texts (and second texts)
   * @throws BadInputException as {@link #read(Path, boolean, String)}, and for a pair with a
   *     missing, non-string or empty side
   */
  public static PredictInput read(Path file, boolean jsonl, String textField, String pairField)
      throws BadInputException {
    if (Files.isDirectory(file)) {
      throw new BadInputException(List.of(file + ": is a directory, expected a file of texts"));
    }
    // FileInputStream, not Files.newInputStream: the latter's available() asks the channel for its
    // size and position, which a FIFO refuses ("Illegal seek").
    try (InputStream raw = new FileInputStream(file.toFile())) {
      InputStream in = new BufferedInputStream(raw, 1 << 16);
      if (file.toString().endsWith(".gz")) {
        in = new GZIPInputStream(in, 1 << 16);
      }
      return read(in, file.toString(), jsonl, textField, pairField);
    } catch (FileNotFoundException e) {
      // FileInputStream says why in its message ("... (No such file or directory)")
      throw new BadInputException(List.of(Problems.unreadable(file, notFound(file, e))));
    } catch (IOException e) {
      throw new BadInputException(List.of(Problems.unreadable(file, e)));
    }
  }

  /** The exception Files.newInputStream would have thrown, for the same messages as before. */
  private static IOException notFound(Path file, FileNotFoundException e) {
    if (!Files.exists(file)) {
      return new NoSuchFileException(file.toString());
    }
    if (!Files.isReadable(file)) {
      return new AccessDeniedException(file.toString());
    }
    return e;
  }

  /**
   * Reads a stream (standard input); the stream is not closed.
   *
   * @param in the stream, UTF-8
   * @param name how messages call it, e.g. {@code standard input}
   * @param jsonl whether it holds JSON Lines (else one text per line)
   * @param textField the JSONL field of the text
   * @return the texts
   * @throws BadInputException as {@link #read(Path, boolean, String)}
   */
  public static PredictInput read(InputStream in, String name, boolean jsonl, String textField)
      throws BadInputException {
    return read(in, name, jsonl, textField, null);
  }

  /**
   * Reads a stream as {@link #read(InputStream, String, boolean, String)} does; with a {@code
   * pairField}, JSON Lines of pairs of texts.
   *
   * @param in the stream, UTF-8
   * @param name how messages call it, e.g. {@code standard input}
   * @param jsonl whether it holds JSON Lines (must be true with a {@code pairField})
   * @param textField the JSONL field of the (first) text
   * @param pairField the JSONL field of the second text, or null for single texts
   * @return the texts (and second texts)
   * @throws BadInputException as {@link #read(Path, boolean, String, String)}
   */
  public static PredictInput read(
      InputStream in, String name, boolean jsonl, String textField, String pairField)
      throws BadInputException {
    if (pairField != null && !jsonl) {
      throw new IllegalArgumentException("pairs of texts are read from JSON Lines only");
    }
    List<String> texts = new ArrayList<>();
    List<String> pairs = pairField == null ? null : new ArrayList<>();
    List<String> problems = new ArrayList<>();
    int skipped = 0;
    int lineNo = 0;
    Decoder decoder = new Decoder();
    try {
      Lines lines = new Lines(in);
      for (int got; (got = lines.next()) != Lines.END; ) {
        lineNo++;
        String line = got == Lines.LINE ? decoder.decode(lines, lineNo == 1) : null;
        if (got == Lines.TOO_LONG || (line != null && line.length() > MAX_LINE_CHARS)) {
          problems.add(
              name
                  + ":"
                  + lineNo
                  + ": longer than "
                  + MAX_LINE_CHARS
                  + " characters, the most a line may hold");
          break;
        }
        if (line == null) {
          problems.add(name + ":" + lineNo + ": " + decoder.problem);
        } else if (line.isBlank()) {
          skipped++;
        } else if (!jsonl) {
          texts.add(line);
        } else if (pairs != null) {
          String[] pair = jsonPair(line, name + ":" + lineNo, textField, pairField, problems);
          if (pair != null) {
            texts.add(pair[0]);
            pairs.add(pair[1]);
          }
        } else {
          String text = jsonText(line, name + ":" + lineNo, textField, problems);
          if (text != null) {
            texts.add(text);
          }
        }
        if (problems.size() >= MAX_PROBLEMS) {
          problems.add(
              name
                  + ": stopped reading at line "
                  + lineNo
                  + " after "
                  + MAX_PROBLEMS
                  + " problems");
          break;
        }
      }
    } catch (IOException e) {
      String reason = e.getMessage();
      problems.add(
          name
              + ": cannot be read"
              + (reason == null || reason.isBlank() ? "" : " (" + reason + ")"));
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(problems);
    }
    if (texts.isEmpty()) {
      throw new BadInputException(
          List.of(
              name
                  + ": holds no "
                  + (pairs == null ? "texts" : "pairs of texts")
                  + (skipped > 0
                      ? " (" + skipped + " empty line" + (skipped == 1 ? "" : "s") + ")"
                      : "")));
    }
    return new PredictInput(texts, skipped, pairs);
  }

  /**
   * The most bytes one line may hold: a character of UTF-16 takes at most three bytes of UTF-8 (a
   * surrogate pair, two characters, four), so a line of more bytes has more than {@link
   * #MAX_LINE_CHARS} characters; a line within it is decoded and its characters counted.
   */
  static final int MAX_LINE_BYTES = 3 * MAX_LINE_CHARS;

  /**
   * Lines of a byte stream without their terminators (\n, \r\n or a lone \r, as {@link
   * BufferedReader#readLine} and the training data's reader split them), none longer than {@link
   * #MAX_LINE_BYTES}: lines are split before they are decoded, so that a byte that is not UTF-8 is
   * found on its own line. The stream is read in blocks as they come (a pipe or FIFO is never asked
   * for more than it has), and not read again once it ended (a terminal's end of input).
   */
  private static final class Lines {
    static final int END = 0;
    static final int LINE = 1;
    static final int TOO_LONG = 2;

    private final InputStream in;
    private final byte[] chunk = new byte[1 << 16];
    private int pos;
    private int len;
    private boolean afterCr;
    private boolean ended;
    private byte[] line = new byte[1 << 12];
    private int length;

    Lines(InputStream in) {
      this.in = in;
    }

    /**
     * Reads the next line into {@link #line}{@code [0, length)}.
     *
     * @return {@link #LINE}, {@link #END}, or {@link #TOO_LONG} as soon as it passes the limit
     */
    int next() throws IOException {
      length = 0;
      boolean any = false;
      while (true) {
        if (pos == len) {
          len = ended ? -1 : in.read(chunk, 0, chunk.length);
          pos = 0;
          if (len <= 0) {
            ended = true;
            len = 0;
            return any ? LINE : END;
          }
        }
        if (afterCr) {
          afterCr = false;
          if (chunk[pos] == '\n') {
            pos++;
            continue;
          }
        }
        any = true;
        int from = pos;
        while (pos < len && chunk[pos] != '\n' && chunk[pos] != '\r') {
          pos++;
        }
        int n = pos - from;
        if (length + n > MAX_LINE_BYTES) {
          return TOO_LONG;
        }
        if (length + n > line.length) {
          line =
              Arrays.copyOf(line, Math.min(MAX_LINE_BYTES, Math.max(length + n, 2 * line.length)));
        }
        System.arraycopy(chunk, from, line, length, n);
        length += n;
        if (pos < len) {
          afterCr = chunk[pos] == '\r';
          pos++;
          return LINE;
        }
      }
    }
  }

  /** Strict UTF-8 decoding of one line at a time; says where a line is not UTF-8. */
  private static final class Decoder {
    private final CharsetDecoder utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private CharBuffer chars = CharBuffer.allocate(1 << 12);

    /** Why the last line returned null. */
    String problem;

    /**
     * The current line of {@code lines}, or null (with {@link #problem}) when it is not UTF-8. A
     * byte-order mark at the start of the first line is no part of its text.
     */
    String decode(Lines lines, boolean first) {
      int from = 0;
      byte[] b = lines.line;
      if (first
          && lines.length >= 3
          && (b[0] & 0xff) == 0xEF
          && (b[1] & 0xff) == 0xBB
          && (b[2] & 0xff) == 0xBF) {
        from = 3;
      }
      ByteBuffer in = ByteBuffer.wrap(b, from, lines.length - from);
      if (chars.capacity() < in.remaining()) {
        chars = CharBuffer.allocate(Math.max(in.remaining(), 2 * chars.capacity()));
      }
      chars.clear();
      utf8.reset();
      CoderResult r = utf8.decode(in, chars, true);
      if (!r.isError()) {
        r = utf8.flush(chars);
      }
      chars.flip();
      if (r.isError()) {
        problem =
            String.format(
                Locale.ROOT,
                "not valid UTF-8 (byte 0x%02X at column %d)",
                b[in.position()] & 0xff,
                Character.codePointCount(chars, 0, chars.limit()) + 1);
        return null;
      }
      return chars.toString();
    }
  }

  /** Both texts of a pair, neither empty; else a problem naming the line, and null. */
  private static String[] jsonPair(
      String line, String where, String field, String pairField, List<String> problems) {
    JsonNode node = jsonObject(line, where, field, problems);
    if (node == null) {
      return null;
    }
    String[] out = new String[2];
    String[] fields = {field, pairField};
    for (int i = 0; i < 2; i++) {
      JsonNode text = node.path(fields[i]);
      if (!text.isTextual()) {
        problems.add(
            where
                + ": \""
                + fields[i]
                + "\" must be a string, got "
                + Problems.describe(text)
                + " (a model of text pairs reads \""
                + field
                + "\" and \""
                + pairField
                + "\")");
        return null;
      }
      if (text.asText().isBlank()) {
        problems.add(
            where
                + ": the pair's "
                + (i == 0 ? "first" : "second")
                + " text \""
                + fields[i]
                + "\" is empty or only whitespace; a pair needs both texts");
        return null;
      }
      out[i] = text.asText();
    }
    return out;
  }

  private static String jsonText(String line, String where, String field, List<String> problems) {
    JsonNode node = jsonObject(line, where, field, problems);
    if (node == null) {
      return null;
    }
    JsonNode text = node.path(field);
    if (!text.isTextual()) {
      problems.add(where + ": \"" + field + "\" must be a string, got " + Problems.describe(text));
      return null;
    }
    return text.asText();
  }

  /** The line's JSON object, or null after adding why it is not one. */
  private static JsonNode jsonObject(
      String line, String where, String field, List<String> problems) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      problems.add(
          where + ": not valid JSON" + (at == null ? "" : " (column " + at.getColumnNr() + ")"));
      return null;
    }
    if (!node.isObject()) {
      problems.add(
          where
              + ": expected a JSON object with a \""
              + field
              + "\" field, got "
              + Problems.describe(node));
      return null;
    }
    return node;
  }
}
