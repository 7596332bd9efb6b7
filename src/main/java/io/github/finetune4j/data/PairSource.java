package io.github.finetune4j.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads the data shapes of sentence-transformers' loss table from a JSON-lines, CSV or TSV file
 * (told by its name, see {@link RowFormat}; gzip-compressed when it ends in {@code .gz}): pairs
 * ({@code anchor}, {@code positive}), triplets (a pair and a hard {@code negative}) and scored
 * pairs ({@code a}, {@code b}, {@code score}), each field name configurable. Other fields or
 * columns are ignored. Files are read as {@link TextJsonlSource} and {@link CsvSource} read them
 * (UTF-8, byte order mark, gzip, blank lines, quoting, a file cut short).
 *
 * <p>Every problem is reported at once (up to 20, then a count), each naming the file and the line:
 * a line that is not a JSON object, a missing field or column, a field of the wrong type, a text
 * that is empty or only whitespace (a pair needs both sides, a triplet all three), a score that is
 * not a finite number. CSV with broken quoting stops the reading at that line.
 *
 * <pre>{@code
 * Examples<PairExample> train =
 *     PairSource.builder().setPath(Path.of("train.jsonl")).build().readPairs();
 * }</pre>
 */
public final class PairSource {

  /** The default name of the anchor field. */
  public static final String ANCHOR = "anchor";

  /** The default name of the positive field. */
  public static final String POSITIVE = "positive";

  /** The default name of the negative field. */
  public static final String NEGATIVE = "negative";

  /** The default name of a scored pair's first text. */
  public static final String A = "a";

  /** The default name of a scored pair's second text. */
  public static final String B = "b";

  /** The default name of a scored pair's score. */
  public static final String SCORE = "score";

  private final Path path;
  private final String anchor;
  private final String positive;
  private final String negative;
  private final String a;
  private final String b;
  private final String score;
  private final Integer limit;

  private PairSource(Builder builder) {
    this.path = builder.path;
    this.anchor = builder.anchor;
    this.positive = builder.positive;
    this.negative = builder.negative;
    this.a = builder.a;
    this.b = builder.b;
    this.score = builder.score;
    this.limit = builder.limit;
  }

  /**
   * Starts a source.
   *
   * @return a builder; {@link Builder#setPath(Path)} is required
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads (anchor, positive) pairs; a negative field, if the file has one, is not read.
   *
   * @return the pairs in file order
   * @throws DataException listing every problem (see the class comment), or for no pairs
   */
  public Examples<PairExample> readPairs() throws DataException {
    FieldRows.requireDistinct(anchor, positive);
    return read(
        List.of(anchor, positive),
        "pairs",
        row -> new PairExample(row.nonBlankText(anchor), row.nonBlankText(positive)));
  }

  /**
   * Reads (anchor, positive, negative) triplets: every row has a negative.
   *
   * @return the triplets in file order
   * @throws DataException listing every problem (see the class comment), or for no triplets
   */
  public Examples<PairExample> readTriplets() throws DataException {
    FieldRows.requireDistinct(anchor, positive, negative);
    return read(
        List.of(anchor, positive, negative),
        "triplets",
        row ->
            new PairExample(
                row.nonBlankText(anchor), row.nonBlankText(positive), row.nonBlankText(negative)));
  }

  /**
   * Reads scored pairs (a, b, score); the score is any finite number (JSON lines: a JSON number;
   * CSV and TSV: a decimal number such as {@code 4}, {@code 0.75} or {@code 1e-3}), scaled later by
   * the loss that uses it.
   *
   * @return the scored pairs in file order
   * @throws DataException listing every problem (see the class comment), or for no pairs
   */
  public Examples<ScoredPair> readScoredPairs() throws DataException {
    FieldRows.requireDistinct(a, b, score);
    return read(
        List.of(a, b, score),
        "scored pairs",
        row -> {
          String first = row.nonBlankText(a);
          String second = row.nonBlankText(b);
          return new ScoredPair(first, second, row.number(score));
        });
  }

  /** Reads one kind of row. */
  private interface Row<T> {
    T read(FieldRows row) throws DataException;
  }

  private <T> Examples<T> read(List<String> fields, String what, Row<T> reader)
      throws DataException {
    Problems problems = new Problems();
    List<T> out = new ArrayList<>();
    long[] utf8 =
        FieldRows.forEach(
            path,
            fields,
            problems,
            limit,
            row -> {
              out.add(reader.read(row));
              return true;
            });
    if (!problems.any() && out.isEmpty()) {
      problems.add(path + ": the dataset is empty (no " + what + ")");
    }
    problems.throwIfAny();
    return new Examples<>(out, (int) utf8[0], utf8[1]);
  }

  /** Builds a {@link PairSource}: {@code setX} for what is required, {@code optX} for the rest. */
  public static final class Builder {
    private Path path;
    private String anchor = ANCHOR;
    private String positive = POSITIVE;
    private String negative = NEGATIVE;
    private String a = A;
    private String b = B;
    private String score = SCORE;
    private Integer limit;

    private Builder() {}

    /**
     * Sets the file: {@code .jsonl}, {@code .csv} or {@code .tsv}, optionally {@code .gz}.
     *
     * @param path the file
     * @return this builder
     */
    public Builder setPath(Path path) {
      this.path = Objects.requireNonNull(path, "path");
      return this;
    }

    /**
     * Names the anchor field (default {@value PairSource#ANCHOR}).
     *
     * @param name the field or column name
     * @return this builder
     */
    public Builder optAnchorField(String name) {
      this.anchor = FieldRows.fieldName(name);
      return this;
    }

    /**
     * Names the positive field (default {@value PairSource#POSITIVE}).
     *
     * @param name the field or column name
     * @return this builder
     */
    public Builder optPositiveField(String name) {
      this.positive = FieldRows.fieldName(name);
      return this;
    }

    /**
     * Names the negative field of a triplet (default {@value PairSource#NEGATIVE}).
     *
     * @param name the field or column name
     * @return this builder
     */
    public Builder optNegativeField(String name) {
      this.negative = FieldRows.fieldName(name);
      return this;
    }

    /**
     * Names the fields of a scored pair (default {@value PairSource#A}, {@value PairSource#B},
     * {@value PairSource#SCORE}).
     *
     * @param a the first text's field
     * @param b the second text's field
     * @param score the score's field
     * @return this builder
     */
    public Builder optScoredFields(String a, String b, String score) {
      this.a = FieldRows.fieldName(a);
      this.b = FieldRows.fieldName(b);
      this.score = FieldRows.fieldName(score);
      return this;
    }

    /**
     * Keeps only the first examples (the lines after them are not read).
     *
     * @param limit how many, at least 1
     * @return this builder
     */
    public Builder optLimit(int limit) {
      if (limit < 1) {
        throw new IllegalArgumentException("the limit must be at least 1, got " + limit);
      }
      this.limit = limit;
      return this;
    }

    /**
     * Builds the source.
     *
     * @return the source
     * @throws IllegalStateException when no path was set
     */
    public PairSource build() {
      if (path == null) {
        throw new IllegalStateException("setPath is required");
      }
      return new PairSource(this);
    }
  }
}
