package io.github.finetune4j.data;

import java.nio.file.Path;
import org.apache.commons.csv.CSVFormat;

/**
 * How a file of rows with named fields is written, told by its name (a trailing {@code .gz} means
 * gzip-compressed and is looked through).
 *
 * <ul>
 *   <li>{@link #JSONL} ({@code .jsonl}): one JSON object per line, fields by name.
 *   <li>{@link #CSV} ({@code .csv}): a header row names the columns; cells may be quoted with
 *       {@code "}, which lets them hold commas, line breaks and {@code ""} for a quote.
 *   <li>{@link #TSV} ({@code .tsv}): a header row names the columns, cells are separated by tabs
 *       and never quoted (a {@code "} is an ordinary character, as in the BEIR and MS MARCO files),
 *       so a cell cannot hold a tab or a line break.
 * </ul>
 *
 * In CSV and TSV, spaces around a cell are ignored and every line ends with a line break, the last
 * one too (see {@link CsvSource}).
 */
public enum RowFormat {
  /** JSON lines. */
  JSONL,
  /** Comma-separated values with a header row, quoted as RFC 4180 says. */
  CSV,
  /** Tab-separated values with a header row, never quoted. */
  TSV;

  /**
   * The format a file's name says.
   *
   * @param path the file
   * @return the format of a name ending in {@code .jsonl}, {@code .csv} or {@code .tsv}, each
   *     optionally followed by {@code .gz} (in lower case, as gzip is told)
   * @throws DataException for any other name
   */
  public static RowFormat of(Path path) throws DataException {
    Path name = path.getFileName();
    String n = name == null ? "" : name.toString();
    if (DataFiles.isGzip(path)) {
      n = n.substring(0, n.length() - 3);
    }
    if (n.endsWith(".jsonl")) {
      return JSONL;
    }
    if (n.endsWith(".csv")) {
      return CSV;
    }
    if (n.endsWith(".tsv")) {
      return TSV;
    }
    throw new DataException(
        path
            + ": cannot tell the format from the file name; name it .jsonl (JSON lines), .csv or"
            + " .tsv, optionally followed by .gz");
  }

  /** How commons-csv reads the format (CSV or TSV). */
  CSVFormat csv() {
    CSVFormat.Builder b = CSVFormat.DEFAULT.builder().setIgnoreEmptyLines(false).setTrim(true);
    if (this == TSV) {
      b.setDelimiter('\t').setQuote(null);
    }
    return b.get();
  }
}
