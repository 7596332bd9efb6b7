package io.github.finetune4j.recipe;

import java.util.Objects;

/**
 * Scored text pairs for an embedding task.
 *
 * @param path path of the file, relative to the working directory
 * @param a name of the first text's field or column (default `a`)
 * @param b name of the second text's field or column (default `b`)
 * @param score name of the score field or column (default `score`)
 * @param limit use only the first N rows of the file
 */
@Kind("scored-pairs")
@Doc(
    "Text pairs with a similarity score (cosent) or a 0/1 label (contrastive) for an embedding task: JSON lines, CSV or TSV by the file's name (.jsonl, .csv, .tsv; gzip-compressed when it ends in .gz).")
public record ScoredPairsSplit(
    @Required @Doc("Path of the file, relative to the working directory.") String path,
    @Doc("Name of the first text's field or column (default `a`).") String a,
    @Doc("Name of the second text's field or column (default `b`).") String b,
    @Doc("Name of the score field or column (default `score`).") String score,
    @Doc("Use only the first N rows of the file.") Integer limit)
    implements SourceSpec {

  /** Applies defaults. */
  public ScoredPairsSplit {
    a = a == null ? "a" : a;
    b = b == null ? "b" : b;
    score = score == null ? "score" : score;
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
    private String a;
    private String b;
    private String score;
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
     * Sets name of the first text's field or column (default `a`).
     *
     * @param a the value
     * @return this builder
     */
    public Builder optA(String a) {
      this.a = a;
      return this;
    }

    /**
     * Sets name of the second text's field or column (default `b`).
     *
     * @param b the value
     * @return this builder
     */
    public Builder optB(String b) {
      this.b = b;
      return this;
    }

    /**
     * Sets name of the score field or column (default `score`).
     *
     * @param score the value
     * @return this builder
     */
    public Builder optScore(String score) {
      this.score = score;
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
     * @return the ScoredPairsSplit
     * @throws IllegalStateException naming every required field that was not set
     */
    public ScoredPairsSplit build() {
      BuilderChecks.requireSet("ScoredPairsSplit", "path", path);
      return new ScoredPairsSplit(path, a, b, score, limit);
    }
  }
}
