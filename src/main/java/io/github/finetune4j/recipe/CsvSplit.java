package io.github.finetune4j.recipe;

import java.util.List;
import java.util.Objects;

/**
 * A split in CSV with a header row: numeric feature columns and a label (classification) or targets
 * (regression). Exactly one of {@code label} and {@code targets}.
 *
 * @param path file path, relative to the working directory
 * @param features the feature columns, names or globs; null for every column but the label/targets
 * @param label the class column (classification)
 * @param targets the target columns (regression)
 * @param delimiter the field separator, one character
 * @param limit keep only the first N rows
 */
@Kind("csv")
@Doc(
    "A table in CSV (UTF-8) with a header row: feature columns and a `label` (classification)"
        + " or `targets` (regression) — exactly one of the two. Every line ends with a line break,"
        + " the last one too: a file that ends inside a row is refused as cut short.")
public record CsvSplit(
    @Required @Doc("Path of the file, relative to the working directory.") String path,
    @Doc(
            "Feature columns, by name or glob (`*` any run of characters, `?` one character), in"
                + " the order the model reads them (a glob adds its columns in header order); default"
                + " every column but the label or targets. Columns not named are not read.")
        List<String> features,
    @Doc("The class column (classification); give this or `targets`.") String label,
    @Doc("The target columns (regression); give this or `label`.") List<String> targets,
    @Doc("The field separator, one character (default `,`).") String delimiter,
    @Doc("Use only the first N rows of the file.") Integer limit)
    implements SourceSpec {

  /** Applies defaults. */
  public CsvSplit {
    features = features == null ? null : List.copyOf(features);
    targets = targets == null ? null : List.copyOf(targets);
    delimiter = delimiter == null ? "," : delimiter;
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
    private List<String> features;
    private String label;
    private List<String> targets;
    private String delimiter;
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
     * Sets the feature columns, names or globs (default: every column but the label or targets).
     *
     * @param features the columns
     * @return this builder
     */
    public Builder optFeatures(List<String> features) {
      this.features = features;
      return this;
    }

    /**
     * Sets the feature columns, names or globs.
     *
     * @param features the columns
     * @return this builder
     */
    public Builder optFeatures(String... features) {
      return optFeatures(List.of(features));
    }

    /**
     * Sets the class column (classification; or give targets).
     *
     * @param label the column
     * @return this builder
     */
    public Builder optLabel(String label) {
      this.label = label;
      return this;
    }

    /**
     * Sets the target columns (regression; or give a label).
     *
     * @param targets the columns
     * @return this builder
     */
    public Builder optTargets(List<String> targets) {
      this.targets = targets;
      return this;
    }

    /**
     * Sets the target columns (regression; or give a label).
     *
     * @param targets the columns
     * @return this builder
     */
    public Builder optTargets(String... targets) {
      return optTargets(List.of(targets));
    }

    /**
     * Sets the field separator, one character (default {@code ,}).
     *
     * @param delimiter the value
     * @return this builder
     */
    public Builder optDelimiter(String delimiter) {
      this.delimiter = delimiter;
      return this;
    }

    /**
     * Sets use only the first N rows of the file.
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
     * @return the CsvSplit
     * @throws IllegalStateException naming every required field that was not set
     */
    public CsvSplit build() {
      BuilderChecks.requireSet("CsvSplit", "path", path);
      return new CsvSplit(path, features, label, targets, delimiter, limit);
    }
  }
}
