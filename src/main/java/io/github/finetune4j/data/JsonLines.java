package io.github.finetune4j.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The objects of a JSON-lines file (gzip-compressed when its name ends in {@code .gz}), one per
 * line, in UTF-8: a leading byte order mark is skipped and a file in UTF-16 or UTF-32 is refused;
 * each line is decoded as strict UTF-8, and a line with invalid bytes is decoded with U+FFFD in
 * their place and counted. Blank lines are skipped. A line that is not one JSON object (not JSON,
 * more than one value, a field named twice) is an error that names the file and the line.
 */
final class JsonLines implements Closeable {

  /** Strict about a field named twice: which of its values is meant cannot be known. */
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /** Most field names listed in a message. */
  private static final int MAX_FIELDS = 8;

  /** Longest message taken from the JSON parser. */
  private static final int MAX_MESSAGE = 200;

  private static final Pattern START_MARKER =
      Pattern.compile(
          "\\s*\\(start marker at \\[Source: [^\\]]*?; line: \\d+, column: (\\d+)\\]\\)");
  private static final Pattern SOURCE = Pattern.compile("\\s*(at )?\\[Source: [^\\]]*\\]");
  private static final Pattern LIMIT_NAME = Pattern.compile(",? from `[^`]*`");
  private static final Pattern TOKEN = Pattern.compile("(?s)(.*?token )'(.*)'(: was expecting .*)");

  private final Path path;
  private final InputStream in;
  private final ByteLines lines;
  private final CharsetDecoder strict =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private CharBuffer chars = CharBuffer.allocate(1 << 14);
  private long lineNo;
  private int invalidUtf8;
  private long firstInvalidUtf8;

  private JsonLines(Path path, InputStream in) {
    this.path = path;
    this.in = in;
    this.lines = new ByteLines(in);
  }

  /**
   * Opens the file.
   *
   * @param path the file
   * @return the lines; the caller closes them
   * @throws DataException for a directory, or a {@code .gz} file that is not gzip data
   * @throws IOException when the file cannot be opened; pass it to {@link DataFiles#readError(Path,
   *     IOException)}
   */
  static JsonLines open(Path path) throws DataException, IOException {
    return new JsonLines(path, DataFiles.open(path));
  }

  /**
   * Moves to the next line that is not blank and reads its object. After a {@link DataException}
   * the bad line has been read past, so reading can go on with the next one.
   *
   * @return the object, or null at the end of the file
   * @throws DataException for a file in UTF-16 or UTF-32, or a line that is not one JSON object
   *     (the message starts with the file and the line)
   * @throws IOException when the file cannot be read; pass it to {@link DataFiles#readError(Path,
   *     IOException)}
   */
  JsonNode next() throws DataException, IOException {
    while (lines.next()) {
      lineNo++;
      byte[] bytes = lines.bytes();
      int start = lines.start();
      int length = lines.length();
      String wide = lineNo == 1 ? DataFiles.wideEncoding(bytes, start, length) : null;
      if (wide != null) {
        throw DataFiles.wideEncodingError(path, wide);
      }
      if (lineNo == 1 && startsWithBom(bytes, start, length)) {
        start += 3;
        length -= 3;
      }
      if (chars.capacity() < length) {
        chars = CharBuffer.allocate(Math.max(length, 2 * chars.capacity()));
      }
      String line = decodeStrict(bytes, start, length);
      if (line == null) {
        line = new String(bytes, start, length, StandardCharsets.UTF_8);
        invalidUtf8++;
        if (firstInvalidUtf8 == 0) {
          firstInvalidUtf8 = lineNo;
        }
      }
      if (line.isBlank()) {
        continue;
      }
      return parse(line);
    }
    return null;
  }

  /** The line as one JSON object, or the error that says why it is not. */
  private JsonNode parse(String line) throws DataException, IOException {
    JsonNode node;
    boolean more;
    try (JsonParser parser = JSON.createParser(line)) {
      node = JSON.readTree(parser);
      more = more(parser);
    } catch (JsonProcessingException e) {
      throw new DataException(
          where() + "not a JSON object: " + parserMessage(e.getOriginalMessage()));
    }
    if (more) {
      // two lines run together (a line break lost) would otherwise read as the first alone
      throw new DataException(
          where()
              + "more follows the JSON object on this line (one object per line; is a line"
              + " break missing?)");
    }
    if (node == null || !node.isObject()) {
      throw new DataException(where() + "expected a JSON object per line");
    }
    return node;
  }

  /** The 1-based number of the line last read. */
  long line() {
    return lineNo;
  }

  /** {@code "path line N: "}, the start of a message about the line last read. */
  String where() {
    return path + " line " + lineNo + ": ";
  }

  /** How many lines read so far held bytes that are not valid UTF-8. */
  int invalidUtf8Lines() {
    return invalidUtf8;
  }

  /** The 1-based number of the first line that held invalid UTF-8, or 0. */
  long firstInvalidUtf8Line() {
    return firstInvalidUtf8;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /**
   * The JSON type of a value, as a user names it: "a number", "a list", "null".
   *
   * @param value the value
   * @return its kind
   */
  static String kind(JsonNode value) {
    return switch (value.getNodeType()) {
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case ARRAY -> "a list";
      case OBJECT -> "an object";
      case NULL -> "null";
      case STRING -> "a string";
      default -> "a value that is not plain JSON";
    };
  }

  /**
   * The field names of an object for a message: at most {@value #MAX_FIELDS}, each shortened.
   *
   * @param node the object
   * @return for instance "text, label", or "none"
   */
  static String fields(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    if (names.isEmpty()) {
      return "none";
    }
    List<String> shown = new ArrayList<>();
    for (String name : names.subList(0, Math.min(MAX_FIELDS, names.size()))) {
      shown.add(Quoting.shorten(name));
    }
    String more = names.size() > MAX_FIELDS ? " and " + (names.size() - MAX_FIELDS) + " more" : "";
    return String.join(", ", shown) + more;
  }

  /** Whether anything but white space follows the value the parser has read. */
  private static boolean more(JsonParser parser) throws IOException {
    try {
      return parser.nextToken() != null;
    } catch (JsonProcessingException e) {
      return true;
    }
  }

  /** Whether the line starts with the UTF-8 byte order mark EF BB BF (written by some editors). */
  private static boolean startsWithBom(byte[] bytes, int start, int length) {
    return length >= 3
        && bytes[start] == (byte) 0xEF
        && bytes[start + 1] == (byte) 0xBB
        && bytes[start + 2] == (byte) 0xBF;
  }

  /** The line decoded as strict UTF-8, or null when it holds bytes that are not valid UTF-8. */
  private String decodeStrict(byte[] bytes, int start, int length) {
    strict.reset();
    chars.clear();
    if (strict.decode(ByteBuffer.wrap(bytes, start, length), chars, true).isError()
        || strict.flush(chars).isError()) {
      return null;
    }
    return chars.flip().toString();
  }

  /**
   * The JSON parser's message without its internals (source redaction notes, the names of its
   * limits) and with any quoted piece of the line shortened, so that no whole text lands in it.
   */
  private static String parserMessage(String message) {
    if (message == null || message.isBlank()) {
      return "unreadable JSON";
    }
    String m = START_MARKER.matcher(message).replaceAll(" (opened at column $1)");
    m = SOURCE.matcher(m).replaceAll("");
    m = LIMIT_NAME.matcher(m).replaceAll("");
    Matcher token = TOKEN.matcher(m);
    if (token.matches()) {
      m = token.group(1) + "'" + Quoting.shorten(token.group(2)) + "'" + token.group(3);
    }
    return Quoting.shorten(m.strip(), MAX_MESSAGE);
  }
}
