package io.github.finetune4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVRecord;

/**
 * The rows of a JSON-lines, CSV or TSV file ({@link RowFormat}) as named fields, read through
 * {@link JsonLines} or {@link CsvRows}, so that a reader of rows is written once for the three
 * formats. Messages start with the file and the line, and call a field a "field" in JSON lines and
 * a "column" in CSV and TSV.
 */
abstract sealed class FieldRows implements Closeable {

  private static final Pattern WHOLE = Pattern.compile("[+-]?\\d+");

  /** The file. */
  final Path path;

  private FieldRows(Path path) {
    this.path = path;
  }

  /**
   * Checks a field name given to a builder.
   *
   * @param name the name
   * @return the name
   * @throws IllegalArgumentException when it is null or blank
   */
  static String fieldName(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a field name cannot be empty");
    }
    return name;
  }

  /**
   * Checks that the fields of one row have distinct names.
   *
   * @param names the names
   * @throws IllegalArgumentException naming a name given twice
   */
  static void requireDistinct(String... names) {
    Set<String> seen = new HashSet<>();
    for (String n : names) {
      if (!seen.add(n)) {
        throw new IllegalArgumentException("the field " + n + " is named for two parts of a row");
      }
    }
  }

  /** What a reader does with one row. */
  @FunctionalInterface
  interface RowReader {
    /**
     * Reads the row.
     *
     * @param row the rows, at the row
     * @return whether the row counts toward a limit (it gave an example)
     * @throws DataException for a bad row; reading goes on with the next
     */
    boolean read(FieldRows row) throws DataException;
  }

  /**
   * Reads every row of a file (or the first ones, up to a limit), noting each problem and going on
   * where the file allows: after a bad row, and after a line of JSON lines that is not an object;
   * not after broken CSV quoting, a bad header or a file that cannot be read.
   *
   * @param path the file
   * @param required the fields every row needs (checked against the header of a CSV or TSV file)
   * @param problems where problems are noted
   * @param limit stop after this many rows that count, or null to read all
   * @param reader what is done with each row
   * @return how many lines held bytes that are not valid UTF-8 (JSON lines only; in CSV and TSV
   *     they are read as U+FFFD uncounted, as {@link CsvSource} does), and the first such line
   */
  static long[] forEach(
      Path path, List<String> required, Problems problems, Integer limit, RowReader reader) {
    RowFormat format;
    try {
      format = RowFormat.of(path);
    } catch (DataException e) {
      problems.add(e);
      return new long[2];
    }
    try (FieldRows rows = open(path, format, required)) {
      int counted = 0;
      while (limit == null || counted < limit) {
        try {
          if (!rows.next()) {
            break;
          }
        } catch (DataException e) {
          problems.add(e);
          if (rows.broken()) {
            break;
          }
          continue;
        }
        try {
          if (reader.read(rows)) {
            counted++;
          }
        } catch (DataException e) {
          problems.add(e);
        }
      }
      if (!rows.broken()) {
        rows.finish();
      }
      return rows.invalidUtf8();
    } catch (DataException e) {
      problems.add(e);
    } catch (IOException e) {
      problems.add(DataFiles.readError(path, e));
    }
    return new long[2];
  }

  private static FieldRows open(Path path, RowFormat format, List<String> required)
      throws DataException, IOException {
    if (format == RowFormat.JSONL) {
      return new Json(path, JsonLines.open(path));
    }
    CsvRows rows = CsvRows.open(path, format.csv());
    try {
      return Csv.start(path, rows, required);
    } catch (DataException | IOException | RuntimeException e) {
      rows.close();
      throw e;
    }
  }

  /**
   * Moves to the next row.
   *
   * @return false at the end of the file
   * @throws DataException for a line that is not a row; see {@link #broken()}
   * @throws IOException when the file cannot be read
   */
  abstract boolean next() throws DataException, IOException;

  /** Whether the file cannot be read further (after broken CSV quoting). */
  abstract boolean broken();

  /** Checks the end of the file once reading stops (a CSV file cut short inside its last row). */
  abstract void finish() throws DataException;

  /** Lines with invalid UTF-8 and the first of them (0 when none). */
  abstract long[] invalidUtf8();

  /** The 1-based line the row starts on. */
  abstract long line();

  /** {@code "field 'x'"} or {@code "column 'x'"}. */
  abstract String name(String field);

  /**
   * Whether the row has the field (JSON lines: present and not null; CSV: a column of that name).
   */
  abstract boolean has(String field);

  /**
   * The value of a field that holds text.
   *
   * @param field the field
   * @return the text as written (empty or blank included)
   * @throws DataException when the row lacks the field or it is not a string
   */
  abstract String text(String field) throws DataException;

  /**
   * The value of a field that holds text, which must not be empty or only whitespace.
   *
   * @param field the field
   * @return the text as written
   * @throws DataException when the row lacks the field, it is not a string, or it is blank
   */
  String nonBlankText(String field) throws DataException {
    String text = text(field);
    if (text.isBlank()) {
      throw new DataException(where() + name(field) + " is empty or only whitespace");
    }
    return text;
  }

  /**
   * The value of an id field: a string, or in JSON lines also a whole number (written as text).
   *
   * @param field the field
   * @return the id, never empty or blank
   * @throws DataException when the row lacks the field, it is not a string or whole number, or it
   *     is empty
   */
  String id(String field) throws DataException {
    String id = idText(field);
    if (id.isBlank()) {
      throw new DataException(where() + name(field) + " is empty (an id is needed)");
    }
    return id;
  }

  abstract String idText(String field) throws DataException;

  /**
   * The value of a number field: a finite number.
   *
   * @param field the field
   * @return the number
   * @throws DataException when the row lacks the field, or it is not a number or not finite
   */
  abstract double number(String field) throws DataException;

  /**
   * The value of a whole-number field.
   *
   * @param field the field
   * @return the number
   * @throws DataException when the row lacks the field, or it is not a whole number within the
   *     range of an int
   */
  abstract int integer(String field) throws DataException;

  /** {@code "path line N: "}, the start of a message about the row. */
  String where() {
    return path + " line " + line() + ": ";
  }

  /** A number beyond a double's range (read as infinite), quoted as written when known. */
  final DataException notFinite(String field, String written) {
    return new DataException(
        where()
            + name(field)
            + " is "
            + (written == null ? "" : Quoting.quoted(written) + ", ")
            + "beyond the range of a 64-bit float (about 1.8e308)");
  }

  /** A number that is not whole or too large for an int. */
  final DataException notWhole(String field, String written) {
    return new DataException(
        where()
            + name(field)
            + " must be a whole number (from "
            + Integer.MIN_VALUE
            + " to "
            + Integer.MAX_VALUE
            + "), got "
            + Quoting.quoted(written));
  }

  /** Rows of a JSON-lines file. */
  private static final class Json extends FieldRows {
    private final JsonLines lines;
    private JsonNode node;

    Json(Path path, JsonLines lines) {
      super(path);
      this.lines = lines;
    }

    @Override
    boolean next() throws DataException, IOException {
      node = lines.next();
      return node != null;
    }

    @Override
    boolean broken() {
      return false;
    }

    @Override
    void finish() {}

    @Override
    long[] invalidUtf8() {
      return new long[] {lines.invalidUtf8Lines(), lines.firstInvalidUtf8Line()};
    }

    @Override
    long line() {
      return lines.line();
    }

    @Override
    String name(String field) {
      return "field " + Quoting.quoted(field);
    }

    @Override
    boolean has(String field) {
      JsonNode v = node.get(field);
      return v != null && !v.isNull();
    }

    private JsonNode value(String field) throws DataException {
      JsonNode v = node.get(field);
      if (v == null) {
        throw new DataException(
            where()
                + "no field "
                + Quoting.quoted(field)
                + " (fields: "
                + JsonLines.fields(node)
                + ")");
      }
      return v;
    }

    private DataException wrongType(String field, String wanted, JsonNode v) {
      return new DataException(
          where() + name(field) + " must be " + wanted + ", got " + JsonLines.kind(v));
    }

    @Override
    String text(String field) throws DataException {
      JsonNode v = value(field);
      if (!v.isTextual()) {
        throw wrongType(field, "a string", v);
      }
      return v.asText();
    }

    @Override
    String idText(String field) throws DataException {
      JsonNode v = value(field);
      if (v.isTextual()) {
        return v.asText();
      }
      if (v.isIntegralNumber()) {
        return v.bigIntegerValue().toString();
      }
      throw wrongType(field, "a string or a whole number", v);
    }

    @Override
    double number(String field) throws DataException {
      JsonNode v = value(field);
      if (!v.isNumber()) {
        throw wrongType(field, "a number", v);
      }
      double d = v.doubleValue();
      if (!Double.isFinite(d)) {
        throw notFinite(field, null); // the parser has already made it infinite
      }
      return d;
    }

    @Override
    int integer(String field) throws DataException {
      JsonNode v = value(field);
      if (!v.isNumber()) {
        throw wrongType(field, "a whole number", v);
      }
      if (!v.isIntegralNumber() || !v.canConvertToInt()) {
        throw notWhole(field, v.asText());
      }
      return v.intValue();
    }

    @Override
    public void close() throws IOException {
      lines.close();
    }
  }

  /** Rows of a CSV or TSV file with a header row. */
  private static final class Csv extends FieldRows {
    private final CsvRows rows;
    private final String[] header;
    private final Map<String, Integer> columns;
    private CSVRecord record;
    private boolean broken;

    private Csv(Path path, CsvRows rows, String[] header, Map<String, Integer> columns) {
      super(path);
      this.rows = rows;
      this.header = header;
      this.columns = columns;
    }

    /** Reads and checks the header: distinct names, the required columns among them. */
    static Csv start(Path path, CsvRows rows, List<String> required)
        throws DataException, IOException {
      CSVRecord first = rows.next();
      if (first == null) {
        throw new DataException(path + ": the file is empty (no header row)");
      }
      String[] header = first.values();
      Map<String, Integer> columns = rows.columns(header);
      List<String> problems = new ArrayList<>();
      for (String r : required) {
        if (!columns.containsKey(r)) {
          problems.add(
              path
                  + ": column "
                  + Quoting.quoted(r)
                  + " is not in the header (columns: "
                  + CsvSource.names(List.of(header))
                  + ")");
        }
      }
      if (!problems.isEmpty()) {
        throw new DataException(problems);
      }
      return new Csv(path, rows, header, columns);
    }

    @Override
    boolean next() throws DataException, IOException {
      record = null;
      CSVRecord r;
      try {
        r = rows.next();
      } catch (DataException e) {
        broken = true;
        throw e;
      }
      if (r == null) {
        return false;
      }
      rows.checkWidth(r, header.length);
      record = r;
      return true;
    }

    @Override
    boolean broken() {
      return broken;
    }

    @Override
    void finish() throws DataException {
      rows.checkEnd();
    }

    @Override
    long[] invalidUtf8() {
      return new long[2];
    }

    @Override
    long line() {
      return rows.line();
    }

    @Override
    String name(String field) {
      return "column " + Quoting.quoted(field);
    }

    @Override
    boolean has(String field) {
      return columns.containsKey(field);
    }

    private String cell(String field) throws DataException {
      Integer c = columns.get(field);
      if (c == null) {
        throw new DataException(
            path
                + ": column "
                + Quoting.quoted(field)
                + " is not in the header (columns: "
                + CsvSource.names(List.of(header))
                + ")");
      }
      return record.get(c);
    }

    @Override
    String text(String field) throws DataException {
      return cell(field);
    }

    @Override
    String idText(String field) throws DataException {
      return cell(field);
    }

    @Override
    double number(String field) throws DataException {
      String cell = cell(field);
      if (cell.isEmpty()) {
        throw new DataException(where() + name(field) + " is empty (a number is needed)");
      }
      if (!CsvSource.isDecimal(cell)) {
        throw new DataException(
            where() + name(field) + " must be a number, got " + Quoting.quoted(cell));
      }
      double d = Double.parseDouble(cell);
      if (!Double.isFinite(d)) {
        throw notFinite(field, cell);
      }
      return d;
    }

    @Override
    int integer(String field) throws DataException {
      String cell = cell(field);
      if (cell.isEmpty()) {
        throw new DataException(where() + name(field) + " is empty (a whole number is needed)");
      }
      if (!WHOLE.matcher(cell).matches()) {
        throw notWhole(field, cell);
      }
      try {
        return Integer.parseInt(cell);
      } catch (NumberFormatException e) {
        throw notWhole(field, cell);
      }
    }

    @Override
    public void close() throws IOException {
      rows.close();
    }
  }
}
