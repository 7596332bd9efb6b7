package io.github.finetune4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading information-retrieval splits: BEIR's layout, CSV, and every kind of bad input. */
class IrSplitSourceTest {

  @TempDir Path tmp;

  /** BEIR's queries.jsonl: the queries of every split, with metadata. */
  private static final String BEIR_QUERIES =
      "{\"_id\": \"q1\", \"text\": \"what is a cat\", \"metadata\": {}}\n"
          + "{\"_id\": \"q2\", \"text\": \"how tall is the tower\", \"metadata\": {\"a\": 1}}\n"
          + "{\"_id\": \"q3\", \"text\": \"a query of the train split\", \"metadata\": {}}\n";

  /** BEIR's corpus.jsonl: an empty title, a title without text, a numeric id, no title. */
  private static final String BEIR_CORPUS =
      "{\"_id\": \"d1\", \"title\": \"Cat\", \"text\": \"A small carnivorous mammal.\","
          + " \"metadata\": {}}\n"
          + "{\"_id\": \"d2\", \"title\": \"\", \"text\": \"The Eiffel Tower is 330 m tall.\"}\n"
          + "{\"_id\": \"d3\", \"title\": \"Dog\", \"text\": \"\"}\n"
          + "{\"_id\": 4, \"text\": \"a document with a numeric id\"}\n";

  /** BEIR's qrels/test.tsv: graded, with a judgement "not relevant". */
  private static final String BEIR_QRELS =
      "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t2\nq2\td3\t0\nq1\t4\t1\n";

  @Test
  void readsBeirsLayoutDroppingTheQueriesOfOtherSplitsWhenAsked() throws Exception {
    Path queries = write("scifact/queries.jsonl", BEIR_QUERIES);
    Path corpus =
        writeBytes(
            "scifact/corpus.jsonl.gz",
            TestFiles.gzip(BEIR_CORPUS.getBytes(StandardCharsets.UTF_8)));
    Path qrels = write("scifact/qrels/test.tsv", BEIR_QRELS);
    IrSplit split =
        IrSplitSource.builder()
            .setQueries(queries)
            .setCorpus(corpus)
            .setQrels(qrels)
            .optDropQueriesWithoutRelevant(true)
            .build()
            .read();
    assertEquals(
        List.of(new IrQuery("q1", "what is a cat"), new IrQuery("q2", "how tall is the tower")),
        split.queries());
    assertEquals(
        List.of(
            new IrDocument("d1", "Cat", "A small carnivorous mammal."),
            new IrDocument("d2", "", "The Eiffel Tower is 330 m tall."),
            new IrDocument("d3", "Dog", ""),
            new IrDocument("4", "", "a document with a numeric id")),
        split.corpus());
    Map<String, Map<String, Integer>> relevant = new LinkedHashMap<>();
    relevant.put("q1", orderedMap("d1", 1, "4", 1));
    relevant.put("q2", Map.of("d2", 2));
    assertEquals(relevant, split.relevant());
    assertEquals(List.of("q1", "q2"), List.copyOf(split.relevant().keySet()), "query order");
    assertEquals(List.of("d1", "4"), List.copyOf(split.relevant().get("q1").keySet()));
    assertEquals(1, split.queriesDropped());
    assertEquals(1, split.judgementsNotRelevant(), "q2 d3 0");
    assertEquals(
        List.of(
            queries + ": 1 of 3 queries have no relevant document in test.tsv and were left out"),
        split.warnings());
    assertEquals("Cat A small carnivorous mammal.", split.corpus().get(0).content());
    assertEquals("The Eiffel Tower is 330 m tall.", split.corpus().get(1).content());
    assertEquals("Dog", split.corpus().get(2).content());
    assertThrows(UnsupportedOperationException.class, () -> split.relevant().put("q9", Map.of()));
    assertThrows(
        UnsupportedOperationException.class, () -> split.relevant().get("q1").put("d2", 1));
  }

  @Test
  void aQueryWithNoRelevantDocumentIsAnErrorThatNamesItByDefault() throws Exception {
    Path queries = write("queries.jsonl", BEIR_QUERIES);
    Path corpus = write("corpus.jsonl", BEIR_CORPUS);
    Path qrels = write("test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t0\n");
    assertEquals(
        List.of(
            queries
                + " line 2: query 'q2' has no relevant document in test.tsv (no row with a"
                + " relevance above 0)",
            queries
                + " line 3: query 'q3' has no relevant document in test.tsv (no row with a"
                + " relevance above 0)"),
        problems(source(queries, corpus, qrels)));
    Path none = write("none.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t0\n");
    assertEquals(
        List.of(
            queries
                + ": no query has a relevant document in none.tsv (no row with a relevance above"
                + " 0)"),
        problems(
            IrSplitSource.builder()
                .setQueries(queries)
                .setCorpus(corpus)
                .setQrels(none)
                .optDropQueriesWithoutRelevant(true)
                .build()));
  }

  @Test
  void readsCsvWithOtherFieldNamesQuotedTextsAndNoRelevanceColumn() throws Exception {
    Path queries = write("queries.csv", "qid,question\n1,\"cats, dogs and \"\"pets\"\"\"\n");
    Path corpus =
        write(
            "corpus.csv",
            "pid,heading,body\n"
                + "p1,Pets,\"Cats and dogs,\nliving with people.\"\n"
                + "p2,,Tigers\n");
    Path qrels = write("qrels.csv", "qid,pid\n1,p1\n");
    IrSplit split =
        IrSplitSource.builder()
            .setQueries(queries)
            .setCorpus(corpus)
            .setQrels(qrels)
            .optQueryFields("qid", "question")
            .optCorpusFields("pid", "body", "heading")
            .optQrelsFields("qid", "pid", "grade")
            .build()
            .read();
    assertEquals(List.of(new IrQuery("1", "cats, dogs and \"pets\"")), split.queries());
    assertEquals(
        List.of(
            new IrDocument("p1", "Pets", "Cats and dogs,\nliving with people."),
            new IrDocument("p2", "", "Tigers")),
        split.corpus());
    assertEquals(Map.of("1", Map.of("p1", 1)), split.relevant());
    assertEquals(0, split.queriesDropped());
    assertEquals(List.of(), split.warnings());
  }

  @Test
  void duplicateIdsAndEmptyTextsInQueriesAndCorpusAreListedTogether() throws Exception {
    Path queries =
        write(
            "queries.jsonl",
            "{\"_id\": \"q1\", \"text\": \"one\"}\n"
                + "{\"_id\": \"q2\", \"text\": \"  \"}\n"
                + "{\"_id\": \"q1\", \"text\": \"again\"}\n"
                + "{\"_id\": \"\", \"text\": \"no id\"}\n"
                + "{\"_id\": 1.5, \"text\": \"x\"}\n"
                + "{\"text\": \"x\"}\n");
    Path corpus =
        write(
            "corpus.tsv",
            "_id\ttitle\ttext\n"
                + "d1\tT\tbody\n"
                + "d1\tT\tbody again\n"
                + "d2\t\t\n"
                + "\tT\tx\n");
    Path qrels = write("qrels.tsv", "query-id\tcorpus-id\nq1\td1\n");
    assertEquals(
        List.of(
            queries + " line 2: field 'text' is empty or only whitespace",
            queries + " line 3: id 'q1' is used twice (first on line 1)",
            queries + " line 4: field '_id' is empty (an id is needed)",
            queries + " line 5: field '_id' must be a string or a whole number, got a number",
            queries + " line 6: no field '_id' (fields: text)",
            corpus + " line 3: id 'd1' is used twice (first on line 2)",
            corpus
                + " line 4: the document is empty: column 'text' and column 'title' are empty or"
                + " only whitespace",
            corpus + " line 5: column '_id' is empty (an id is needed)"),
        problems(source(queries, corpus, qrels)));
    Path noTitle = write("notitle.csv", "_id,text\nd1,\n");
    Path fine = write("fine.jsonl", "{\"_id\": \"q1\", \"text\": \"one\"}\n");
    assertEquals(
        List.of(noTitle + " line 2: column 'text' is empty or only whitespace"),
        problems(source(fine, noTitle, qrels)));
  }

  @Test
  void qrelsNamingUnknownIdsOrJudgingTwiceAreListedWithTheirLines() throws Exception {
    Path queries = write("queries.jsonl", BEIR_QUERIES);
    Path corpus = write("corpus.jsonl", BEIR_CORPUS);
    Path qrels =
        write(
            "test.tsv",
            "query-id\tcorpus-id\tscore\n"
                + "q1\td1\t1\n"
                + "q9\td1\t1\n"
                + "q2\td9\t1\n"
                + "q7\td7\t1\n"
                + "q1\td1\t2\n"
                + "q2\td2\t1.5\n"
                + "q2\td2\thigh\n"
                + "q2\td2\t\n"
                + "q2\td2\t99999999999\n"
                + "q3\td3\t1\n"
                + "q2\td2\t1\n");
    assertEquals(
        List.of(
            qrels + " line 3: query id 'q9' is not in queries.jsonl",
            qrels + " line 4: document id 'd9' is not in corpus.jsonl",
            qrels + " line 5: query id 'q7' is not in queries.jsonl",
            qrels + " line 5: document id 'd7' is not in corpus.jsonl",
            qrels
                + " line 6: query 'q1' and document 'd1' are judged a second time (first on"
                + " line 2)",
            qrels
                + " line 7: column 'score' must be a whole number (from -2147483648 to"
                + " 2147483647), got '1.5'",
            qrels
                + " line 8: column 'score' must be a whole number (from -2147483648 to"
                + " 2147483647), got 'high'",
            qrels + " line 9: column 'score' is empty (a whole number is needed)",
            qrels
                + " line 10: column 'score' must be a whole number (from -2147483648 to"
                + " 2147483647), got '99999999999'"),
        problems(source(queries, corpus, qrels)));
    Path json =
        write(
            "qrels.jsonl",
            "{\"query-id\": \"q1\", \"corpus-id\": \"d1\", \"score\": 1.0}\n"
                + "{\"query-id\": \"q2\", \"corpus-id\": \"d2\", \"score\": \"1\"}\n"
                + "{\"query-id\": \"q3\", \"corpus-id\": \"d3\"}\n");
    assertEquals(
        List.of(
            json
                + " line 1: field 'score' must be a whole number (from -2147483648 to"
                + " 2147483647), got '1.0'",
            json + " line 2: field 'score' must be a whole number, got a string"),
        problems(source(queries, corpus, json)));
  }

  @Test
  void emptyAndMissingFilesAreNamed() throws Exception {
    Path queries = write("queries.jsonl", BEIR_QUERIES);
    Path corpus = write("corpus.jsonl", BEIR_CORPUS);
    Path missing = tmp.resolve("missing.jsonl");
    Path blank = write("blank.jsonl", "\n");
    assertEquals(
        List.of(missing + ": data file not found", blank + ": the file has no documents"),
        problems(source(missing, blank, write("q.tsv", "query-id\tcorpus-id\n"))),
        "the queries and the corpus are checked together");
    assertEquals(
        List.of(blank + ": the file has no queries"),
        problems(source(blank, corpus, write("q2.tsv", "query-id\tcorpus-id\n"))));
    Path header = write("header.tsv", "query-id\tcorpus-id\tscore\n");
    assertEquals(
        List.of(header + ": the file has no judgements"),
        problems(source(queries, corpus, header)));
    Path wrong = write("wrong.tsv", "qid\tdocid\nq1\td1\n");
    assertEquals(
        List.of(
            wrong + ": column 'query-id' is not in the header (columns: qid, docid)",
            wrong + ": column 'corpus-id' is not in the header (columns: qid, docid)"),
        problems(source(queries, corpus, wrong)));
  }

  @Test
  void badOptionsAreRejectedUpFront() {
    assertThrows(IllegalStateException.class, () -> IrSplitSource.builder().build());
    assertThrows(
        IllegalArgumentException.class, () -> IrSplitSource.builder().optQueryFields("id", "id"));
    assertThrows(
        IllegalArgumentException.class,
        () -> IrSplitSource.builder().optCorpusFields("id", "text", ""));
    assertThrows(IllegalArgumentException.class, () -> new IrDocument("d", " ", ""));
    assertThrows(IllegalArgumentException.class, () -> new IrQuery("", "text"));
  }

  // ---- helpers ----

  private static IrSplitSource source(Path queries, Path corpus, Path qrels) {
    return IrSplitSource.builder().setQueries(queries).setCorpus(corpus).setQrels(qrels).build();
  }

  private static List<String> problems(IrSplitSource source) {
    return assertThrows(DataException.class, source::read).problems();
  }

  private static Map<String, Integer> orderedMap(String k1, int v1, String k2, int v2) {
    Map<String, Integer> m = new LinkedHashMap<>();
    m.put(k1, v1);
    m.put(k2, v2);
    return m;
  }

  private Path write(String name, String text) throws IOException {
    return writeBytes(name, TestFiles.utf8(text));
  }

  private Path writeBytes(String name, byte[] bytes) throws IOException {
    return TestFiles.write(tmp, name, bytes);
  }
}
