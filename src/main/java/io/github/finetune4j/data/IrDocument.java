package io.github.finetune4j.data;

import java.util.Objects;

/**
 * A document of an information-retrieval corpus.
 *
 * @param id the document's id, unique in its corpus (not blank)
 * @param title its title, or "" when it has none
 * @param text its text; may be empty when the title is not
 */
public record IrDocument(String id, String title, String text) {

  /**
   * Checks the fields.
   *
   * @throws IllegalArgumentException when the id is null or blank, a field is null, or the title
   *     and the text are both blank
   */
  public IrDocument {
    if (Objects.requireNonNull(id, "id").isBlank()) {
      throw new IllegalArgumentException("a document id cannot be empty");
    }
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(text, "text");
    if (title.isBlank() && text.isBlank()) {
      throw new IllegalArgumentException("document " + id + " has neither title nor text");
    }
  }

  /**
   * What an encoder reads of the document: the title, a space and the text, without the white space
   * around them (BEIR's sentence-transformers wrapper joins them so).
   *
   * @return the title and the text
   */
  public String content() {
    return (title + " " + text).strip();
  }
}
