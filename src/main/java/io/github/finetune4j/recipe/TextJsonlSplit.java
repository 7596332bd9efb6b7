package io.github.finetune4j.recipe;

import java.util.Objects;

/**
 * A split in JSON Lines: one JSON object per line, optionally gzip-compressed.
 *
 * @param path file path, relative to the working directory
 * @param text name of the text field
 * @param label name of the label field
 * @param limit keep only the first N examples (after the file order)
 * @param textPair name of the second text's field: every example is then a pair of texts (a query
 *     and a passage, say), tokenized together as {@code [CLS] text [SEP] pair [SEP]} with segment
 *     ids 0 and 1, as a cross-encoder reads them; null for single texts
 */
@Kind("text-jsonl")
@Doc(
    "Texts with labels, one JSON object per line (UTF-8; a field named once), optionally"
        + " gzip-compressed (.gz).")
public record TextJsonlSplit(
    @Required @Doc("Path of the file, relative to the working directory.") String path,
    @Doc("Name of the text field (default `text`).") String text,
    @Doc("Name of the label field (default `label`).") String label,
    @Doc("Use only the first N examples of the file.") Integer limit,
    @Doc(
            "Name of a second text field: each example is then a pair of texts (a query and a"
                + " passage), read together as `[CLS] text [SEP] pair [SEP]` with segment ids 0"
                + " and 1, as a cross-encoder (reranker) reads them; both sides must be non-empty."
                + " Set on every split or on none (default: single texts).")
        String textPair)
    implements SourceSpec {

  /** Applies defaults. */
  public TextJsonlSplit {
    text = text == null ? "text" : text;
    label = label == null ? "label" : label;
  }

  /**
   * A split of single texts.
   *
   * @param path file path, relative to the working directory
   * @param text name of the text field
   * @param label name of the label field
   * @param limit keep only the first N examples (after the file order)
   */
  public TextJsonlSplit(String path, String text, String label, Integer limit) {
    this(path, text, label, limit, null);
  }

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder: {@code setX} for required fields, {@code optX} for optional ones. */
  public static final class Builder {
    private String path;
    private String text;
    private String label;
    private Integer limit;
    private String textPair;

    private Builder() {}

    /**
     * Sets the file path, relative to the working directory (required).
     *
     * @param path the value
     * @return this builder
     */
    public Builder setPath(String path) {
      this.path = Objects.requireNonNull(path, "path");
      return this;
    }

    /**
     * Sets the name of the text field (default {@code text}).
     *
     * @param text the value
     * @return this builder
     */
    public Builder optText(String text) {
      this.text = text;
      return this;
    }

    /**
     * Sets the name of the label field (default {@code label}).
     *
     * @param label the value
     * @return this builder
     */
    public Builder optLabel(String label) {
      this.label = label;
      return this;
    }

    /**
     * Sets use only the first N examples of the file.
     *
     * @param limit the value
     * @return this builder
     */
    public Builder optLimit(int limit) {
      this.limit = limit;
      return this;
    }

    /**
     * Sets the name of the second text's field: every example becomes a pair of texts (default:
     * none, single texts).
     *
     * @param textPair the value
     * @return this builder
     */
    public Builder optTextPair(String textPair) {
      this.textPair = textPair;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the TextJsonlSplit
     * @throws IllegalStateException naming every required field that was not set
     */
    public TextJsonlSplit build() {
      BuilderChecks.requireSet("TextJsonlSplit", "path", path);
      return new TextJsonlSplit(path, text, label, limit, textPair);
    }
  }
}
