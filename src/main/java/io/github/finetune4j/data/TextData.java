package io.github.finetune4j.data;

import java.util.List;

/**
 * What {@link TextJsonlSource#readData(List)} read: the examples and what was noticed on the way.
 *
 * @param examples the examples in file order (unmodifiable)
 * @param emptyTextsSkipped lines skipped because their text was empty or only whitespace
 * @param invalidUtf8Lines lines that held bytes that are not valid UTF-8; they were decoded with
 *     U+FFFD in place of each bad sequence and kept
 * @param firstInvalidUtf8Line the 1-based number of the first such line, or 0 when there was none
 */
public record TextData(
    List<TextExample> examples,
    int emptyTextsSkipped,
    int invalidUtf8Lines,
    long firstInvalidUtf8Line) {

  /** Copies the examples into an unmodifiable list. */
  public TextData {
    examples = List.copyOf(examples);
  }
}
