package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.pipeline.TinyExport;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CSV table given to a text classifier ({@code predict RUN --input rows.csv}) is exit 2 with a
 * sentence that says what a text model reads; it used to classify the header and every row as texts
 * with exit 0. A {@code .csv} name, or a first line that is a CSV header naming the model's text
 * field, is refused; {@code --lines} says the input is one text per line whatever it looks like.
 */
class PredictCsvToTextModelTest {

  private static final String TABLE = "text,label\nfree money now,spam\nlunch at noon?,ham\n";

  @TempDir Path tmp;
  private Path run;

  @BeforeEach
  void export() {
    run = TinyExport.write(tmp.resolve("run"));
  }

  private CliResult predict(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "predict";
    all[1] = run.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return CliResult.run(all);
  }

  private static void assertRefused(CliResult r, String problem) {
    assertEquals(2, r.code(), r::toString);
    assertEquals(
        "finetune: cannot predict:\n  - " + problem + "\nNothing was written.\n",
        r.err(),
        r::toString);
    assertEquals("", r.out(), r::toString);
  }

  private String reads() {
    return run
        + " holds a text classifier, which reads one text per line, or JSON Lines (--jsonl) with"
        + " the text in the field \"text\"";
  }

  @Test
  void aCsvFileIsRefusedByItsName() throws Exception {
    Path in = Files.writeString(tmp.resolve("rows.csv"), TABLE);
    assertRefused(
        predict("--input", in.toString()),
        in + ": a CSV file, but " + reads() + "; give --lines to classify each line as a text");
    Path upper = Files.writeString(tmp.resolve("ROWS.CSV"), "hello\n");
    assertRefused(
        predict("--input", upper.toString()),
        upper + ": a CSV file, but " + reads() + "; give --lines to classify each line as a text");
  }

  @Test
  void aCsvHeaderNamingTheTextFieldIsRefusedWhateverTheName() throws Exception {
    Path in = Files.writeString(tmp.resolve("mail.txt"), "\nid, \"text\" ,label\n1,hi,ham\n");
    assertRefused(
        predict("--input", in.toString()),
        in
            + ": the first line (id, \"text\" ,label) looks like the header of a CSV table with a"
            + " column \"text\", but "
            + reads()
            + "; give --lines to classify each line as a text");
  }

  @Test
  void aCsvHeaderOnStandardInputIsRefused() {
    InputStream saved = System.in;
    try {
      System.setIn(new ByteArrayInputStream(TABLE.getBytes(StandardCharsets.UTF_8)));
      assertRefused(
          predict("--input", "-"),
          "standard input: the first line (text,label) looks like the header of a CSV table with"
              + " a column \"text\", but "
              + reads()
              + "; give --lines to classify each line as a text");
    } finally {
      System.setIn(saved);
    }
  }

  @Test
  void linesClassifiesEachLineOfACsvFileAsAText() throws Exception {
    Path in = Files.writeString(tmp.resolve("rows.csv"), TABLE);
    CliResult r = predict("--input", in.toString(), "--lines");
    assertEquals(0, r.code(), r::toString);
    List<String> out = r.out().lines().toList();
    assertEquals(3, out.size(), r::toString);
    assertTrue(out.get(0).endsWith("\ttext,label"), r::toString);
    assertTrue(out.get(2).endsWith("\tlunch at noon?,ham"), r::toString);
  }

  @Test
  void textsWithCommasAreNoHeader() throws Exception {
    // commas, but no column named like the text field; and a one-word first line
    Path a = Files.writeString(tmp.resolve("a.txt"), "hello, world, it's me\nbye\n");
    CliResult r = predict("--input", a.toString());
    assertEquals(0, r.code(), r::toString);
    assertEquals(2, r.out().lines().count(), r::toString);
    Path b = Files.writeString(tmp.resolve("b.txt"), "text\nmore text, and a comma\n");
    r = predict("--input", b.toString());
    assertEquals(0, r.code(), r::toString);
    assertEquals(2, r.out().lines().count(), r::toString);
  }

  @Test
  void jsonlInAFileNamedCsvIsReadWhenSaidSo() throws Exception {
    Path in = Files.writeString(tmp.resolve("odd.csv"), "{\"text\": \"hello\"}\n");
    CliResult r = predict("--input", in.toString(), "--jsonl");
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().endsWith("\thello\n"), r::toString);
  }

  @Test
  void linesReadsAFileNamedJsonlAsLinesToo() throws Exception {
    Path in = Files.writeString(tmp.resolve("x.jsonl"), "{\"text\": \"hello\"}\n");
    CliResult r = predict("--input", in.toString(), "--lines");
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().endsWith("\t{\"text\": \"hello\"}\n"), r::toString);
  }

  @Test
  void linesWithJsonlOrWithoutInputIsRefused() throws Exception {
    Path in = Files.writeString(tmp.resolve("t.txt"), "x\n");
    assertRefused(
        predict("--input", in.toString(), "--lines", "--jsonl"),
        "--lines and --jsonl contradict each other: give one");
    assertRefused(predict("--lines", "some text"), "--lines applies only to --input FILE");
  }
}
