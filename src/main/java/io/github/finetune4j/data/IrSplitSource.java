package io.github.finetune4j.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Reads an information-retrieval split from three files, each JSON lines, CSV or TSV (told by its
 * name, see {@link RowFormat}; gzip-compressed when it ends in {@code .gz}):
 *
 * <ul>
 *   <li>queries: an id and a text per row;
 *   <li>corpus: an id, a text and an optional title per row;
 *   <li>qrels: a query id, a document id and an optional whole-number relevance per row (1 when the
 *       field or column is absent); a relevance above 0 makes the document relevant to the query, 0
 *       or below is a judgement "not relevant" (counted, not kept).
 * </ul>
 *
 * The defaults are BEIR's layout: {@code queries.jsonl} and {@code corpus.jsonl} with {@code _id},
 * {@code text} and {@code title}, and {@code qrels/<split>.tsv} with the header {@code query-id
 * corpus-id score}. Other fields and columns (BEIR's {@code metadata}) are ignored.
 *
 * <p>Every problem is reported at once (up to 20, then a count), each naming the file and the line:
 * what {@link PairSource} reports, and an empty id, an id used twice in the queries or the corpus,
 * a query without text, a document without title and text, a qrels row that names a query or a
 * document that is not in its file or judges a pair a second time, a relevance that is not a whole
 * number, and a query with no relevant document. The queries and the corpus are checked first; the
 * qrels are read once they are sound.
 *
 * <p>A query with no relevant document (no qrels row, or only rows with relevance 0) is an error
 * that names it, unless {@link Builder#optDropQueriesWithoutRelevant(boolean)} asks for such
 * queries to be left out and counted, as sentence-transformers' evaluator skips them. Dropping is
 * what BEIR's layout needs: its {@code queries.jsonl} holds the queries of every split, and each
 * split's qrels file names its own.
 */
public final class IrSplitSource {

  /** BEIR's name of the id field of queries and documents. */
  public static final String ID = "_id";

  /** BEIR's name of the text field of queries and documents. */
  public static final String TEXT = "text";

  /** BEIR's name of the title field of documents. */
  public static final String TITLE = "title";

  /** BEIR's name of the query column of a qrels file. */
  public static final String QUERY_ID = "query-id";

  /** BEIR's name of the document column of a qrels file. */
  public static final String CORPUS_ID = "corpus-id";

  /** BEIR's name of the relevance column of a qrels file. */
  public static final String RELEVANCE = "score";

  private final Builder b;

  private IrSplitSource(Builder builder) {
    this.b = builder.copy();
  }

  /**
   * Starts a source.
   *
   * @return a builder; the three files are required
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads and checks the split.
   *
   * @return the split
   * @throws DataException listing every problem (see the class comment)
   */
  public IrSplit read() throws DataException {
    Problems problems = new Problems();
    List<String> warnings = new ArrayList<>();

    int start = problems.count();
    Map<String, IrQuery> queries = new LinkedHashMap<>();
    Map<String, Long> queryLines = new HashMap<>();
    long[] utf8 =
        FieldRows.forEach(
            b.queries,
            List.of(b.queryId, b.queryText),
            problems,
            null,
            row -> {
              String id = firstUse(row, row.id(b.queryId), queryLines);
              queries.put(id, new IrQuery(id, row.nonBlankText(b.queryText)));
              return true;
            });
    note(b.queries, utf8, warnings);
    if (problems.count() == start && queries.isEmpty()) {
      problems.add(b.queries + ": the file has no queries");
    }

    start = problems.count();
    Map<String, IrDocument> corpus = new LinkedHashMap<>();
    Map<String, Long> docLines = new HashMap<>();
    utf8 =
        FieldRows.forEach(
            b.corpus,
            List.of(b.docId, b.docText),
            problems,
            null,
            row -> {
              String id = firstUse(row, row.id(b.docId), docLines);
              corpus.put(id, document(row, id));
              return true;
            });
    note(b.corpus, utf8, warnings);
    if (problems.count() == start && corpus.isEmpty()) {
      problems.add(b.corpus + ": the file has no documents");
    }
    problems.throwIfAny();

    Map<String, Map<String, Integer>> relevant = new HashMap<>();
    Map<String, Long> judged = new HashMap<>();
    int[] notRelevant = {0};
    utf8 =
        FieldRows.forEach(
            b.qrels,
            List.of(b.qrelsQuery, b.qrelsDoc),
            problems,
            null,
            row -> {
              String q = row.id(b.qrelsQuery);
              String d = row.id(b.qrelsDoc);
              int relevance = row.has(b.qrelsRelevance) ? row.integer(b.qrelsRelevance) : 1;
              List<String> unknown = new ArrayList<>();
              if (!queries.containsKey(q)) {
                unknown.add(
                    row.where()
                        + "query id "
                        + Quoting.quoted(q)
                        + " is not in "
                        + name(b.queries));
              }
              if (!corpus.containsKey(d)) {
                unknown.add(
                    row.where()
                        + "document id "
                        + Quoting.quoted(d)
                        + " is not in "
                        + name(b.corpus));
              }
              if (!unknown.isEmpty()) {
                throw new DataException(unknown);
              }
              Long before = judged.putIfAbsent(q + '\u0000' + d, row.line());
              if (before != null) {
                throw new DataException(
                    row.where()
                        + "query "
                        + Quoting.quoted(q)
                        + " and document "
                        + Quoting.quoted(d)
                        + " are judged a second time (first on line "
                        + before
                        + ")");
              }
              if (relevance > 0) {
                relevant.computeIfAbsent(q, k -> new LinkedHashMap<>()).put(d, relevance);
              } else {
                notRelevant[0]++;
              }
              return true;
            });
    note(b.qrels, utf8, warnings);
    if (!problems.any() && judged.isEmpty()) {
      problems.add(b.qrels + ": the file has no judgements");
    }
    problems.throwIfAny();

    List<IrQuery> kept = new ArrayList<>();
    Map<String, Map<String, Integer>> keptRelevant = new LinkedHashMap<>();
    List<String> without = new ArrayList<>();
    for (IrQuery q : queries.values()) {
      Map<String, Integer> docs = relevant.get(q.id());
      if (docs == null) {
        without.add(q.id());
      } else {
        kept.add(q);
        keptRelevant.put(q.id(), docs);
      }
    }
    if (!without.isEmpty() && !b.dropWithoutRelevant) {
      for (String id : without) {
        problems.add(
            b.queries
                + " line "
                + queryLines.get(id)
                + ": query "
                + Quoting.quoted(id)
                + " has no relevant document in "
                + name(b.qrels)
                + " (no row with a relevance above 0)");
      }
    } else if (kept.isEmpty()) {
      problems.add(
          b.queries
              + ": no query has a relevant document in "
              + name(b.qrels)
              + " (no row with a relevance above 0)");
    } else if (!without.isEmpty()) {
      warnings.add(
          String.format(
              Locale.ROOT,
              "%s: %d of %d queries have no relevant document in %s and were left out",
              b.queries,
              without.size(),
              queries.size(),
              name(b.qrels)));
    }
    problems.throwIfAny();
    return new IrSplit(
        kept,
        List.copyOf(corpus.values()),
        keptRelevant,
        b.dropWithoutRelevant ? without.size() : 0,
        notRelevant[0],
        warnings);
  }

  /** The id, checked not to be used on an earlier line of the file. */
  private static String firstUse(FieldRows row, String id, Map<String, Long> lines)
      throws DataException {
    Long before = lines.putIfAbsent(id, row.line());
    if (before != null) {
      throw new DataException(
          row.where()
              + "id "
              + Quoting.quoted(id)
              + " is used twice (first on line "
              + before
              + ")");
    }
    return id;
  }

  /** A document: its text may be blank when its title is not. */
  private IrDocument document(FieldRows row, String id) throws DataException {
    String title = row.has(b.docTitle) ? row.text(b.docTitle) : "";
    String text = row.text(b.docText);
    if (!text.isBlank() || !title.isBlank()) {
      return new IrDocument(id, title, text);
    }
    if (row.has(b.docTitle)) {
      throw new DataException(
          row.where()
              + "the document is empty: "
              + row.name(b.docText)
              + " and "
              + row.name(b.docTitle)
              + " are empty or only whitespace");
    }
    return new IrDocument(id, "", row.nonBlankText(b.docText));
  }

  /** Adds the warning for lines that are not valid UTF-8, if any. */
  private static void note(Path file, long[] utf8, List<String> warnings) {
    if (utf8[0] > 0) {
      warnings.add(
          String.format(
              Locale.ROOT,
              "%s: %d line%s not valid UTF-8 (first: line %d); the invalid bytes were replaced"
                  + " by U+FFFD",
              file,
              utf8[0],
              utf8[0] == 1 ? " is" : "s are",
              utf8[1]));
    }
  }

  /** A file as another file's message names it. */
  private static String name(Path file) {
    Path n = file.getFileName();
    return n == null ? file.toString() : n.toString();
  }

  /**
   * Builds an {@link IrSplitSource}: {@code setX} for what is required, {@code optX} for the rest.
   */
  public static final class Builder {
    private Path queries;
    private Path corpus;
    private Path qrels;
    private String queryId = ID;
    private String queryText = TEXT;
    private String docId = ID;
    private String docText = TEXT;
    private String docTitle = TITLE;
    private String qrelsQuery = QUERY_ID;
    private String qrelsDoc = CORPUS_ID;
    private String qrelsRelevance = RELEVANCE;
    private boolean dropWithoutRelevant;

    private Builder() {}

    private Builder copy() {
      Builder c = new Builder();
      c.queries = queries;
      c.corpus = corpus;
      c.qrels = qrels;
      c.queryId = queryId;
      c.queryText = queryText;
      c.docId = docId;
      c.docText = docText;
      c.docTitle = docTitle;
      c.qrelsQuery = qrelsQuery;
      c.qrelsDoc = qrelsDoc;
      c.qrelsRelevance = qrelsRelevance;
      c.dropWithoutRelevant = dropWithoutRelevant;
      return c;
    }

    /**
     * Sets the queries file.
     *
     * @param path the file
     * @return this builder
     */
    public Builder setQueries(Path path) {
      this.queries = Objects.requireNonNull(path, "queries");
      return this;
    }

    /**
     * Sets the corpus file.
     *
     * @param path the file
     * @return this builder
     */
    public Builder setCorpus(Path path) {
      this.corpus = Objects.requireNonNull(path, "corpus");
      return this;
    }

    /**
     * Sets the qrels file (the relevance judgements).
     *
     * @param path the file
     * @return this builder
     */
    public Builder setQrels(Path path) {
      this.qrels = Objects.requireNonNull(path, "qrels");
      return this;
    }

    /**
     * Names the fields of the queries file (default {@value IrSplitSource#ID}, {@value
     * IrSplitSource#TEXT}).
     *
     * @param id the id field
     * @param text the text field
     * @return this builder
     */
    public Builder optQueryFields(String id, String text) {
      this.queryId = FieldRows.fieldName(id);
      this.queryText = FieldRows.fieldName(text);
      FieldRows.requireDistinct(queryId, queryText);
      return this;
    }

    /**
     * Names the fields of the corpus file (default {@value IrSplitSource#ID}, {@value
     * IrSplitSource#TEXT}, {@value IrSplitSource#TITLE}).
     *
     * @param id the id field
     * @param text the text field
     * @param title the title field (optional in the file)
     * @return this builder
     */
    public Builder optCorpusFields(String id, String text, String title) {
      this.docId = FieldRows.fieldName(id);
      this.docText = FieldRows.fieldName(text);
      this.docTitle = FieldRows.fieldName(title);
      FieldRows.requireDistinct(docId, docText, docTitle);
      return this;
    }

    /**
     * Names the fields of the qrels file (default {@value IrSplitSource#QUERY_ID}, {@value
     * IrSplitSource#CORPUS_ID}, {@value IrSplitSource#RELEVANCE}).
     *
     * @param queryId the query id field
     * @param docId the document id field
     * @param relevance the relevance field (optional in the file; 1 when absent)
     * @return this builder
     */
    public Builder optQrelsFields(String queryId, String docId, String relevance) {
      this.qrelsQuery = FieldRows.fieldName(queryId);
      this.qrelsDoc = FieldRows.fieldName(docId);
      this.qrelsRelevance = FieldRows.fieldName(relevance);
      FieldRows.requireDistinct(qrelsQuery, qrelsDoc, qrelsRelevance);
      return this;
    }

    /**
     * Whether queries with no relevant document are left out and counted ({@link
     * IrSplit#queriesDropped()}, and a warning) rather than an error that names them (the default).
     * Leave them out for BEIR's layout, whose queries file serves every split.
     *
     * @param drop true to leave them out
     * @return this builder
     */
    public Builder optDropQueriesWithoutRelevant(boolean drop) {
      this.dropWithoutRelevant = drop;
      return this;
    }

    /**
     * Builds the source.
     *
     * @return the source
     * @throws IllegalStateException when a file was not set
     */
    public IrSplitSource build() {
      if (queries == null || corpus == null || qrels == null) {
        throw new IllegalStateException("setQueries, setCorpus and setQrels are required");
      }
      return new IrSplitSource(this);
    }
  }
}
