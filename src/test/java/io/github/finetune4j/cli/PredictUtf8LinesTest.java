package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.pipeline.TinyExport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code predict --input} names the line and the column of a byte that is not valid UTF-8, however
 * far into the input it is: lines are split as bytes and each line is decoded on its own, so a bad
 * byte on line 2 is no longer reported as line 1 (the reader used to decode 64 KiB ahead of the
 * line it counted). The expected line and column numbers are counted by hand from the bytes below.
 */
class PredictUtf8LinesTest {

  @TempDir Path tmp;
  private Path run;

  @BeforeEach
  void export() {
    run = TinyExport.write(tmp.resolve("run"));
  }

  private static byte[] bytes(Object... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (Object p : parts) {
      if (p instanceof String s) {
        b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
      } else {
        b.write((Integer) p);
      }
    }
    return b.toByteArray();
  }

  private Path file(String name, byte[] content) throws Exception {
    return Files.write(tmp.resolve(name), content);
  }

  private CliResult predict(Path in, String... more) {
    String[] args = new String[4 + more.length];
    args[0] = "predict";
    args[1] = run.toString();
    args[2] = "--input";
    args[3] = in.toString();
    System.arraycopy(more, 0, args, 4, more.length);
    return CliResult.run(args);
  }

  private static void assertRefused(CliResult r, String... problems) {
    assertEquals(2, r.code(), r::toString);
    StringBuilder want = new StringBuilder("finetune: cannot predict:\n");
    for (String p : problems) {
      want.append("  - ").append(p).append('\n');
    }
    want.append("Nothing was written.\n");
    assertEquals(want.toString(), r.err(), r::toString);
    assertEquals("", r.out(), r::toString);
  }

  @Test
  void aBadByteOnLineTwoIsReportedOnLineTwo() throws Exception {
    // line 2 is "caf" + 0xE9 (Latin-1 é) + " au lait": the bad byte is the 4th character
    Path in = file("latin1.txt", bytes("good text\ncaf", 0xE9, " au lait\nthird\n"));
    assertRefused(predict(in), in + ":2: not valid UTF-8 (byte 0xE9 at column 4)");
  }

  @Test
  void aBadByteOnLineOneIsReportedOnLineOne() throws Exception {
    Path in = file("first.txt", bytes(0xFF, "abc\nfine\n"));
    assertRefused(predict(in), in + ":1: not valid UTF-8 (byte 0xFF at column 1)");
  }

  @Test
  void aBadByteAfterALongValidLineIsReportedOnItsLine() throws Exception {
    // line 1: 100,000 characters (> 64 KiB, several reads), line 2 valid, line 3 bad at column 3
    // after a two-byte character: "é" (2 bytes, 1 character), "x", then a lone 0x80
    String longLine = "a".repeat(100_000);
    Path in = file("long.txt", bytes(longLine, "\nsecond\n\u00e9x", 0x80, "yz\n"));
    assertRefused(predict(in), in + ":3: not valid UTF-8 (byte 0x80 at column 3)");
  }

  @Test
  void aBadByteInACrlfFileIsReportedOnItsLine() throws Exception {
    Path in = file("crlf.txt", bytes("one\r\ntwo\r\nthree\r\nfo", 0xC3, "(ur\r\n"));
    // 0xC3 starts a two-byte sequence that "(" does not continue
    assertRefused(predict(in), in + ":4: not valid UTF-8 (byte 0xC3 at column 3)");
  }

  @Test
  void aCrlfFileOfValidLinesGivesItsTextsWithoutCarriageReturns() throws Exception {
    Path in = file("ok-crlf.txt", bytes("one\r\n\r\ntwo\r\n"));
    CliResult r = predict(in);
    assertEquals(0, r.code(), r::toString);
    String[] lines = r.out().split("\n");
    assertEquals(2, lines.length, r::toString);
    assertTrue(lines[0].endsWith("\tone"), r::toString);
    assertTrue(lines[1].endsWith("\ttwo"), r::toString);
    assertEquals("finetune: skipped 1 empty line of " + in + "\n", r.err(), r::toString);
  }

  @Test
  void aSequenceCutByTheEndOfTheInputIsReported() throws Exception {
    // the last line ends inside a three-byte sequence (E2 82 of "€", no third byte, no newline)
    Path in = file("cut.txt", bytes("ok\nprice 5", 0xE2, 0x82));
    assertRefused(predict(in), in + ":2: not valid UTF-8 (byte 0xE2 at column 8)");
  }

  @Test
  void everyBadLineIsListedAndAByteOrderMarkIsNoColumn() throws Exception {
    Path in =
        file(
            "two-bad.txt",
            bytes(0xEF, 0xBB, 0xBF, "x", 0xFE, "\nfine\n\ud83d\ude00", 0xC0, 0xAF, "\n"));
    // line 1: the BOM is not a character of the text, "x" is column 1, 0xFE column 2;
    // line 3: one emoji (one character, two UTF-16 units), then the overlong 0xC0 0xAF
    assertRefused(
        predict(in),
        in + ":1: not valid UTF-8 (byte 0xFE at column 2)",
        in + ":3: not valid UTF-8 (byte 0xC0 at column 2)");
  }

  @Test
  void jsonlAndGzippedAndStandardInputCountLinesTheSameWay() throws Exception {
    Path jsonl = file("in.jsonl", bytes("{\"text\": \"ok\"}\n{\"text\": \"", 0xA0, "\"}\n"));
    assertRefused(predict(jsonl), jsonl + ":2: not valid UTF-8 (byte 0xA0 at column 11)");

    Path gz = tmp.resolve("in.txt.gz");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
      o.write(bytes("a\n".repeat(70_000), "b", 0xFF, "\n"));
    }
    assertRefused(predict(gz), gz + ":70001: not valid UTF-8 (byte 0xFF at column 2)");

    InputStream saved = System.in;
    try {
      System.setIn(new ByteArrayInputStream(bytes("x\ny\nz", 0xF8, "\n")));
      CliResult r = CliResult.run("predict", run.toString(), "--input", "-");
      assertRefused(r, "standard input:3: not valid UTF-8 (byte 0xF8 at column 2)");
    } finally {
      System.setIn(saved);
    }
  }
}
