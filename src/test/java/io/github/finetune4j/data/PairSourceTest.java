package io.github.finetune4j.data;

import static io.github.finetune4j.data.TestFiles.concat;
import static io.github.finetune4j.data.TestFiles.gzip;
import static io.github.finetune4j.data.TestFiles.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading pairs, triplets and scored pairs from real JSON-lines, CSV and TSV files. */
class PairSourceTest {

  @TempDir Path tmp;

  // ---- happy paths ----

  @Test
  void readsPairsFromJsonLinesIgnoringOtherFields() throws Exception {
    Path f =
        write(
            "pairs.jsonl",
            "{\"anchor\": \"how do I reset my password?\", \"positive\": \"Open Settings, then"
                + " Security.\", \"negative\": \"ignored\", \"id\": 7}\n"
                + "\n"
                + "{\"positive\": \"naïve 日本 😀\", \"anchor\": \"unicode\"}\r\n"
                + "{\"anchor\": \"q\", \"positive\": \"q\"}\n");
    Examples<PairExample> pairs = source(f).readPairs();
    assertEquals(
        List.of(
            new PairExample("how do I reset my password?", "Open Settings, then Security."),
            new PairExample("unicode", "naïve 日本 😀"),
            new PairExample("q", "q")),
        pairs.items());
    assertEquals(0, pairs.invalidUtf8Lines());
    assertEquals(0, pairs.firstInvalidUtf8Line());
  }

  @Test
  void readsTripletsFromCsvWithQuotesCommasAndLineBreaksInTexts() throws Exception {
    Path f =
        write(
            "triplets.csv",
            "anchor,positive,negative\n"
                + "\"Paris, France\",\"the capital\nof France\",\"a \"\"city\"\" in Texas\"\n"
                + "plain,  spaced  ,x\r\n"
                + "\n"
                + "\"\"\"quoted\"\"\",b,c\n");
    Examples<PairExample> triplets = source(f).readTriplets();
    assertEquals(
        List.of(
            new PairExample("Paris, France", "the capital\nof France", "a \"city\" in Texas"),
            new PairExample("plain", "spaced", "x"),
            new PairExample("\"quoted\"", "b", "c")),
        triplets.items());
  }

  @Test
  void readsScoredPairsFromTsvWhereQuotesAreOrdinaryCharacters() throws Exception {
    Path f =
        write(
            "sts.tsv",
            "a\tb\tscore\n"
                + "A man is playing a guitar.\tA man plays \"the\" guitar.\t4.8\n"
                + "\"open\tclose\" text\t-1\n"
                + "x\ty\t1e-3\n");
    Examples<ScoredPair> scored = source(f).readScoredPairs();
    assertEquals(
        List.of(
            new ScoredPair("A man is playing a guitar.", "A man plays \"the\" guitar.", 4.8),
            new ScoredPair("\"open", "close\" text", -1),
            new ScoredPair("x", "y", 0.001)),
        scored.items());
  }

  @Test
  void readsScoredPairsFromJsonLinesAndGzip() throws Exception {
    String lines =
        "{\"a\": \"one\", \"b\": \"two\", \"score\": 0.25}\n"
            + "{\"a\": \"three\", \"b\": \"four\", \"score\": 5}\n";
    Path gz = writeBytes("sts.jsonl.gz", gzip(utf8(lines)));
    assertEquals(
        List.of(new ScoredPair("one", "two", 0.25), new ScoredPair("three", "four", 5)),
        source(gz).readScoredPairs().items());
    Path csvGz = writeBytes("pairs.csv.gz", gzip(utf8("anchor,positive\nq,\"p, p\"\n")));
    assertEquals(List.of(new PairExample("q", "p, p")), source(csvGz).readPairs().items());
  }

  @Test
  void fieldNamesAreConfigurable() throws Exception {
    Path f = write("qa.jsonl", "{\"query\": \"q1\", \"doc\": \"d1\", \"hard\": \"n1\"}\n");
    PairSource s =
        PairSource.builder()
            .setPath(f)
            .optAnchorField("query")
            .optPositiveField("doc")
            .optNegativeField("hard")
            .build();
    assertEquals(List.of(new PairExample("q1", "d1", "n1")), s.readTriplets().items());
    Path sts = write("sts.csv", "sentence1,sentence2,label\nx,y,3\n");
    assertEquals(
        List.of(new ScoredPair("x", "y", 3)),
        PairSource.builder()
            .setPath(sts)
            .optScoredFields("sentence1", "sentence2", "label")
            .build()
            .readScoredPairs()
            .items());
  }

  @Test
  void limitKeepsTheFirstExamplesAndReadsNoFurther() throws Exception {
    Path f =
        write(
            "limited.jsonl",
            "{\"anchor\": \"a\", \"positive\": \"b\"}\n"
                + "{\"anchor\": \"c\", \"positive\": \"d\"}\n"
                + "not json at all\n");
    assertEquals(
        List.of(new PairExample("a", "b"), new PairExample("c", "d")),
        PairSource.builder().setPath(f).optLimit(2).build().readPairs().items());
    assertEquals(
        f
            + " line 3: not a JSON object: Unrecognized token 'not': was expecting (JSON String,"
            + " Number, Array, Object or token 'null', 'true' or 'false')",
        fails(() -> PairSource.builder().setPath(f).optLimit(3).build().readPairs()));
  }

  @Test
  void invalidUtf8InJsonLinesIsReplacedKeptAndCounted() throws Exception {
    Path f =
        writeBytes(
            "bad.jsonl",
            concat(
                utf8("{\"anchor\": \"ok\", \"positive\": \"fine\"}\n"),
                utf8("{\"anchor\": \"caf"),
                new byte[] {(byte) 0xE9},
                utf8("\", \"positive\": \"x\"}\n")));
    Examples<PairExample> pairs = source(f).readPairs();
    assertEquals(
        List.of(new PairExample("ok", "fine"), new PairExample("caf\uFFFD", "x")), pairs.items());
    assertEquals(1, pairs.invalidUtf8Lines());
    assertEquals(2, pairs.firstInvalidUtf8Line());
  }

  @Test
  void aLeadingByteOrderMarkIsSkippedInEveryFormat() throws Exception {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    Path j =
        writeBytes("bom.jsonl", concat(bom, utf8("{\"anchor\": \"a\", \"positive\": \"b\"}\n")));
    Path c = writeBytes("bom.csv", concat(bom, utf8("anchor,positive\na,b\n")));
    for (Path f : List.of(j, c)) {
      assertEquals(List.of(new PairExample("a", "b")), source(f).readPairs().items(), f.toString());
    }
  }

  // ---- bad input: each problem with its file and line, all at once ----

  @Test
  void anEmptySideOfAPairNamesTheFileTheLineAndTheField() throws Exception {
    Path f =
        write(
            "empty.jsonl",
            "{\"anchor\": \"fine\", \"positive\": \"fine\"}\n"
                + "{\"anchor\": \"\", \"positive\": \"x\"}\n"
                + "{\"anchor\": \"x\", \"positive\": \" \\t\\n \"}\n");
    assertEquals(
        List.of(
            f + " line 2: field 'anchor' is empty or only whitespace",
            f + " line 3: field 'positive' is empty or only whitespace"),
        problems(() -> source(f).readPairs()));
    Path csv = write("empty.csv", "anchor,positive,negative\na,b,c\nd,,f\ng,h,   \n");
    assertEquals(
        List.of(
            csv + " line 3: column 'positive' is empty or only whitespace",
            csv + " line 4: column 'negative' is empty or only whitespace"),
        problems(() -> source(csv).readTriplets()));
  }

  @Test
  void aMissingFieldOrColumnIsNamed() throws Exception {
    Path f =
        write(
            "missing.jsonl",
            "{\"anchor\": \"a\"}\n{\"anchor\": \"a\", \"positive\": \"b\"}\n{\"query\": \"q\"}\n");
    assertEquals(
        List.of(
            f + " line 1: no field 'positive' (fields: anchor)",
            f + " line 3: no field 'anchor' (fields: query)"),
        problems(() -> source(f).readPairs()));
    Path triplets = write("t.jsonl", "{\"anchor\": \"a\", \"positive\": \"b\"}\n");
    assertEquals(
        List.of(triplets + " line 1: no field 'negative' (fields: anchor, positive)"),
        problems(() -> source(triplets).readTriplets()));
    Path csv = write("missing.csv", "anchor,pos\na,b\n");
    assertEquals(
        List.of(
            csv + ": column 'positive' is not in the header (columns: anchor, pos)",
            csv + ": column 'negative' is not in the header (columns: anchor, pos)"),
        problems(() -> source(csv).readTriplets()));
  }

  @Test
  void aFieldOfTheWrongTypeNamesTheType() throws Exception {
    Path f =
        write(
            "types.jsonl",
            "{\"anchor\": 12, \"positive\": \"b\"}\n"
                + "{\"anchor\": \"a\", \"positive\": null}\n"
                + "{\"anchor\": \"a\", \"positive\": [\"b\"]}\n");
    assertEquals(
        List.of(
            f + " line 1: field 'anchor' must be a string, got a number",
            f + " line 2: field 'positive' must be a string, got null",
            f + " line 3: field 'positive' must be a string, got a list"),
        problems(() -> source(f).readPairs()));
  }

  @Test
  void aScoreMustBeAFiniteNumber() throws Exception {
    Path csv =
        write(
            "scores.csv",
            "a,b,score\n"
                + "x,y,0.5\n"
                + "x,y,high\n"
                + "x,y,NaN\n"
                + "x,y,Infinity\n"
                + "x,y,1e999\n"
                + "x,y,\n"
                + "x,y,\"0,5\"\n");
    assertEquals(
        List.of(
            csv + " line 3: column 'score' must be a number, got 'high'",
            csv + " line 4: column 'score' must be a number, got 'NaN'",
            csv + " line 5: column 'score' must be a number, got 'Infinity'",
            csv
                + " line 6: column 'score' is '1e999', beyond the range of a 64-bit float (about"
                + " 1.8e308)",
            csv + " line 7: column 'score' is empty (a number is needed)",
            csv + " line 8: column 'score' must be a number, got '0,5'"),
        problems(() -> source(csv).readScoredPairs()));
    Path json =
        write(
            "scores.jsonl",
            "{\"a\": \"x\", \"b\": \"y\", \"score\": \"0.5\"}\n"
                + "{\"a\": \"x\", \"b\": \"y\", \"score\": 1e999}\n"
                + "{\"a\": \"x\", \"b\": \"y\", \"score\": NaN}\n"
                + "{\"a\": \"x\", \"b\": \"y\"}\n");
    List<String> p = problems(() -> source(json).readScoredPairs());
    assertEquals(4, p.size(), p.toString());
    assertEquals(json + " line 1: field 'score' must be a number, got a string", p.get(0));
    assertEquals(
        json + " line 2: field 'score' is beyond the range of a 64-bit float (about 1.8e308)",
        p.get(1));
    assertEquals(
        json
            + " line 3: not a JSON object: Non-standard token 'NaN': enable"
            + " `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow",
        p.get(2));
    assertEquals(json + " line 4: no field 'score' (fields: a, b)", p.get(3));
  }

  @Test
  void everyProblemIsListedUpToTwentyAndTheRestCounted() throws Exception {
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 25; i++) {
      lines.append("{\"anchor\": \"\", \"positive\": \"p\"}\n");
    }
    Path f = write("many.jsonl", lines.toString());
    DataException e = assertThrows(DataException.class, () -> source(f).readPairs());
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      expected.add(f + " line " + i + ": field 'anchor' is empty or only whitespace");
    }
    expected.add("… and 5 more problems not listed");
    assertEquals(expected, e.problems());
    assertEquals(String.join("\n", expected), e.getMessage());
  }

  @Test
  void rowsWithTheWrongNumberOfCellsAndBrokenQuotingAreNamed() throws Exception {
    Path f = write("cells.csv", "anchor,positive\na,b,c\nd\ne,f\n\"open,g\n");
    assertEquals(
        List.of(
            f + " line 2: the row has 3 cells, but the header has 2 columns",
            f + " line 3: the row has 1 cell, but the header has 2 columns",
            f
                + " line 5: a quoted cell is not closed (its closing quote is missing before the"
                + " end of the file)"),
        problems(() -> source(f).readPairs()));
    Path cut = write("cut.csv", "anchor,positive\na,b\nc,d");
    assertEquals(
        List.of(
            cut
                + " line 3: the last line does not end with a line break, as in a file cut short;"
                + " if the file is complete, end it with a line break"),
        problems(() -> source(cut).readPairs()));
  }

  @Test
  void filesThatCannotBeReadSayWhy() throws Exception {
    Path none = tmp.resolve("none.jsonl");
    assertEquals(List.of(none + ": data file not found"), problems(() -> source(none).readPairs()));
    Path txt = write("pairs.txt", "anchor,positive\na,b\n");
    assertEquals(
        List.of(
            txt
                + ": cannot tell the format from the file name; name it .jsonl (JSON lines), .csv"
                + " or .tsv, optionally followed by .gz"),
        problems(() -> source(txt).readPairs()));
    Path plain = write("plain.jsonl.gz", "{\"anchor\": \"a\", \"positive\": \"b\"}\n");
    assertEquals(
        List.of(
            plain
                + ": not a gzip file (the name ends in .gz but the content is not"
                + " gzip-compressed)"),
        problems(() -> source(plain).readPairs()));
    Path utf16 =
        writeBytes("wide.csv", "anchor,positive\na,b\n".getBytes(StandardCharsets.UTF_16LE));
    assertEquals(
        List.of(utf16 + ": the file is in UTF-16 (little-endian), not UTF-8; save it as UTF-8"),
        problems(() -> source(utf16).readPairs()));
    Path blank = write("blank.jsonl", "\n\n");
    assertEquals(
        List.of(blank + ": the dataset is empty (no pairs)"),
        problems(() -> source(blank).readPairs()));
    Path header = write("header.csv", "a,b,score\n");
    assertEquals(
        List.of(header + ": the dataset is empty (no scored pairs)"),
        problems(() -> source(header).readScoredPairs()));
    Path empty = write("empty.tsv", "");
    assertEquals(
        List.of(empty + ": the file is empty (no header row)"),
        problems(() -> source(empty).readTriplets()));
  }

  @Test
  void longValuesAreNotQuotedWhole() throws Exception {
    String text = "Dear friend, ".repeat(400);
    Path f = write("long.csv", "a,b,score\nx,y,\"" + text + "\"\n");
    assertEquals(
        List.of(
            f
                + " line 2: column 'score' must be a number, got 'Dear friend, Dear friend, Dear"
                + " friend, D…' (5199 characters)"),
        problems(() -> source(f).readScoredPairs()));
  }

  @Test
  void badOptionsAreRejectedUpFront() {
    assertThrows(IllegalStateException.class, () -> PairSource.builder().build());
    assertThrows(IllegalArgumentException.class, () -> PairSource.builder().optLimit(0));
    assertThrows(IllegalArgumentException.class, () -> PairSource.builder().optAnchorField(" "));
    PairSource same =
        PairSource.builder().setPath(tmp.resolve("x.jsonl")).optPositiveField("anchor").build();
    assertThrows(IllegalArgumentException.class, same::readPairs);
    assertThrows(IllegalArgumentException.class, () -> new PairExample("a", " "));
    assertThrows(IllegalArgumentException.class, () -> new PairExample("a", "b", ""));
    assertThrows(IllegalArgumentException.class, () -> new ScoredPair("a", "b", Double.NaN));
  }

  // ---- helpers ----

  private static PairSource source(Path f) {
    return PairSource.builder().setPath(f).build();
  }

  /** What a read that must fail reports. */
  private static List<String> problems(Read read) {
    return assertThrows(DataException.class, read::run).problems();
  }

  private static String fails(Read read) {
    return assertThrows(DataException.class, read::run).getMessage();
  }

  @FunctionalInterface
  interface Read {
    void run() throws Exception;
  }

  private Path write(String name, String text) throws IOException {
    return writeBytes(name, utf8(text));
  }

  private Path writeBytes(String name, byte[] bytes) throws IOException {
    return TestFiles.write(tmp, name, bytes);
  }
}
