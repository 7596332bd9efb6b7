package io.github.finetune4j.recipe;

import java.util.Objects;

/**
 * A split in JSON Lines: one JSON object per line, optionally gzip-compressed.
 *
 * @param path file path, relative to the working directory
 * @param text name of the text field
 * @param label name of the label field
 * @param limit keep only the first N examples (after the file order)
 */
@Kind("text-jsonl")
@Doc(
    "Texts with labels, one JSON object per line (UTF-8; a field named once), optionally"
        + " gzip-compressed (.gz).")
public record TextJsonlSplit(
    @Required @Doc("Path of the file, relative to the working directory.") String path,
    @Doc("Name of the text field (default `text`).") String text,
    @Doc("Name of the label field (default `label`).") String label,
    @Doc("Use only the first N examples of the file.") Integer limit)
    implements SourceSpec {

  /** Applies defaults. */
  public TextJsonlSplit {
    text = text == null ? "text" : text;
    label = label == null ? "label" : label;
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
     * Builds the value, with defaults filled in.
     *
     * @return the TextJsonlSplit
     * @throws IllegalStateException naming every required field that was not set
     */
    public TextJsonlSplit build() {
      BuilderChecks.requireSet("TextJsonlSplit", "path", path);
      return new TextJsonlSplit(path, text, label, limit);
    }
  }
}
