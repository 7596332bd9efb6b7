package io.github.finetune4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The two retrieval datasets under {@code data/} (spam-subjects, debian-descriptions), read through
 * {@link PairSource} and {@link IrSplitSource}: their counts are the ones MANIFEST.txt states (and
 * the sizes the datasets were built to), their files are the ones MANIFEST.txt sums, and the splits
 * do not leak into one another.
 */
class RetrievalDatasetsTest {

  /**
   * What a dataset was built to hold: train pairs, then queries and documents of valid and test.
   * The debian-descriptions sizes are the ones asked for (#21 item 7); the spam-subjects corpora
   * are every distinct body of the split (600 valid messages, 1,200 test messages of which 9 repeat
   * another's body, checked against data/spamassassin below) and its train count is what its rules
   * leave.
   */
  record Expected(
      String dir, int train, int validQueries, int validDocs, int testQueries, int testDocs) {}

  static Stream<Expected> datasets() {
    return Stream.of(
        new Expected("data/spam-subjects", 1785, 200, 600, 500, 1191),
        new Expected("data/debian-descriptions", 5000, 300, 1000, 1000, 3000));
  }

  private static final List<String> SPLIT_FILES =
      List.of("queries.jsonl", "corpus.jsonl.gz", "qrels.tsv");

  @ParameterizedTest
  @MethodSource("datasets")
  void countsAreTheManifestsAndTheSizesAskedFor(Expected e) throws Exception {
    Path dir = Path.of(e.dir());
    Map<String, Integer> manifest = manifestCounts(dir);
    Examples<PairExample> train = train(dir);
    IrSplit valid = split(dir, "valid");
    IrSplit test = split(dir, "test");

    assertEquals(e.train(), train.items().size(), "train pairs");
    assertEquals(e.validQueries(), valid.queries().size(), "valid queries");
    assertEquals(e.validDocs(), valid.corpus().size(), "valid documents");
    assertEquals(e.testQueries(), test.queries().size(), "test queries");
    assertEquals(e.testDocs(), test.corpus().size(), "test documents");

    assertEquals(
        Map.of(
            "train.jsonl.gz", e.train(),
            "valid/queries.jsonl", e.validQueries(),
            "valid/corpus.jsonl.gz", e.validDocs(),
            "valid/qrels.tsv", e.validQueries(),
            "test/queries.jsonl", e.testQueries(),
            "test/corpus.jsonl.gz", e.testDocs(),
            "test/qrels.tsv", e.testQueries()),
        manifest,
        "the file table of MANIFEST.txt");

    for (IrSplit s : List.of(valid, test)) {
      assertEquals(0, s.queriesDropped());
      assertEquals(0, s.judgementsNotRelevant());
      assertEquals(List.of(), s.warnings(), "no invalid UTF-8");
    }
    assertEquals(0, train.invalidUtf8Lines());
  }

  @ParameterizedTest
  @MethodSource("datasets")
  void theFilesAreTheOnesTheManifestSums(Expected e) throws Exception {
    Path dir = Path.of(e.dir());
    Map<String, String> sums = manifestSums(dir);
    List<String> files = new ArrayList<>(List.of("train.jsonl.gz"));
    for (String split : List.of("valid", "test")) {
      SPLIT_FILES.forEach(f -> files.add(split + "/" + f));
    }
    assertEquals(Set.copyOf(files), sums.keySet(), "MANIFEST.txt sums every data file");
    for (String f : files) {
      assertEquals(sums.get(f), sha256(dir.resolve(f)), f + " is not the file regenerate.sh wrote");
    }
  }

  @ParameterizedTest
  @MethodSource("datasets")
  void everyQueryHasARelevantDocumentInItsCorpusAndNothingLeaks(Expected e) throws Exception {
    Path dir = Path.of(e.dir());
    Examples<PairExample> train = train(dir);
    IrSplit valid = split(dir, "valid");
    IrSplit test = split(dir, "test");

    for (IrSplit s : List.of(valid, test)) {
      Set<String> docIds = s.corpus().stream().map(IrDocument::id).collect(Collectors.toSet());
      for (IrQuery q : s.queries()) {
        Map<String, Integer> relevant = s.relevant().get(q.id());
        assertNotNull(relevant, q.id());
        assertEquals(1, relevant.size(), q.id() + ": one relevant document");
        assertTrue(docIds.containsAll(relevant.keySet()), q.id());
        assertTrue(relevant.values().stream().allMatch(r -> r == 1), q.id());
        // BEIR's evaluator skips hits whose document id is the query id
        assertFalse(docIds.contains(q.id()), q.id() + " is also a document id");
      }
      assertEquals(s.queries().size(), distinct(s.queries().stream().map(IrQuery::text)));
      assertEquals(s.corpus().size(), distinct(s.corpus().stream().map(IrDocument::text)));
    }

    Set<String> validIds = ids(valid);
    Set<String> both = ids(test);
    both.retainAll(validIds);
    assertEquals(Set.of(), both, "query ids in valid and in test");

    Set<String> heldOutQueries = texts(valid.queries(), test.queries());
    Set<String> heldOutDocs = new HashSet<>();
    Stream.concat(valid.corpus().stream(), test.corpus().stream())
        .forEach(d -> heldOutDocs.add(d.text()));
    for (PairExample p : train.items()) {
      assertFalse(heldOutQueries.contains(p.anchor()), "train anchor is a query: " + p.anchor());
      assertFalse(
          heldOutDocs.contains(p.positive()), "train positive is a document: " + p.anchor());
    }
    Set<String> validQueries = texts(valid.queries(), List.of());
    assertTrue(test.queries().stream().noneMatch(q -> validQueries.contains(q.text())));
  }

  /**
   * Each spam-subjects query is its message's subject (less the leading Re:/Fwd: markers) and its
   * relevant document is that message's body, as data/spamassassin holds them ("subject\n\nbody");
   * each corpus is every distinct body of the split.
   */
  @Test
  void spamSubjectsPairEachSubjectWithItsOwnBody() throws Exception {
    Pattern markers =
        Pattern.compile(
            "^(?:\\s*(?:re|fwd?|sv)(?:\\[\\d+])?\\s*:)+\\s*",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CHARACTER_CLASS);
    for (String split : List.of("valid", "test")) {
      Map<String, String[]> messages = new HashMap<>();
      for (PairExample m :
          PairSource.builder()
              .setPath(Path.of("data/spamassassin/" + split + ".jsonl.gz"))
              .optAnchorField("id")
              .optPositiveField("text")
              .build()
              .readPairs()
              .items()) {
        int cut = m.positive().indexOf("\n\n");
        messages.put(
            m.anchor(),
            new String[] {m.positive().substring(0, cut), m.positive().substring(cut + 2)});
      }
      IrSplit s = split(Path.of("data/spam-subjects"), split);
      Map<String, String> docs = new HashMap<>();
      s.corpus().forEach(d -> docs.put(d.id(), d.text()));
      for (IrQuery q : s.queries()) {
        assertTrue(q.id().startsWith("q-"), q.id());
        String[] message = messages.get(q.id().substring(2));
        assertNotNull(message, q.id());
        String subject = markers.matcher(message[0]).replaceFirst("");
        String expected = String.join(" ", subject.strip().split("(?U)\\s+"));
        assertEquals(expected, q.text(), q.id());
        String doc = s.relevant().get(q.id()).keySet().iterator().next();
        assertEquals(message[1], docs.get(doc), q.id() + " -> " + doc);
      }
      Set<String> bodies = new HashSet<>();
      messages.values().forEach(m -> bodies.add(m[1]));
      assertEquals(bodies, Set.copyOf(docs.values()), split + ": the corpus is every body");
    }
  }

  private static Examples<PairExample> train(Path dir) throws DataException {
    return PairSource.builder().setPath(dir.resolve("train.jsonl.gz")).build().readPairs();
  }

  private static IrSplit split(Path dir, String split) throws DataException {
    Path d = dir.resolve(split);
    return IrSplitSource.builder()
        .setQueries(d.resolve(SPLIT_FILES.get(0)))
        .setCorpus(d.resolve(SPLIT_FILES.get(1)))
        .setQrels(d.resolve(SPLIT_FILES.get(2)))
        .build()
        .read();
  }

  private static Set<String> ids(IrSplit s) {
    return s.queries().stream().map(IrQuery::id).collect(Collectors.toCollection(HashSet::new));
  }

  private static Set<String> texts(List<IrQuery> a, List<IrQuery> b) {
    return Stream.concat(a.stream(), b.stream()).map(IrQuery::text).collect(Collectors.toSet());
  }

  private static long distinct(Stream<String> texts) {
    return texts.distinct().count();
  }

  /** The file table of MANIFEST.txt: file name -> lines (the column after the name). */
  private static Map<String, Integer> manifestCounts(Path dir) throws IOException {
    Pattern row = Pattern.compile("^((?:train|valid/|test/)\\S*)\\s+(\\d+)\\s.*$");
    Map<String, Integer> counts = new HashMap<>();
    for (String line : Files.readAllLines(dir.resolve("MANIFEST.txt"))) {
      Matcher m = row.matcher(line);
      if (m.matches()) {
        assertEquals(null, counts.put(m.group(1), Integer.parseInt(m.group(2))), line);
      }
    }
    return counts;
  }

  /** The sha256 lines of MANIFEST.txt: file name -> sum. */
  private static Map<String, String> manifestSums(Path dir) throws IOException {
    Pattern row = Pattern.compile("^([0-9a-f]{64})  (\\S+)$");
    Map<String, String> sums = new HashMap<>();
    for (String line : Files.readAllLines(dir.resolve("MANIFEST.txt"))) {
      Matcher m = row.matcher(line);
      if (m.matches()) {
        sums.put(m.group(2), m.group(1));
      }
    }
    return sums;
  }

  private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
