package io.github.finetune4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads labelled texts from a JSON-lines file (gzip-compressed when its name ends in {@code .gz}):
 * one object per line with a text field and a label field, in UTF-8 (a leading byte order mark is
 * skipped; a file in UTF-16 or UTF-32 is refused). Blank lines are skipped. A line that holds more
 * than one value, or an object that names a field twice, is an error.
 *
 * <p>With a pair field, every example is a pair of texts (the text field's and the pair field's, a
 * query and a passage say) with one label; a line where either side is empty or only whitespace is
 * an error naming the line (a pair needs both texts), not skipped.
 */
public final class TextJsonlSource {

  private final Path path;
  private final String textField;
  private final String labelField;
  private final Integer limit;
  private final String pairField;

  /**
   * Creates a source.
   *
   * @param path the file
   * @param textField name of the text field
   * @param labelField name of the label field
   * @param limit keep only the first N examples, or null for all
   */
  public TextJsonlSource(Path path, String textField, String labelField, Integer limit) {
    this(path, textField, labelField, limit, null);
  }

  /**
   * Creates a source of single texts or, with a pair field, of pairs of texts.
   *
   * @param path the file
   * @param textField name of the (first) text field
   * @param labelField name of the label field
   * @param limit keep only the first N examples, or null for all
   * @param pairField name of the second text's field, or null for single texts
   */
  public TextJsonlSource(
      Path path, String textField, String labelField, Integer limit, String pairField) {
    this.path = path;
    this.textField = textField;
    this.labelField = labelField;
    this.limit = limit;
    this.pairField = pairField;
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
    int invalidUtf8;
    long firstInvalidUtf8;
    try (JsonLines lines = JsonLines.open(path)) {
      JsonNode node;
      while ((limit == null || out.size() < limit) && (node = lines.next()) != null) {
        long lineNo = lines.line();
        JsonNode text = node.get(textField);
        if (text == null) {
          throw new DataException(
              where(lineNo)
                  + "no text field '"
                  + textField
                  + "' (fields: "
                  + JsonLines.fields(node)
                  + ")");
        }
        if (!text.isTextual()) {
          throw new DataException(
              where(lineNo)
                  + "field '"
                  + textField
                  + "' must be a string, got "
                  + JsonLines.kind(text));
        }
        String second = pairField == null ? null : pairText(node, lineNo);
        JsonNode label = node.get(labelField);
        if (label == null) {
          throw new DataException(
              where(lineNo)
                  + "no label field '"
                  + labelField
                  + "' (fields: "
                  + JsonLines.fields(node)
                  + ")");
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
                  + JsonLines.kind(label));
        }
        int idx = multiLabel ? -1 : classes.indexOf(label.asText());
        if (idx < 0 && !multiLabel) {
          throw new DataException(
              where(lineNo)
                  + "label "
                  + Quoting.quoted(label.asText())
                  + " is not one of the declared classes "
                  + classes
                  + " (head.classes)");
        }
        String value = text.asText();
        if (second != null && (value.isBlank() || second.isBlank())) {
          String side = value.isBlank() ? textField : pairField;
          throw new DataException(
              where(lineNo)
                  + "the pair's "
                  + (value.isBlank() ? "first" : "second")
                  + " text (field '"
                  + side
                  + "') is empty or only whitespace; a pair needs both texts");
        }
        if (value.isBlank()) {
          emptyTexts++;
          continue;
        }
        out.add(new TextExample(value, idx, multi, second));
      }
      invalidUtf8 = lines.invalidUtf8Lines();
      firstInvalidUtf8 = lines.firstInvalidUtf8Line();
    } catch (IOException e) {
      throw DataFiles.readError(path, e);
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

  /** The second text of a pair: a string field, else a clear error. */
  private String pairText(JsonNode node, long lineNo) throws DataException {
    JsonNode pair = node.get(pairField);
    if (pair == null) {
      throw new DataException(
          where(lineNo)
              + "no text_pair field '"
              + pairField
              + "' (fields: "
              + JsonLines.fields(node)
              + ")");
    }
    if (!pair.isTextual()) {
      throw new DataException(
          where(lineNo)
              + "field '"
              + pairField
              + "' must be a string, got "
              + JsonLines.kind(pair));
    }
    return pair.asText();
  }

  /** A list of declared labels as a 0/1 vector; anything else is a clear error. */
  private float[] labelSet(JsonNode label, List<String> classes, long lineNo) throws DataException {
    if (!label.isArray()) {
      throw new DataException(
          where(lineNo)
              + "field '"
              + labelField
              + "' must be a list of labels (task.type: multilabel), e.g. [\""
              + Quoting.shorten(classes.get(0))
              + "\"], got "
              + JsonLines.kind(label));
    }
    float[] set = new float[classes.size()];
    for (JsonNode one : label) {
      if (!one.isValueNode() || one.isNull()) {
        throw new DataException(
            where(lineNo)
                + "field '"
                + labelField
                + "' must list labels as strings, got "
                + JsonLines.kind(one)
                + " in the list");
      }
      int idx = classes.indexOf(one.asText());
      if (idx < 0) {
        throw new DataException(
            where(lineNo)
                + "label "
                + Quoting.quoted(one.asText())
                + " is not one of the declared labels "
                + classes
                + " (head.classes)");
      }
      set[idx] = 1f;
    }
    return set;
  }

  private String where(long lineNo) {
    return path + " line " + lineNo + ": ";
  }
}
