package io.github.finetune4j.recipe;

import java.util.Objects;

/**
 * One dataset split.
 *
 * @param type the source kind
 * @param path file path, relative to the working directory
 * @param text name of the text field
 * @param label name of the label field
 * @param limit keep only the first N examples (after the file order)
 */
@Doc("One dataset split.")
public record SourceSpec(
    @OneOf({"text-jsonl"})
        @Doc("Source kind. `text-jsonl`: one JSON object per line, optionally gzip-compressed (.gz).")
        String type,
    @Required @Doc("Path of the file, relative to the working directory.") String path,
    @Doc("Name of the text field (default `text`).") String text,
    @Doc("Name of the label field (default `label`).") String label,
    @Doc("Use only the first N examples of the file.") Integer limit) {

  /** Applies defaults. */
  public SourceSpec {
    type = type == null ? "text-jsonl" : type;
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
    private String type;
    private String path;
    private String text;
    private String label;
    private Integer limit;

    private Builder() {}

    /**
     * Sets the source kind (default {@code text-jsonl}).
     *
     * @param type the value
     * @return this builder
     */
    public Builder optType(String type) {
      this.type = type;
      return this;
    }

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
     * @return the SourceSpec
     * @throws IllegalStateException naming every required field that was not set
     */
    public SourceSpec build() {
      BuilderChecks.requireSet(
          "SourceSpec",
          "path", path);
      return new SourceSpec(type, path, text, label, limit);
    }
  }
}
