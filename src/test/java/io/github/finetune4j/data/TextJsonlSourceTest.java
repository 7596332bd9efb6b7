package io.github.finetune4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

  private Path write(String name, byte[]... parts) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.write(p);
    }
    return Files.write(tmp.resolve(name), out.toByteArray());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private DataException fails(Path f, String textField, String labelField) {
    return assertThrows(
        DataException.class, () -> new TextJsonlSource(f, textField, labelField, null).read(CLASSES));
  }
}
