package io.github.finetune4j.recipe;

import java.util.Objects;

/**
 * Text pairs (or triplets) for an embedding task.
 *
 * @param path path of the file, relative to the working directory
 * @param anchor name of the anchor field or column (default `anchor`)
 * @param positive name of the positive field or column (default `positive`)
 * @param negative name of a hard-negative field or column, making each row a triplet (default:
 *     none, pairs)
 * @param limit use only the first N rows of the file
 */
@Kind("pairs")
@Doc(
    "(anchor, positive) text pairs of an embedding task, optionally with a hard negative (triplets): JSON lines, CSV or TSV by the file's name (.jsonl, .csv, .tsv; gzip-compressed when it ends in .gz).")
public record PairsSplit(
    @Required @Doc("Path of the file, relative to the working directory.") String path,
    @Doc("Name of the anchor field or column (default `anchor`).") String anchor,
    @Doc("Name of the positive field or column (default `positive`).") String positive,
    @Doc(
            "Name of a hard-negative field or column, making each row a triplet (default: none, pairs).")
        String negative,
    @Doc("Use only the first N rows of the file.") Integer limit)
    implements SourceSpec {

  /** Applies defaults. */
  public PairsSplit {
    anchor = anchor == null ? "anchor" : anchor;
    positive = positive == null ? "positive" : positive;
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
    private String anchor;
    private String positive;
    private String negative;
    private Integer limit;

    private Builder() {}

    /**
     * Sets path of the file, relative to the working directory.
     *
     * @param path the value
     * @return this builder
     */
    public Builder setPath(String path) {
      this.path = Objects.requireNonNull(path, "path");
      return this;
    }

    /**
     * Sets name of the anchor field or column (default `anchor`).
     *
     * @param anchor the value
     * @return this builder
     */
    public Builder optAnchor(String anchor) {
      this.anchor = anchor;
      return this;
    }

    /**
     * Sets name of the positive field or column (default `positive`).
     *
     * @param positive the value
     * @return this builder
     */
    public Builder optPositive(String positive) {
      this.positive = positive;
      return this;
    }

    /**
     * Sets name of a hard-negative field or column, making each row a triplet (default: none,
     * pairs).
     *
     * @param negative the value
     * @return this builder
     */
    public Builder optNegative(String negative) {
      this.negative = negative;
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
     * @return the PairsSplit
     * @throws IllegalStateException naming every required field that was not set
     */
    public PairsSplit build() {
      BuilderChecks.requireSet("PairsSplit", "path", path);
      return new PairsSplit(path, anchor, positive, negative, limit);
    }
  }
}
