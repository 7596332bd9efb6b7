package io.github.finetune4j.data;

import java.io.Closeable;
import java.io.FilterReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * The records of a CSV file (gzip-compressed when its name ends in {@code .gz}) in UTF-8, with the
 * line each starts on: a leading byte order mark is skipped, a file in UTF-16 or UTF-32 is refused,
 * bytes that are not valid UTF-8 are read as U+FFFD, blank lines are skipped, broken quoting is an
 * error that names the line, and (checked by {@link #checkEnd()}) a file that ends inside a line is
 * refused as cut short.
 */
final class CsvRows implements Closeable {

  private final Path path;
  private final InputStream in;
  private final LastLine reader;
  private final CSVParser parser;
  private final Iterator<CSVRecord> records;
  private long line;

  private CsvRows(Path path, InputStream in, LastLine reader, CSVParser parser) {
    this.path = path;
    this.in = in;
    this.reader = reader;
    this.parser = parser;
    this.records = parser.iterator();
  }

  /**
   * Opens the file.
   *
   * @param path the file
   * @param format how the file is written (delimiter, quote, trimming); it should not ignore empty
   *     lines, so that the line numbers stay right
   * @return the records; the caller closes them
   * @throws DataException for a directory, a {@code .gz} file that is not gzip data, or a file in
   *     UTF-16 or UTF-32
   * @throws IOException when the file cannot be opened; pass it to {@link DataFiles#readError(Path,
   *     IOException)}
   */
  static CsvRows open(Path path, CSVFormat format) throws DataException, IOException {
    InputStream in = DataFiles.open(path);
    try {
      InputStream text = DataFiles.utf8Only(path, in);
      LastLine reader = new LastLine(skipBom(new InputStreamReader(text, StandardCharsets.UTF_8)));
      return new CsvRows(path, in, reader, format.parse(reader));
    } catch (DataException | IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /**
   * Moves to the next record that is not a blank line.
   *
   * @return the record, or null at the end of the file
   * @throws DataException for broken quoting (the message names the file and the line)
   * @throws IOException when the file cannot be read; pass it to {@link DataFiles#readError(Path,
   *     IOException)}
   */
  CSVRecord next() throws DataException, IOException {
    try {
      while (true) {
        // The parser has consumed whole lines so far; the next record starts on the next one.
        line = parser.getCurrentLineNumber() + 1;
        if (!records.hasNext()) {
          return null;
        }
        CSVRecord record = records.next();
        if (record.size() != 1 || !record.get(0).isEmpty()) {
          return record;
        }
      }
    } catch (UncheckedIOException e) {
      IOException cause = e.getCause();
      if (cause instanceof CSVException csv) {
        throw new DataException(syntaxError(csv, line, parser.getCurrentLineNumber()));
      }
      throw cause;
    }
  }

  /** The line the record last read starts on (1-based). */
  long line() {
    return line;
  }

  /** {@code "path line N: "}, the start of a message about the record last read. */
  String where() {
    return where(line);
  }

  private String where(long lineNo) {
    return path + " line " + lineNo + ": ";
  }

  /**
   * Checks, once reading stops, that the last record read did not end the file inside a line: the
   * file may be cut short there, and the record would read with a cut value ({@code 12.5} as {@code
   * 1}).
   *
   * @throws DataException when the file ends inside the last record read
   */
  void checkEnd() throws DataException {
    if (reader.open() && !more()) {
      throw new DataException(
          where(parser.getCurrentLineNumber())
              + "the last line does not end with a line break, as in a file cut short; if the"
              + " file is complete, end it with a line break");
    }
  }

  /**
   * Checks that the record has one cell per column of the header.
   *
   * @param record the record last read
   * @param columns how many columns the header has
   * @throws DataException naming the line and both counts
   */
  void checkWidth(CSVRecord record, int columns) throws DataException {
    if (record.size() != columns) {
      throw new DataException(
          where()
              + "the row has "
              + count(record.size(), "cell")
              + ", but the header has "
              + count(columns, "column"));
    }
  }

  /**
   * The columns of a header by name; unnamed columns are left out.
   *
   * @param header the header record's cells
   * @return each name's 0-based column
   * @throws DataException when the header names a column twice (the message names the line of the
   *     header record last read and both columns)
   */
  Map<String, Integer> columns(String[] header) throws DataException {
    Map<String, Integer> byName = new HashMap<>();
    for (int c = 0; c < header.length; c++) {
      if (header[c].isEmpty()) {
        continue;
      }
      Integer before = byName.putIfAbsent(header[c], c);
      if (before != null) {
        throw new DataException(
            where()
                + "the header names column "
                + Quoting.quoted(header[c])
                + " twice"
                + " (columns "
                + (before + 1)
                + " and "
                + (c + 1)
                + ")");
      }
    }
    return byName;
  }

  @Override
  public void close() throws IOException {
    try {
      parser.close();
    } finally {
      in.close();
    }
  }

  /** The parser's complaint about the file's quoting, in the user's terms. */
  private String syntaxError(CSVException e, long recordLine, long currentLine) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("EOF reached before encapsulated token finished")) {
      return where(recordLine)
          + "a quoted cell is not closed (its closing quote is missing before the end of the"
          + " file)";
    }
    if (m.contains("Invalid character between encapsulated token and delimiter")) {
      return where(Math.max(recordLine, currentLine))
          + "text follows the closing quote of a quoted cell (a quote inside a quoted cell is"
          + " written twice: \"\")";
    }
    return where(recordLine) + "the row is not valid CSV";
  }

  /**
   * Whether another record follows; one that is not valid CSV counts (the rows read so far ended
   * with a line break), and is left to a later read without the limit to report.
   */
  private boolean more() {
    try {
      return records.hasNext();
    } catch (UncheckedIOException e) {
      return true;
    }
  }

  private static String count(int n, String what) {
    return n + " " + what + (n == 1 ? "" : "s");
  }

  /**
   * A reader that notes whether it reached the end of its input inside a line: after text that is
   * not white space and no line break since. A record that ends there ended with the file, not with
   * a line break, which is what a file cut short inside its last row looks like.
   */
  private static final class LastLine extends FilterReader {
    private boolean eof;
    private boolean inLine;

    LastLine(Reader in) {
      super(in);
    }

    /** Whether the input ended inside a line (false until its end is read). */
    boolean open() {
      return eof && inLine;
    }

    @Override
    public int read() throws IOException {
      int c = super.read();
      if (c < 0) {
        eof = true;
      } else {
        see((char) c);
      }
      return c;
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      if (n < 0) {
        eof = true;
      }
      for (int i = 0; i < n; i++) {
        see(buf[off + i]);
      }
      return n;
    }

    private void see(char c) {
      if (c == '\n' || c == '\r') {
        inLine = false;
      } else if (!Character.isWhitespace(c)) {
        inLine = true;
      }
    }
  }

  /** The reader without a leading byte order mark. */
  private static Reader skipBom(Reader reader) throws IOException {
    PushbackReader in = new PushbackReader(reader, 1);
    int first = in.read();
    if (first >= 0 && first != '\uFEFF') {
      in.unread(first);
    }
    return in;
  }
}
