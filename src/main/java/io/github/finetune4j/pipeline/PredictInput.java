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
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Texts to classify, read from a file or a stream: one text per line, or JSON Lines (one object per
 * line whose text is in a named string field). Lines that are empty or only white space are skipped
 * and counted. Files whose name ends {@code .gz} are decompressed.
 *
 * @param texts the texts, in input order
 * @param skippedEmptyLines how many empty lines were skipped
 */
public record PredictInput(List<String> texts, int skippedEmptyLines) {

  /** At most this many problems are listed; reading stops there. */
  static final int MAX_PROBLEMS = 10;

  /**
   * The most characters one line may hold (1 MiB of characters); a longer line is refused, so that
   * an input without line breaks (e.g. {@code /dev/zero}) cannot fill the memory.
   */
  public static final int MAX_LINE_CHARS = 1 << 20;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** Copies the list. */
  public PredictInput {
    texts = List.copyOf(texts);
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
      return read(in, file.toString(), jsonl, textField);
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
    BufferedReader r =
        new BufferedReader(
            new InputStreamReader(
                in,
                StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)),
            1 << 16);
    List<String> texts = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    int skipped = 0;
    int lineNo = 0;
    try {
      Lines lines = new Lines(r);
      for (String line; (line = lines.next()) != null; ) {
        lineNo++;
        if (line == TOO_LONG) {
          problems.add(
              name
                  + ":"
                  + lineNo
                  + ": longer than "
                  + MAX_LINE_CHARS
                  + " characters, the most a line may hold");
          break;
        }
        if (lineNo == 1 && line.startsWith("\uFEFF")) {
          line = line.substring(1); // a byte-order mark is no part of the first text
        }
        if (line.isBlank()) {
          skipped++;
          continue;
        }
        if (!jsonl) {
          texts.add(line);
          continue;
        }
        String text = jsonText(line, name + ":" + lineNo, textField, problems);
        if (text != null) {
          texts.add(text);
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
    } catch (CharacterCodingException e) {
      problems.add(name + ":" + (lineNo + 1) + ": not UTF-8 text");
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
                  + ": holds no texts"
                  + (skipped > 0
                      ? " (" + skipped + " empty line" + (skipped == 1 ? "" : "s") + ")"
                      : "")));
    }
    return new PredictInput(texts, skipped);
  }

  /** What {@link Lines#next} returns for a line over {@link #MAX_LINE_CHARS} (by identity). */
  private static final String TOO_LONG = new String("<too long>");

  /**
   * Lines of a reader without their terminators (\n, \r or \r\n, as {@link
   * BufferedReader#readLine}), none longer than {@link #MAX_LINE_CHARS}.
   */
  private static final class Lines {
    private final Reader in;
    private final char[] buf = new char[1 << 16];
    private int pos;
    private int len;
    private boolean afterCr;
    private boolean ended;

    Lines(Reader in) {
      this.in = in;
    }

    /** The next line, null at the end, or {@link #TOO_LONG} as soon as it passes the limit. */
    String next() throws IOException {
      StringBuilder b = new StringBuilder();
      boolean any = false;
      while (true) {
        if (pos == len) {
          len = ended ? -1 : in.read(buf, 0, buf.length);
          pos = 0;
          if (len <= 0) { // a terminal is not read again after its end
            ended = true;
            len = 0;
            return any ? b.toString() : null;
          }
        }
        if (afterCr) {
          afterCr = false;
          if (buf[pos] == '\n') {
            pos++;
            continue;
          }
        }
        any = true;
        int from = pos;
        while (pos < len && buf[pos] != '\n' && buf[pos] != '\r') {
          pos++;
        }
        if (b.length() + (pos - from) > MAX_LINE_CHARS) {
          return TOO_LONG;
        }
        b.append(buf, from, pos - from);
        if (pos < len) {
          afterCr = buf[pos] == '\r';
          pos++;
          return b.toString();
        }
      }
    }
  }

  private static String jsonText(String line, String where, String field, List<String> problems) {
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
    JsonNode text = node.path(field);
    if (!text.isTextual()) {
      problems.add(where + ": \"" + field + "\" must be a string, got " + Problems.describe(text));
      return null;
    }
    return text.asText();
  }
}
