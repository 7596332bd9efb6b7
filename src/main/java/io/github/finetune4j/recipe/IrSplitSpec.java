package io.github.finetune4j.recipe;

import java.util.Objects;

/**
 * An information-retrieval split (queries, corpus, qrels).
 *
 * @param path the folder, relative to the working directory
 * @param queries the queries file, in the folder (default `queries.jsonl`)
 * @param corpus the corpus file, in the folder (default `corpus.jsonl`)
 * @param qrels the relevance judgements, in the folder (default `qrels.tsv`)
 * @param dropQueriesWithoutRelevant leave out (and count) queries without a relevant document, as
 *     BEIR's shared queries file needs; default false: such a query is an error
 * @param limit evaluate only the first N queries (of those with a relevant document)
 * @param corpusLimit search only the documents relevant to the evaluated queries and the first N
 *     others
 */
@Kind("ir")
@Doc(
    "An information-retrieval split for an embedding task's evaluation, in BEIR's layout: a folder with the queries (`_id`, `text`), the corpus (`_id`, `text`, optional `title`) and the relevance judgements (`query-id`, `corpus-id`, optional `score`); each file JSON lines, CSV or TSV by its name (a file also found with .gz appended, compressed).")
public record IrSplitSpec(
    @Required @Doc("The folder, relative to the working directory.") String path,
    @Doc("The queries file, in the folder (default `queries.jsonl`).") String queries,
    @Doc("The corpus file, in the folder (default `corpus.jsonl`).") String corpus,
    @Doc("The relevance judgements, in the folder (default `qrels.tsv`).") String qrels,
    @Doc(
            "Leave out (and count) queries without a relevant document, as BEIR's shared queries file needs; default false: such a query is an error.")
        Boolean dropQueriesWithoutRelevant,
    @Doc("Evaluate only the first N queries (of those with a relevant document).") Integer limit,
    @Doc(
            "Search only the documents relevant to the evaluated queries and the first N others of"
                + " the corpus file (a quick run: its figures are not comparable to the whole"
                + " split's). Default: the whole corpus.")
        Integer corpusLimit)
    implements SourceSpec {

  /** Applies defaults. */
  public IrSplitSpec {
    queries = queries == null ? "queries.jsonl" : queries;
    corpus = corpus == null ? "corpus.jsonl" : corpus;
    qrels = qrels == null ? "qrels.tsv" : qrels;
    dropQueriesWithoutRelevant =
        dropQueriesWithoutRelevant == null ? Boolean.FALSE : dropQueriesWithoutRelevant;
  }

  /**
   * One of the split's files in its folder: {@code name}, or {@code name.gz} when only the
   * compressed file is there.
   *
   * @param name the file's name (queries, corpus or qrels)
   * @return the path
   */
  public java.nio.file.Path file(String name) {
    java.nio.file.Path plain = java.nio.file.Path.of(path).resolve(name).normalize();
    java.nio.file.Path gz = java.nio.file.Path.of(path).resolve(name + ".gz").normalize();
    return !java.nio.file.Files.exists(plain) && java.nio.file.Files.isRegularFile(gz) ? gz : plain;
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
    private String queries;
    private String corpus;
    private String qrels;
    private Boolean dropQueriesWithoutRelevant;
    private Integer limit;
    private Integer corpusLimit;

    private Builder() {}

    /**
     * Sets the folder, relative to the working directory.
     *
     * @param path the value
     * @return this builder
     */
    public Builder setPath(String path) {
      this.path = Objects.requireNonNull(path, "path");
      return this;
    }

    /**
     * Sets the queries file, in the folder (default `queries.jsonl`).
     *
     * @param queries the value
     * @return this builder
     */
    public Builder optQueries(String queries) {
      this.queries = queries;
      return this;
    }

    /**
     * Sets the corpus file, in the folder (default `corpus.jsonl`).
     *
     * @param corpus the value
     * @return this builder
     */
    public Builder optCorpus(String corpus) {
      this.corpus = corpus;
      return this;
    }

    /**
     * Sets the relevance judgements, in the folder (default `qrels.tsv`).
     *
     * @param qrels the value
     * @return this builder
     */
    public Builder optQrels(String qrels) {
      this.qrels = qrels;
      return this;
    }

    /**
     * Sets leave out (and count) queries without a relevant document, as BEIR's shared queries file
     * needs; default false: such a query is an error.
     *
     * @param dropQueriesWithoutRelevant the value
     * @return this builder
     */
    public Builder optDropQueriesWithoutRelevant(boolean dropQueriesWithoutRelevant) {
      this.dropQueriesWithoutRelevant = dropQueriesWithoutRelevant;
      return this;
    }

    /**
     * Sets evaluate only the first N queries (of those with a relevant document).
     *
     * @param limit the value
     * @return this builder
     */
    public Builder optLimit(int limit) {
      this.limit = limit;
      return this;
    }

    /**
     * Sets how many documents besides the relevant ones are searched.
     *
     * @param corpusLimit the value
     * @return this builder
     */
    public Builder optCorpusLimit(int corpusLimit) {
      this.corpusLimit = corpusLimit;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the IrSplitSpec
     * @throws IllegalStateException naming every required field that was not set
     */
    public IrSplitSpec build() {
      BuilderChecks.requireSet("IrSplitSpec", "path", path);
      return new IrSplitSpec(
          path, queries, corpus, qrels, dropQueriesWithoutRelevant, limit, corpusLimit);
    }
  }
}
