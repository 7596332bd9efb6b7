package io.github.finetune4j.data;

import static io.github.finetune4j.data.TestFiles.concat;
import static io.github.finetune4j.data.TestFiles.gzip;
import static io.github.finetune4j.data.TestFiles.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading labelled JSON lines from real files, including the hostile ones. */
class TextJsonlSourceTest {

  private static final List<String> CLASSES = List.of("ham", "spam");

  @TempDir Path tmp;

  @Test
  void readsTheShippedSpamAssassinTrainingFile() throws DataException {
    TextData data =
        new TextJsonlSource(Path.of("data/spamassassin/train.jsonl.gz"), "text", "label", null)
            .readData(CLASSES);
    assertEquals(4084, data.examples().size(), "train.jsonl.gz in data/spamassassin/MANIFEST.txt");
    assertEquals(1233, data.examples().stream().filter(e -> e.label() == 1).count(), "spam");
    assertEquals(0, data.emptyTextsSkipped());
    assertEquals(0, data.invalidUtf8Lines());
    assertEquals(0, data.firstInvalidUtf8Line());
    assertTrue(data.examples().get(0).text().startsWith("[SACVS] CVS: spamassassin configure"));
  }

  @Test
  void invalidUtf8IsReplacedKeptAndCounted() throws Exception {
    Path f =
        write(
            "mixed.jsonl",
            utf8("{\"text\": \"naïve 日本 😀\", \"label\": \"ham\"}\r\n"),
            utf8("{\"text\": \"caf"),
            new byte[] {(byte) 0xE9},
            utf8("\", \"label\": \"spam\"}\r\n"),
            utf8("{\"text\": \"ok\", \"label\": \"ham\"}\r"),
            utf8("{\"text\": \"x"),
            new byte[] {(byte) 0xC3, 0x28, (byte) 0xED, (byte) 0xA0, (byte) 0x80},
            utf8("\", \"label\": \"ham\"}"));
    TextData data = new TextJsonlSource(f, "text", "label", null).readData(CLASSES);
    assertEquals(
        List.of(
            new TextExample("naïve 日本 😀", 0),
            new TextExample("caf\uFFFD", 1),
            new TextExample("ok", 0),
            new TextExample("x\uFFFD(\uFFFD", 0)),
        data.examples());
    assertEquals(2, data.invalidUtf8Lines());
    assertEquals(2, data.firstInvalidUtf8Line());
    assertEquals(data.examples(), new TextJsonlSource(f, "text", "label", null).read(CLASSES));
  }

  @Test
  void limitStopsReadingAfterTheFirstExamples() throws Exception {
    Path f =
        write(
            "limited.jsonl",
            utf8("{\"text\": \"a\", \"label\": \"ham\"}\n{\"text\": \"b\", \"label\": \"spam\"}\n"),
            utf8("{\"text\": \""),
            new byte[] {(byte) 0xFF},
            utf8("\", \"label\": \"ham\"}\nnot json\n"));
    TextData data = new TextJsonlSource(f, "text", "label", 2).readData(CLASSES);
    assertEquals(List.of(new TextExample("a", 0), new TextExample("b", 1)), data.examples());
    assertEquals(0, data.invalidUtf8Lines(), "line 3 is past the limit and not read");
    TextData three = new TextJsonlSource(f, "text", "label", 3).readData(CLASSES);
    assertEquals(3, three.examples().size());
    assertEquals(3, three.firstInvalidUtf8Line());
  }

  @Test
  void emptyGzipFileIsNamedAsSuch() throws Exception {
    Path f = write("empty.jsonl.gz");
    assertEquals(
        f + ": not a gzip file (empty or truncated)", fails(f, "text", "label").getMessage());
  }

  @Test
  void plainJsonLinesNamedGzIsNotGzip() throws Exception {
    Path f = write("plain.jsonl.gz", utf8("{\"text\": \"a\", \"label\": \"ham\"}\n"));
    assertEquals(
        f + ": not a gzip file (the name ends in .gz but the content is not gzip-compressed)",
        fails(f, "text", "label").getMessage());
  }

  @Test
  void truncatedGzipSaysSo() throws Exception {
    byte[] whole = gzip(manyLines(2000));
    for (int keep : new int[] {5, 10, whole.length / 2, whole.length - 1}) {
      Path f = write("cut" + keep + ".jsonl.gz", Arrays.copyOf(whole, keep));
      String expected =
          keep < 10
              ? f + ": not a gzip file (empty or truncated)"
              : f + ": gzip data ends early (truncated file)";
      assertEquals(expected, fails(f, "text", "label").getMessage(), "first " + keep + " bytes");
    }
  }

  @Test
  void gzipWithABadCheckValueIsCorrupt() throws Exception {
    byte[] bytes = gzip(manyLines(10));
    bytes[bytes.length - 8] ^= 1;
    Path f = write("crc.jsonl.gz", bytes);
    assertEquals(
        f + ": gzip data is corrupt (corrupt gzip trailer)",
        fails(f, "text", "label").getMessage());
  }

  @Test
  void directoryIsNotADataFile() throws Exception {
    Path d = Files.createDirectory(tmp.resolve("train.jsonl"));
    assertEquals(d + ": is a directory, not a data file", fails(d, "text", "label").getMessage());
  }

  @Test
  void textOfTheWrongTypeNamesTheType() throws Exception {
    Map<String, String> cases =
        Map.of(
            "12345", "a number",
            "1.5", "a number",
            "true", "a boolean",
            "[\"a\", \"b\"]", "a list",
            "{\"body\": \"a\"}", "an object",
            "null", "null");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Path f =
          write(
              "t.jsonl",
              utf8("{\"text\": \"fine\", \"label\": \"ham\"}\n"),
              utf8("{\"label\": \"ham\", \"text\": " + c.getKey() + "}\n"));
      assertEquals(
          f + " line 2: field 'text' must be a string, got " + c.getValue(),
          fails(f, "text", "label").getMessage(),
          c.getKey());
    }
  }

  @Test
  void labelOfTheWrongTypeNamesTheType() throws Exception {
    Map<String, String> cases =
        Map.of("[\"spam\"]", "a list", "{\"name\": \"spam\"}", "an object", "null", "null");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Path f = write("l.jsonl", utf8("{\"text\": \"hi\", \"label\": " + c.getKey() + "}\n"));
      assertEquals(
          f + " line 1: field 'label' must be a string or number, got " + c.getValue(),
          fails(f, "text", "label").getMessage(),
          c.getKey());
    }
    Path numbers = write("n.jsonl", utf8("{\"text\": \"hi\", \"label\": 1}\n"));
    assertEquals(
        List.of(new TextExample("hi", 1)),
        new TextJsonlSource(numbers, "text", "label", null).read(List.of("0", "1")),
        "a number label names its class");
  }

  @Test
  void leadingByteOrderMarkIsSkipped() throws Exception {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    byte[] lines =
        utf8("{\"text\": \"a\", \"label\": \"ham\"}\n{\"text\": \"b\", \"label\": \"spam\"}\n");
    List<TextExample> expected = List.of(new TextExample("a", 0), new TextExample("b", 1));
    Path plain = write("bom.jsonl", bom, lines);
    assertEquals(expected, new TextJsonlSource(plain, "text", "label", null).read(CLASSES));
    Path gz = write("bom.jsonl.gz", gzip(concat(bom, lines)));
    TextData data = new TextJsonlSource(gz, "text", "label", null).readData(CLASSES);
    assertEquals(expected, data.examples());
    assertEquals(0, data.invalidUtf8Lines());
  }

  @Test
  void emptyTextsAreSkippedCountedAndNotCountedTowardTheLimit() throws Exception {
    Path f =
        write(
            "blanks.jsonl",
            utf8(
                "{\"text\": \"a\", \"label\": \"ham\"}\n"
                    + "{\"text\": \"\", \"label\": \"spam\"}\n"
                    + "{\"text\": \" \\t\\n \", \"label\": \"ham\"}\n"
                    + "{\"text\": \"b\", \"label\": \"spam\"}\n"
                    + "{\"text\": \"c\", \"label\": \"ham\"}\n"));
    TextData two = new TextJsonlSource(f, "text", "label", 2).readData(CLASSES);
    assertEquals(List.of(new TextExample("a", 0), new TextExample("b", 1)), two.examples());
    assertEquals(2, two.emptyTextsSkipped());
    TextData all = new TextJsonlSource(f, "text", "label", null).readData(CLASSES);
    assertEquals(3, all.examples().size());
    assertEquals(2, all.emptyTextsSkipped());
  }

  @Test
  void onlyEmptyTextsIsAnEmptyDataset() throws Exception {
    Path f =
        write(
            "allblank.jsonl",
            utf8(
                "{\"text\": \"\", \"label\": \"ham\"}\n\n"
                    + "{\"text\": \"  \", \"label\": \"spam\"}\n"));
    assertEquals(
        f
            + ": the dataset is empty (no examples; 2 texts were empty or only whitespace and were"
            + " skipped)",
        fails(f, "text", "label").getMessage());
    Path one = write("oneblank.jsonl", utf8("{\"text\": \"\", \"label\": \"ham\"}\n"));
    assertEquals(
        one
            + ": the dataset is empty (no examples; 1 text was empty or only whitespace and was"
            + " skipped)",
        fails(one, "text", "label").getMessage());
    Path none = write("none.jsonl", utf8("\n\n"));
    assertEquals(
        none + ": the dataset is empty (no examples)", fails(none, "text", "label").getMessage());
  }

  @Test
  void aTextReadAsTheLabelIsNotQuotedWhole() throws Exception {
    String text = "Dear friend, ".repeat(400);
    Path f = write("swapped.jsonl", utf8("{\"text\": \"" + text + "\", \"label\": \"spam\"}\n"));
    assertEquals(
        f
            + " line 1: label 'Dear friend, Dear friend, Dear friend, D…' (5200 characters) is not"
            + " one of the declared classes [ham, spam] (head.classes)",
        fails(f, "label", "text").getMessage());
  }

  @Test
  void moreAfterTheObjectOnALineIsAnError() throws Exception {
    // Found by DataFuzzTest: two lines merged into one (a line break flipped to a space) read as
    // the first object alone, the second dropped without a word.
    String a = "{\"text\": \"a\", \"label\": \"ham\"}";
    String b = "{\"text\": \"b\", \"label\": \"spam\"}";
    for (String glue : List.of("", " ", "\t", ",", "\u000b", " x", "]")) {
      Path f = write("merged.jsonl", utf8(a + "\n" + a + glue + b + "\n"));
      assertEquals(
          f
              + " line 2: more follows the JSON object on this line (one object per line; is a"
              + " line break missing?)",
          fails(f, "text", "label").getMessage(),
          glue);
    }
    Path spaces = write("spaces.jsonl", utf8(a + "  \t\n"));
    assertEquals(
        1, new TextJsonlSource(spaces, "text", "label", null).read(CLASSES).size(), "whitespace");
  }

  @Test
  void aFileInUtf16IsNamedAsSuch() throws Exception {
    String text = "{\"text\": \"a\", \"label\": \"ham\"}\n";
    Path le = write("le.jsonl", text.getBytes(StandardCharsets.UTF_16LE));
    assertEquals(
        le + ": the file is in UTF-16 (little-endian), not UTF-8; save it as UTF-8",
        fails(le, "text", "label").getMessage());
    Path be = write("be.jsonl.gz", gzip(text.getBytes(StandardCharsets.UTF_16)));
    assertEquals(
        be + ": the file is in UTF-16 (big-endian), not UTF-8; save it as UTF-8",
        fails(be, "text", "label").getMessage());
  }

  @Test
  void aFieldNamedTwiceIsAnError() throws Exception {
    // Found by DataFuzzTest: {"text": "a", "label": "ham", "label": "spam"} read as spam.
    Path f =
        write(
            "twice.jsonl",
            utf8(
                "{\"text\": \"a\", \"label\": \"ham\"}\n"
                    + "{\"text\": \"a\", \"label\": \"ham\", \"label\": \"spam\"}\n"));
    assertEquals(
        f + " line 2: not a JSON object: Duplicate field 'label'",
        fails(f, "text", "label").getMessage());
  }

  @Test
  void parserMessagesShowNeitherTheWholeLineNorTheParsersInternals() throws Exception {
    String unquoted = "buynow".repeat(100);
    Path f = write("unquoted.jsonl", utf8("{\"text\": " + unquoted + ", \"label\": \"spam\"}\n"));
    assertEquals(
        f
            + " line 1: not a JSON object: Unrecognized token"
            + " 'buynowbuynowbuynowbuynowbuynowbuynowbuyn…': was expecting (JSON String, Number,"
            + " Array, Object or token 'null', 'true' or 'false')",
        fails(f, "text", "label").getMessage());
    Path open = write("open.jsonl", utf8("{\"text\": \"a\", \"label\": \"ham\"\n"));
    assertEquals(
        open
            + " line 1: not a JSON object: Unexpected end-of-input: expected close marker for"
            + " Object (opened at column 1)",
        fails(open, "text", "label").getMessage());
    Path deep =
        write("deep.jsonl", utf8("{\"text\": " + "[".repeat(1001) + "]".repeat(1001) + "}\n"));
    assertEquals(
        deep
            + " line 1: not a JSON object: Document nesting depth (1001) exceeds the maximum"
            + " allowed (1000)",
        fails(deep, "text", "label").getMessage());
  }

  @Test
  void fieldListsInMessagesAreShort() throws Exception {
    StringBuilder line = new StringBuilder("{");
    for (int i = 0; i < 30; i++) {
      line.append(i == 0 ? "" : ", ").append("\"f").append(i).append("\": ").append(i);
    }
    Path many = write("many.jsonl", utf8(line + "}\n"));
    assertEquals(
        many + " line 1: no text field 'text' (fields: f0, f1, f2, f3, f4, f5, f6, f7 and 22 more)",
        fails(many, "text", "label").getMessage());
    Path none = write("none.jsonl", utf8("{}\n"));
    assertEquals(
        none + " line 1: no text field 'text' (fields: none)",
        fails(none, "text", "label").getMessage());
  }

  private static byte[] manyLines(int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append("{\"text\": \"message number ").append(i).append("\", \"label\": \"ham\"}\n");
    }
    return utf8(sb.toString());
  }

  private Path write(String name, byte[]... parts) throws IOException {
    return TestFiles.write(tmp, name, parts);
  }

  private DataException fails(Path f, String textField, String labelField) {
    return assertThrows(
        DataException.class,
        () -> new TextJsonlSource(f, textField, labelField, null).read(CLASSES));
  }
}
