package io.github.finetune4j.data;

import java.util.List;

/**
 * What a reader of examples read: the examples and what was noticed on the way.
 *
 * @param <T> the kind of example
 * @param items the examples in file order (unmodifiable)
 * @param invalidUtf8Lines lines of a JSON-lines file that held bytes that are not valid UTF-8; they
 *     were decoded with U+FFFD in place of each bad sequence and kept (CSV and TSV files read such
 *     bytes as U+FFFD without counting them, as {@link CsvSource} does)
 * @param firstInvalidUtf8Line the 1-based number of the first such line, or 0 when there was none
 */
public record Examples<T>(List<T> items, int invalidUtf8Lines, long firstInvalidUtf8Line) {

  /** Copies the examples into an unmodifiable list. */
  public Examples {
    items = List.copyOf(items);
  }
}
