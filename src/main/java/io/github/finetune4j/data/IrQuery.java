package io.github.finetune4j.data;

import java.util.Objects;

/**
 * A query of an information-retrieval split.
 *
 * @param id the query's id, unique in its file (not blank)
 * @param text the query (not blank)
 */
public record IrQuery(String id, String text) {

  /**
   * Checks the fields.
   *
   * @throws IllegalArgumentException when the id or the text is null or blank
   */
  public IrQuery {
    if (Objects.requireNonNull(id, "id").isBlank()) {
      throw new IllegalArgumentException("a query id cannot be empty");
    }
    if (Objects.requireNonNull(text, "text").isBlank()) {
      throw new IllegalArgumentException("the text of query " + id + " is empty");
    }
  }
}
