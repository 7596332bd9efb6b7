package io.github.finetune4j.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads labelled texts from a JSON-lines file (gzip-compressed when its name ends in {@code .gz}):
 * one object per line with a text field and a label field, in UTF-8 (a leading byte order mark is
 * skipped; a file in UTF-16 or UTF-32 is refused). Blank lines are skipped. A line that holds more
 * than one value, or an object that names a field twice, is an error.
 */
public final class TextJsonlSource {

  /** Strict about a field named twice: which of its values is meant cannot be known. */
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /** Longest label, field name or piece of a line quoted in a message. */
  private static final int MAX_QUOTED = 40;

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
  private final String textField;
  private final String labelField;
  private final Integer limit;

  /**
   * Creates a source.
   *
   * @param path the file
   * @param textField name of the text field
   * @param labelField name of the label field
   * @param limit keep only the first N examples, or null for all
   */
  public TextJsonlSource(Path path, String textField, String labelField, Integer limit) {
    this.path = path;
    this.textField = textField;
    this.labelField = labelField;
    this.limit = limit;
  }

  /**
   * Reads the examples, mapping labels to indexes of {@code classes}.
   *
   * @param classes the declared class labels
   * @return the examples in file order
   * @throws DataException for a missing or unreadable file, a bad line, an unknown label, or no
   *     data
   */
  public List<TextExample> read(List<String> classes) throws DataException {
    return readData(classes).examples();
  }

  /**
   * Reads the examples, mapping labels to indexes of {@code classes}, and counts what was noticed
   * on the way. Each line is decoded as strict UTF-8; a line with invalid bytes is decoded with
   * U+FFFD in their place, kept, and counted. An example whose text is empty or only whitespace is
   * skipped and counted; it does not count toward the limit.
   *
   * @param classes the declared class labels
   * @return the examples in file order, with the counts
   * @throws DataException for a missing or unreadable file, a bad line, an unknown label, or no
   *     data
   */
  public TextData readData(List<String> classes) throws DataException {
    return readData(classes, false);
  }

  /**
   * Like {@link #readData(List)}; with {@code multiLabel}, the label field of each line is a list
   * of labels (each one of {@code labels}, any number of them, none included), read as a 0/1 vector
   * per example.
   *
   * @param classes the declared class labels
   * @param multiLabel whether each example has a list of labels
   * @return the examples in file order, with the counts
   * @throws DataException for a missing or unreadable file, a bad line, an unknown label, or no
   *     data
   */
  public TextData readData(List<String> classes, boolean multiLabel) throws DataException {
    List<TextExample> out = new ArrayList<>();
    int emptyTexts = 0;
    int invalidUtf8 = 0;
    long firstInvalidUtf8 = 0;
    CharsetDecoder strict =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    CharBuffer chars = CharBuffer.allocate(1 << 14);
    if (Files.isDirectory(path)) {
      throw new DataException(path + ": is a directory, not a data file");
    }
    boolean gzip = path.toString().endsWith(".gz");
    try (InputStream raw = Files.newInputStream(path);
        InputStream in = gzip ? gunzip(raw) : raw) {
      ByteLines lines = new ByteLines(in);
      long lineNo = 0;
      while ((limit == null || out.size() < limit) && lines.next()) {
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
        String line = decodeStrict(strict, bytes, start, length, chars);
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
        JsonNode node;
        boolean more;
        try (JsonParser parser = JSON.createParser(line)) {
          node = JSON.readTree(parser);
          more = more(parser);
        } catch (JsonProcessingException e) {
          throw new DataException(
              where(lineNo) + "not a JSON object: " + parserMessage(e.getOriginalMessage()));
        }
        if (more) {
          // two lines run together (a line break lost) would otherwise read as the first alone
          throw new DataException(
              where(lineNo)
                  + "more follows the JSON object on this line (one object per line; is a line"
                  + " break missing?)");
        }
        if (node == null || !node.isObject()) {
          throw new DataException(where(lineNo) + "expected a JSON object per line");
        }
        JsonNode text = node.get(textField);
        if (text == null) {
          throw new DataException(
              where(lineNo) + "no text field '" + textField + "' (fields: " + fields(node) + ")");
        }
        if (!text.isTextual()) {
          throw new DataException(
              where(lineNo) + "field '" + textField + "' must be a string, got " + kind(text));
        }
        JsonNode label = node.get(labelField);
        if (label == null) {
          throw new DataException(
              where(lineNo) + "no label field '" + labelField + "' (fields: " + fields(node) + ")");
        }
        float[] multi = null;
        if (multiLabel) {
          multi = labelSet(label, classes, lineNo);
        } else if (!label.isValueNode() || label.isNull()) {
          throw new DataException(
              where(lineNo)
                  + "field '"
                  + labelField
                  + "' must be a string or number, got "
                  + kind(label));
        }
        int idx = multiLabel ? -1 : classes.indexOf(label.asText());
        if (idx < 0 && !multiLabel) {
          throw new DataException(
              where(lineNo)
                  + "label "
                  + quoted(label.asText())
                  + " is not one of the declared classes "
                  + classes
                  + " (head.classes)");
        }
        String value = text.asText();
        if (value.isBlank()) {
          emptyTexts++;
          continue;
        }
        out.add(new TextExample(value, idx, multi));
      }
    } catch (NoSuchFileException e) {
      throw new DataException(path + ": data file not found");
    } catch (EOFException e) {
      throw new DataException(
          path + (gzip ? ": gzip data ends early (truncated file)" : ": the file ends early"));
    } catch (ZipException e) {
      throw new DataException(path + ": gzip data is corrupt" + detail(e.getMessage()));
    } catch (AccessDeniedException e) {
      throw new DataException(path + ": cannot read the data file (permission denied)");
    } catch (IOException e) {
      String reason = e instanceof FileSystemException fs ? fs.getReason() : e.getMessage();
      throw new DataException(path + ": cannot read the data file" + detail(reason));
    }
    if (out.isEmpty()) {
      String skipped =
          switch (emptyTexts) {
            case 0 -> "";
            case 1 -> "; 1 text was empty or only whitespace and was skipped";
            default -> "; " + emptyTexts + " texts were empty or only whitespace and were skipped";
          };
      throw new DataException(path + ": the dataset is empty (no examples" + skipped + ")");
    }
    return new TextData(out, emptyTexts, invalidUtf8, firstInvalidUtf8);
  }

  /** A list of declared labels as a 0/1 vector; anything else is a clear error. */
  private float[] labelSet(JsonNode label, List<String> classes, long lineNo) throws DataException {
    if (!label.isArray()) {
      throw new DataException(
          where(lineNo)
              + "field '"
              + labelField
              + "' must be a list of labels (task.type: multilabel), e.g. [\""
              + shorten(classes.get(0))
              + "\"], got "
              + kind(label));
    }
    float[] set = new float[classes.size()];
    for (JsonNode one : label) {
      if (!one.isValueNode() || one.isNull()) {
        throw new DataException(
            where(lineNo)
                + "field '"
                + labelField
                + "' must list labels as strings, got "
                + kind(one)
                + " in the list");
      }
      int idx = classes.indexOf(one.asText());
      if (idx < 0) {
        throw new DataException(
            where(lineNo)
                + "label "
                + quoted(one.asText())
                + " is not one of the declared labels "
                + classes
                + " (head.classes)");
      }
      set[idx] = 1f;
    }
    return set;
  }

  /** Whether anything but white space follows the value the parser has read. */
  private static boolean more(JsonParser parser) throws IOException {
    try {
      return parser.nextToken() != null;
    } catch (JsonProcessingException e) {
      return true;
    }
  }

  /** A gzip stream over {@code raw}, or a clear error when the file does not start as gzip data. */
  private InputStream gunzip(InputStream raw) throws IOException, DataException {
    try {
      return new GZIPInputStream(raw, 1 << 16);
    } catch (EOFException e) {
      throw new DataException(path + ": not a gzip file (empty or truncated)");
    } catch (ZipException e) {
      throw new DataException(
          path + ": not a gzip file (the name ends in .gz but the content is not gzip-compressed)");
    }
  }

  /** " (reason)" in lower case, or nothing when there is no reason. */
  private static String detail(String reason) {
    return reason == null || reason.isBlank() ? "" : " (" + reason.toLowerCase(Locale.ROOT) + ")";
  }

  /** Whether the line starts with the UTF-8 byte order mark EF BB BF (written by some editors). */
  private static boolean startsWithBom(byte[] bytes, int start, int length) {
    return length >= 3
        && bytes[start] == (byte) 0xEF
        && bytes[start + 1] == (byte) 0xBB
        && bytes[start + 2] == (byte) 0xBF;
  }

  /** The line decoded as strict UTF-8, or null when it holds bytes that are not valid UTF-8. */
  private static String decodeStrict(
      CharsetDecoder strict, byte[] bytes, int start, int length, CharBuffer chars) {
    strict.reset();
    chars.clear();
    if (strict.decode(ByteBuffer.wrap(bytes, start, length), chars, true).isError()
        || strict.flush(chars).isError()) {
      return null;
    }
    return chars.flip().toString();
  }

  private String where(long lineNo) {
    return path + " line " + lineNo + ": ";
  }

  /** The JSON type of a value, as a user names it: "a number", "a list", "null". */
  private static String kind(JsonNode value) {
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

  /** The field names of an object for a message: at most {@value #MAX_FIELDS}, each shortened. */
  private static String fields(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    if (names.isEmpty()) {
      return "none";
    }
    List<String> shown = new ArrayList<>();
    for (String name : names.subList(0, Math.min(MAX_FIELDS, names.size()))) {
      shown.add(shorten(name));
    }
    String more = names.size() > MAX_FIELDS ? " and " + (names.size() - MAX_FIELDS) + " more" : "";
    return String.join(", ", shown) + more;
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
      m = token.group(1) + "'" + shorten(token.group(2)) + "'" + token.group(3);
    }
    return shorten(m.strip(), MAX_MESSAGE);
  }

  /** {@code 'value'}, shortened to its first {@value #MAX_QUOTED} characters when longer. */
  private static String quoted(String value) {
    if (value.length() <= MAX_QUOTED) {
      return "'" + value + "'";
    }
    return "'" + cut(value, MAX_QUOTED) + "…' (" + value.length() + " characters)";
  }

  private static String shorten(String value) {
    return shorten(value, MAX_QUOTED);
  }

  private static String shorten(String value, int max) {
    return value.length() <= max ? value : cut(value, max) + "…";
  }

  /** The first {@code max} characters, one fewer when that would split a surrogate pair. */
  private static String cut(String value, int max) {
    int end = Character.isHighSurrogate(value.charAt(max - 1)) ? max - 1 : max;
    return value.substring(0, end);
  }
}
