package io.github.finetune4j.data;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a table of numbers from a CSV file (gzip-compressed when its name ends in {@code .gz}) in
 * UTF-8; a leading byte order mark is skipped, a file in UTF-16 or UTF-32 is refused, and bytes
 * that are not valid UTF-8 are read as U+FFFD (which a number, a label or the name of a column read
 * cannot hold).
 *
 * <p>The first non-blank line is the header: one distinct name per column (a column may be left
 * unnamed, like the index column some tools write, but then it can only be skipped). Cells may be
 * quoted with {@code "}, which lets them hold the delimiter, line breaks and {@code ""} for a
 * quote; spaces around a cell are ignored. Blank lines are skipped. Every row has as many cells as
 * the header has columns. Every line ends with a line break, the last one too: a file that ends
 * inside a line is refused, because that is how a file cut short looks, and its last row would read
 * with a cut value ({@code 12.5} as {@code 1}).
 *
 * <p>The feature columns are selected by names and patterns ({@code *} for any run of characters,
 * {@code ?} for one character, matched against whole names), or are all the columns but the label
 * or target columns when none are given. Each feature and target cell holds a decimal number such
 * as {@code 3}, {@code -0.25} or {@code 1.5e-3} within the range of a 32-bit float; {@code NaN},
 * {@code Infinity}, hexadecimal and empty cells are errors, and the first bad cell is reported with
 * its line and column. Columns that are not selected are not read.
 */
public final class CsvSource {

  /** The delimiter of a plain CSV file. */
  public static final char DEFAULT_DELIMITER = ',';

  /** Most names listed in a message. */
  private static final int MAX_NAMES = 20;

  /** Most values one table holds (rows times columns), a little under the largest Java array. */
  private static final int MAX_VALUES = Integer.MAX_VALUE - 64;

  private static final Pattern DECIMAL_COMMA = Pattern.compile("[+-]?\\d*,\\d+");

  private final Path path;
  private final char delimiter;
  private final List<String> features;
  private final Integer limit;

  /**
   * Creates a source.
   *
   * @param path the file
   * @param delimiter the cell delimiter, usually {@value #DEFAULT_DELIMITER}; also {@code ';'},
   *     {@code '\t'} or {@code ' '}
   * @param features the feature column names and patterns, in the order wanted (a pattern adds its
   *     columns in header order, skipping columns already added and the label or target columns);
   *     null or empty for all the columns but the label or target columns, in header order
   * @param limit keep only the first N rows, or null for all
   * @throws IllegalArgumentException for a delimiter that is a quote or a line break, an empty
   *     feature name, or a limit below 1
   */
  public CsvSource(Path path, char delimiter, List<String> features, Integer limit) {
    if (delimiter == '"' || delimiter == '\r' || delimiter == '\n') {
      throw new IllegalArgumentException(
          "the delimiter cannot be a quote or a line break, got " + printable(delimiter));
    }
    if (limit != null && limit < 1) {
      throw new IllegalArgumentException("the limit must be at least 1, got " + limit);
    }
    List<String> selected = features == null ? List.of() : List.copyOf(features);
    for (String f : selected) {
      if (f.isBlank()) {
        throw new IllegalArgumentException("the feature columns include an empty name");
      }
    }
    this.path = path;
    this.delimiter = delimiter;
    this.features = selected;
    this.limit = limit;
  }

  /**
   * Reads a classification table: the features and, per row, the index of its label in {@code
   * classes}.
   *
   * @param labelColumn the name of the label column
   * @param classes the declared class labels; or null to use the distinct labels of the file,
   *     sorted (by value when they are all numbers, else as text), of which there must be two or
   *     more
   * @return the table, rows in file order
   * @throws DataException for a missing or unreadable file, a bad header or row, an unknown column,
   *     a cell that is not a number, an undeclared label, or no rows
   */
  public TabularData readClassification(String labelColumn, List<String> classes)
      throws DataException {
    if (labelColumn == null || labelColumn.isBlank()) {
      throw new IllegalArgumentException("a label column is needed");
    }
    return read(labelColumn, classes == null ? null : List.copyOf(classes), List.of());
  }

  /**
   * Reads a regression table: the features and, per row, the float value of each target column.
   *
   * @param targetColumns the names of the target columns, one or more, in the order wanted
   * @return the table, rows in file order
   * @throws DataException for a missing or unreadable file, a bad header or row, an unknown column,
   *     a cell that is not a number, or no rows
   */
  public TabularData readRegression(List<String> targetColumns) throws DataException {
    if (targetColumns == null || targetColumns.isEmpty()) {
      throw new IllegalArgumentException("one or more target columns are needed");
    }
    for (String t : targetColumns) {
      if (t.isBlank()) {
        throw new IllegalArgumentException("the target columns include an empty name");
      }
    }
    return read(null, null, List.copyOf(targetColumns));
  }

  /**
   * Reads only the feature columns (to predict): other columns, a label or targets among them, are
   * not read.
   *
   * @return a table of features without labels or targets ({@link TabularData#isClassification()}
   *     false, no target names), rows in file order
   * @throws DataException for a missing or unreadable file, a bad header or row, an unknown column,
   *     a cell that is not a number, or no rows
   */
  public TabularData readFeatures() throws DataException {
    if (features.isEmpty()) {
      throw new IllegalArgumentException("name the feature columns to read");
    }
    return read(null, null, List.of());
  }

  /** The columns read: feature and target column indexes, and the label column's (or -1). */
  private record Columns(
      int[] features,
      List<String> featureNames,
      int label,
      int[] targets,
      List<String> targetNames) {}

  private TabularData read(String labelColumn, List<String> classes, List<String> targetColumns)
      throws DataException {
    try (CsvRows rows = CsvRows.open(path, format())) {
      return parse(rows, labelColumn, classes, targetColumns);
    } catch (IOException e) {
      throw DataFiles.readError(path, e);
    }
  }

  private CSVFormat format() {
    return CSVFormat.DEFAULT
        .builder()
        .setDelimiter(delimiter)
        .setIgnoreEmptyLines(false)
        .setTrim(true)
        .get();
  }

  private TabularData parse(
      CsvRows in, String labelColumn, List<String> classes, List<String> targetColumns)
      throws DataException, IOException {
    String[] header = null;
    Columns cols = null;
    Floats feats = null;
    Floats targs = null;
    List<Integer> labelIds = new ArrayList<>();
    Map<String, Integer> labelIndex = new HashMap<>();
    List<String> labelsSeen = new ArrayList<>();
    int rows = 0;
    CSVRecord record;
    while ((header == null || limit == null || rows < limit) && (record = in.next()) != null) {
      long line = in.line();
      if (header == null) {
        header = record.values();
        cols = columns(header, in, labelColumn, targetColumns);
        feats = new Floats();
        targs = new Floats();
        continue;
      }
      in.checkWidth(record, header.length);
      if ((long) (rows + 1) * Math.max(cols.features.length, cols.targets.length) > MAX_VALUES) {
        throw new DataException(
            where(line)
                + "the table is too large (more than "
                + MAX_VALUES
                + " values in one table)");
      }
      for (int c : cols.features) {
        feats.add(number(record.get(c), line, header[c]));
      }
      for (int c : cols.targets) {
        targs.add(number(record.get(c), line, header[c]));
      }
      if (cols.label >= 0) {
        String label = record.get(cols.label);
        String column = header[cols.label];
        if (label.isEmpty()) {
          throw new DataException(where(line, column) + "empty cell (every row needs a label)");
        }
        if (label.indexOf('\uFFFD') >= 0) {
          throw new DataException(
              where(line, column)
                  + "the label "
                  + quoted(label)
                  + " holds bytes that are not valid UTF-8");
        }
        if (classes != null) {
          int idx = classes.indexOf(label);
          if (idx < 0) {
            throw new DataException(
                where(line, column)
                    + "label "
                    + quoted(label)
                    + " is not one of the declared classes "
                    + names(classes, "[", "]")
                    + " (head.classes)");
          }
          labelIds.add(idx);
        } else {
          Integer idx = labelIndex.get(label);
          if (idx == null) {
            idx = labelsSeen.size();
            labelIndex.put(label, idx);
            labelsSeen.add(label);
          }
          labelIds.add(idx);
        }
      }
      rows++;
    }
    in.checkEnd();
    if (header == null) {
      throw new DataException(path + ": the file is empty (no header row)");
    }
    if (rows == 0) {
      throw new DataException(path + ": the dataset is empty (no rows after the header)");
    }
    if (cols.label < 0) {
      return TabularData.ownedRegression(
          rows, cols.featureNames, feats.array(), cols.targetNames, targs.array());
    }
    int[] labels = new int[rows];
    for (int i = 0; i < rows; i++) {
      labels[i] = labelIds.get(i);
    }
    List<String> classList = classes;
    if (classList == null) {
      classList = sortedLabels(labelsSeen);
      if (classList.size() < 2) {
        throw new DataException(
            path
                + ": column "
                + quoted(header[cols.label])
                + " holds only the label "
                + quoted(classList.get(0))
                + "; a classifier needs two or more classes");
      }
      int[] remap = new int[labelsSeen.size()];
      for (int i = 0; i < remap.length; i++) {
        remap[i] = classList.indexOf(labelsSeen.get(i));
      }
      for (int i = 0; i < rows; i++) {
        labels[i] = remap[labels[i]];
      }
    }
    return TabularData.ownedClassification(cols.featureNames, feats.array(), labels, classList);
  }

  /** Checks the header and finds the columns to read. */
  private Columns columns(
      String[] header, CsvRows in, String labelColumn, List<String> targetColumns)
      throws DataException {
    long headerLine = in.line();
    Map<String, Integer> byName = in.columns(header);
    Set<Integer> reserved = new HashSet<>();
    int label = -1;
    if (labelColumn != null) {
      label = find(byName, labelColumn, "label column", header);
      reserved.add(label);
    }
    int[] targets = new int[targetColumns.size()];
    for (int i = 0; i < targets.length; i++) {
      targets[i] = find(byName, targetColumns.get(i), "target column", header);
      if (!reserved.add(targets[i])) {
        throw new DataException(
            path + ": target column " + quoted(targetColumns.get(i)) + " is listed twice");
      }
    }
    boolean classify = labelColumn != null;
    Set<Integer> picked = new LinkedHashSet<>();
    if (features.isEmpty()) {
      for (int c = 0; c < header.length; c++) {
        if (reserved.contains(c)) {
          continue;
        }
        if (header[c].isEmpty()) {
          throw new DataException(
              where(headerLine)
                  + "column "
                  + (c + 1)
                  + " has no name in the header; name it, or"
                  + " list the feature columns to read");
        }
        picked.add(c);
      }
      if (picked.isEmpty()) {
        throw new DataException(
            path
                + ": no feature columns (the header has only "
                + roleOf(reservedNames(header, reserved), classify)
                + ")");
      }
    } else {
      Set<String> literals = new HashSet<>();
      for (String f : features) {
        if (isPattern(f)) {
          Pattern glob = glob(f);
          boolean any = false;
          List<String> reservedHits = new ArrayList<>();
          for (int c = 0; c < header.length; c++) {
            if (header[c].isEmpty() || !glob.matcher(header[c]).matches()) {
              continue;
            }
            if (reserved.contains(c)) {
              reservedHits.add(header[c]);
            } else {
              any = true;
              picked.add(c);
            }
          }
          if (!any && !reservedHits.isEmpty()) {
            throw new DataException(
                path
                    + ": feature pattern "
                    + quoted(f)
                    + " matches only "
                    + roleOf(reservedHits, classify));
          }
          if (!any) {
            throw new DataException(
                path
                    + ": feature pattern "
                    + quoted(f)
                    + " matches no column (columns: "
                    + names(List.of(header))
                    + ")");
          }
        } else {
          if (!literals.add(f)) {
            throw new DataException(path + ": feature column " + quoted(f) + " is listed twice");
          }
          int c = find(byName, f, "feature column", header);
          if (reserved.contains(c)) {
            throw new DataException(
                path
                    + ": column "
                    + quoted(f)
                    + " is "
                    + (classify ? "the label column" : "a target column")
                    + " and cannot also be a feature");
          }
          picked.add(c);
        }
      }
    }
    int[] featureCols = picked.stream().mapToInt(Integer::intValue).toArray();
    List<String> featureNames = new ArrayList<>();
    for (int c : featureCols) {
      if (header[c].indexOf('\uFFFD') >= 0) {
        throw new DataException(
            where(headerLine)
                + "the name of column "
                + (c + 1)
                + ", "
                + quoted(header[c])
                + ", holds bytes that are not valid UTF-8 (save the file as UTF-8)");
      }
      featureNames.add(header[c]);
    }
    List<String> targetNames = new ArrayList<>();
    for (int c : targets) {
      targetNames.add(header[c]);
    }
    return new Columns(featureCols, featureNames, label, targets, targetNames);
  }

  private int find(Map<String, Integer> byName, String name, String what, String[] header)
      throws DataException {
    Integer c = byName.get(name);
    if (c == null) {
      throw new DataException(
          path
              + ": "
              + what
              + " "
              + quoted(name)
              + " is not in the header (columns: "
              + names(List.of(header))
              + ")");
    }
    return c;
  }

  /** "the label column 'y'", "the target column 'y'" or "target columns 'y', 'z'". */
  private static String roleOf(List<String> columns, boolean classify) {
    List<String> shown = new ArrayList<>();
    for (String c : columns.subList(0, Math.min(MAX_NAMES, columns.size()))) {
      shown.add(quoted(c));
    }
    String more =
        columns.size() > MAX_NAMES ? " and " + (columns.size() - MAX_NAMES) + " more" : "";
    String what;
    if (classify) {
      what = "the label column ";
    } else {
      what = columns.size() == 1 ? "the target column " : "target columns ";
    }
    return what + String.join(", ", shown) + more;
  }

  private static List<String> reservedNames(String[] header, Set<Integer> reserved) {
    List<String> out = new ArrayList<>();
    for (int c : reserved) {
      out.add(header[c]);
    }
    return out;
  }

  /** A feature or target cell as a float, or the error for the first bad cell. */
  private float number(String cell, long line, String column) throws DataException {
    if (cell.isEmpty()) {
      throw new DataException(where(line, column) + "empty cell (a number is needed)");
    }
    if (!isDecimal(cell)) {
      String hint =
          DECIMAL_COMMA.matcher(cell).matches() ? " (the decimal separator is a point)" : "";
      throw new DataException(where(line, column) + quoted(cell) + " is not a number" + hint);
    }
    float v = Float.parseFloat(cell);
    if (Float.isInfinite(v)) {
      throw new DataException(
          where(line, column)
              + quoted(cell)
              + " is beyond the range of a 32-bit float"
              + " (about 3.4e38)");
    }
    return v;
  }

  /**
   * Whether the text is a plain decimal number: an optional sign, digits with at most one point (at
   * least one digit in all), and an optional exponent.
   */
  static boolean isDecimal(String s) {
    int n = s.length();
    int i = 0;
    if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
      i++;
    }
    int digits = 0;
    while (i < n && isDigit(s.charAt(i))) {
      i++;
      digits++;
    }
    if (i < n && s.charAt(i) == '.') {
      i++;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        digits++;
      }
    }
    if (digits == 0) {
      return false;
    }
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int exponent = 0;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        exponent++;
      }
      if (exponent == 0) {
        return false;
      }
    }
    return i == n;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** The distinct labels sorted by value when all are numbers, else as text. */
  private static List<String> sortedLabels(List<String> labels) {
    List<String> out = new ArrayList<>(labels);
    out.sort(Comparator.naturalOrder());
    if (!out.stream().allMatch(CsvSource::isDecimal)) {
      return List.copyOf(out);
    }
    Map<String, BigDecimal> values = new HashMap<>();
    try {
      for (String s : out) {
        values.put(s, new BigDecimal(s));
      }
    } catch (NumberFormatException e) {
      return List.copyOf(out); // an exponent beyond what BigDecimal takes: keep the text order
    }
    out.sort(Comparator.comparing(values::get)); // stable: equal values stay in text order
    return List.copyOf(out);
  }

  /** Whether a feature entry is a pattern rather than a column name. */
  private static boolean isPattern(String f) {
    return f.indexOf('*') >= 0 || f.indexOf('?') >= 0;
  }

  /** The pattern as a regular expression: {@code *} any run of characters, {@code ?} one. */
  private static Pattern glob(String f) {
    StringBuilder re = new StringBuilder();
    int start = 0;
    for (int i = 0; i < f.length(); i++) {
      char ch = f.charAt(i);
      if (ch == '*' || ch == '?') {
        if (i > start) {
          re.append(Pattern.quote(f.substring(start, i)));
        }
        re.append(ch == '*' ? ".*" : ".");
        start = i + 1;
      }
    }
    if (start < f.length()) {
      re.append(Pattern.quote(f.substring(start)));
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }

  private String where(long line) {
    return path + " line " + line + ": ";
  }

  private String where(long line, String column) {
    return path + " line " + line + ", column " + quoted(column) + ": ";
  }

  /** Names for a message: at most {@value #MAX_NAMES}, each shortened, unnamed ones marked. */
  static String names(List<String> all) {
    if (all.isEmpty()) {
      return "none";
    }
    List<String> shown = new ArrayList<>();
    for (String name : all.subList(0, Math.min(MAX_NAMES, all.size()))) {
      shown.add(name.isEmpty() ? "(no name)" : Quoting.shorten(name));
    }
    String more = all.size() > MAX_NAMES ? " and " + (all.size() - MAX_NAMES) + " more" : "";
    return String.join(", ", shown) + more;
  }

  private static String names(List<String> all, String open, String close) {
    return open + (all.isEmpty() ? "" : names(all)) + close;
  }

  private static String quoted(String value) {
    return Quoting.quoted(value);
  }

  private static String printable(char c) {
    return switch (c) {
      case '\r' -> "'\\r'";
      case '\n' -> "'\\n'";
      default -> "'" + c + "'";
    };
  }

  /** A growing array of floats. */
  private static final class Floats {
    private float[] values = new float[1024];
    private int size;

    void add(float v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, (int) Math.min(MAX_VALUES, 2L * values.length));
      }
      values[size++] = v;
    }

    float[] array() {
      return size == values.length ? values : Arrays.copyOf(values, size);
    }
  }
}
