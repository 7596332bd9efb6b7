package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.pipeline.TinyExport;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune predict} on a real (tiny, untrained) export: texts from arguments, files and
 * standard input, both output formats, and every kind of damaged or inconsistent model directory
 * refused with exit 2 and one sentence naming the file.
 */
class PredictCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SHA_MISMATCH =
      ": SHA-256 does not match the manifest (the file was changed or damaged)";

  @TempDir Path tmp;
  private Path run;
  private Path model;
  private Path params;
  private Path meta;

  @BeforeEach
  void export() {
    run = TinyExport.write(tmp.resolve("run"));
    model = TinyExport.modelDir(run);
    params = model.resolve("model-0000.params");
    meta = model.resolve("finetune4j-model.json");
  }

  private CliResult predict(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "predict";
    all[1] = run.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return CliResult.run(all);
  }

  /** Exit 2, stderr exactly the predict header and these problems, nothing on stdout. */
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

  // ---- good input ----

  @Test
  void bf16PredictionsAgreeWithFloat32WithinRoundingAndAreNotTheSameNumbers() throws Exception {
    String[] texts = {
      "Cheap pills, click now!!!", "Meeting moved to noon", "You won a prize", "Lunch tomorrow?"
    };
    List<String> a = new ArrayList<>(List.of("--format", "jsonl"));
    a.addAll(List.of(texts));
    CliResult fp32 = predict(a.toArray(String[]::new));
    a.addAll(0, List.of("--precision", "bf16"));
    CliResult bf16 = predict(a.toArray(String[]::new));
    assertEquals(0, fp32.code(), fp32::toString);
    assertEquals(0, bf16.code(), bf16::toString);
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    String[] x = fp32.out().strip().split("\n");
    String[] y = bf16.out().strip().split("\n");
    assertEquals(texts.length, x.length);
    assertEquals(texts.length, y.length);
    double worst = 0;
    for (int i = 0; i < x.length; i++) {
      var px = json.readTree(x[i]).get("probabilities");
      var py = json.readTree(y[i]).get("probabilities");
      for (var it = px.fieldNames(); it.hasNext(); ) {
        String c = it.next();
        worst = Math.max(worst, Math.abs(px.get(c).asDouble() - py.get(c).asDouble()));
      }
    }
    assertTrue(worst > 0, "bf16 gave float32's probabilities exactly: it did not run");
    assertTrue(worst < 0.05, "bf16 probabilities differ by " + worst);
  }

  @Test
  void anUnknownPrecisionIsRefused() {
    assertRefused(
        predict("--precision", "fp16", "some text"),
        "--precision: expected fp32, bf16 or auto, got \"fp16\"");
  }

  @Test
  void aGoodExportPredictsArgumentsAsTsv() {
    CliResult r = predict("Cheap pills, click now!!!", "Meeting moved to noon");
    assertEquals(0, r.code(), r::toString);
    String[] lines = r.out().split("\n");
    assertEquals(2, lines.length, r::toString);
    assertTrue(lines[0].matches("(ham|spam)\t0\\.\\d{4}\tCheap pills, click now!!!"), r::toString);
    assertTrue(lines[1].matches("(ham|spam)\t0\\.\\d{4}\tMeeting moved to noon"), r::toString);
    assertTrue(Files.isRegularFile(model.resolve("manifest.json")));
  }

  @Test
  void helpPrintsUsageAndExitsZero() {
    CliResult r = CliResult.run("predict", "--help");
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().startsWith("Usage: finetune predict"), r::toString);
    for (String opt : List.of("--input", "--jsonl", "--text-field", "--format", "RUN_DIR")) {
      assertTrue(r.out().contains(opt), opt + "\n" + r);
    }
  }

  @Test
  void inputFileOfLinesSkipsEmptyLinesAndKeepsOrder() throws Exception {
    Path in = tmp.resolve("texts.txt");
    Files.writeString(in, "first text\n\nsecond\tone\n   \nthird \u001b[2J text\n");
    CliResult r = predict("--input", in.toString());
    assertEquals(0, r.code(), r::toString);
    String[] lines = r.out().split("\n");
    assertEquals(3, lines.length, r::toString);
    assertTrue(lines[0].endsWith("\tfirst text"), r::toString);
    assertTrue(lines[1].endsWith("\tsecond\\tone"), r::toString);
    assertTrue(lines[2].endsWith("\tthird \\u001b[2J text"), r::toString);
    assertEquals("finetune: skipped 2 empty lines of " + in + "\n", r.err(), r::toString);
  }

  @Test
  void jsonlInputIsDetectedByNameAndJsonlOutputIsInInputOrder() throws Exception {
    Path in = tmp.resolve("texts.jsonl");
    Files.writeString(
        in, "{\"text\": \"win money \u0085now\", \"id\": 1}\n{\"text\": \"lunch?\"}\n");
    CliResult r = predict("--input", in.toString(), "--format", "jsonl");
    assertEquals(0, r.code(), r::toString);
    String[] lines = r.out().split("\n");
    assertEquals(2, lines.length, r::toString);
    // NEL (a C1 control) reaches the terminal as a JSON escape, and the line is still valid JSON.
    assertTrue(lines[0].contains("\"text\":\"win money \\u0085now\""), r::toString);
    JsonNode first = JSON.readTree(lines[0]);
    assertEquals("win money \u0085now", first.get("text").asText());
    assertEquals("lunch?", JSON.readTree(lines[1]).get("text").asText());
    double sum = 0;
    for (String c : List.of("ham", "spam")) {
      sum += first.get("probabilities").get(c).asDouble();
    }
    assertEquals(1.0, sum, 1e-5);
    String label = first.get("label").asText();
    for (String c : List.of("ham", "spam")) {
      assertTrue(
          first.get("probabilities").get(label).asDouble()
              >= first.get("probabilities").get(c).asDouble(),
          lines[0]);
    }
  }

  @Test
  void jsonlFromStandardInputWithAnotherTextField() throws Exception {
    InputStream saved = System.in;
    try {
      System.setIn(
          new ByteArrayInputStream(
              "{\"body\": \"hello\"}\n{\"body\": \"free offer\"}\n"
                  .getBytes(StandardCharsets.UTF_8)));
      CliResult r = predict("--input", "-", "--jsonl", "--text-field", "body");
      assertEquals(0, r.code(), r::toString);
      String[] lines = r.out().split("\n");
      assertEquals(2, lines.length, r::toString);
      assertTrue(lines[0].endsWith("\thello") && lines[1].endsWith("\tfree offer"), r::toString);
    } finally {
      System.setIn(saved);
    }
  }

  @Test
  void gzippedJsonlInputAndTheTextFieldRecordedInTheMetadata() throws Exception {
    ObjectNode m = (ObjectNode) JSON.readTree(meta.toFile());
    m.put("text_field", "subject");
    Files.writeString(meta, JSON.writeValueAsString(m));
    TinyExport.reseal(model);
    Path in = tmp.resolve("mail.jsonl.gz");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(in))) {
      o.write("{\"subject\": \"invoice attached\"}\n".getBytes(StandardCharsets.UTF_8));
    }
    CliResult r = predict("--input", in.toString());
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().matches("(ham|spam)\t0\\.\\d{4}\tinvoice attached\n"), r::toString);
  }

  @Test
  void textsAsArgumentsAndInputTogetherAreRefused() throws Exception {
    Path in = Files.writeString(tmp.resolve("t.txt"), "x\n");
    assertRefused(
        predict("--input", in.toString(), "also this"),
        "give the texts as arguments or with --input FILE, not both");
    assertRefused(predict(), "no texts to classify: give them as arguments or with --input FILE");
  }

  @Test
  void badJsonlLinesAreReportedByLine() throws Exception {
    Path in = tmp.resolve("in.jsonl");
    Files.writeString(in, "{\"text\": \"ok\"}\n{\"text\": \n[1]\n{\"txt\": \"x\"}\n");
    assertRefused(
        predict("--input", in.toString()),
        in + ":2: not valid JSON (column 10)",
        in + ":3: expected a JSON object with a \"text\" field, got a list",
        in + ":4: \"text\" must be a string, got nothing");
  }

  @Test
  void aMissingOrEmptyInputIsRefused() throws Exception {
    Path missing = tmp.resolve("nope.txt");
    assertRefused(predict("--input", missing.toString()), missing + ": no such file");
    Path empty = Files.writeString(tmp.resolve("empty.txt"), "\n\n");
    assertRefused(predict("--input", empty.toString()), empty + ": holds no texts (2 empty lines)");
  }

  // ---- damaged or inconsistent exports ----

  @Test
  void truncatedParams() throws Exception {
    try (FileChannel ch = FileChannel.open(params, StandardOpenOption.WRITE)) {
      ch.truncate(Files.size(params) / 2);
    }
    assertRefused(predict("hello"), params + SHA_MISMATCH);
    // Even with a manifest rewritten to match, the load says what is wrong, never "null".
    TinyExport.reseal(model);
    assertRefused(predict("hello"), params + ": ends early (the file is truncated)");
  }

  @Test
  void randomBytesAsParams() throws Exception {
    byte[] junk = new byte[(int) Files.size(params)];
    new Random(1).nextBytes(junk);
    Files.write(params, junk);
    assertRefused(predict("hello"), params + SHA_MISMATCH);
    TinyExport.reseal(model);
    assertRefused(
        predict("hello"),
        params
            + ": not a parameter file of the model that "
            + meta
            + " describes (it is damaged, or the two files do not belong together)");
  }

  @Test
  void oneFlippedByteInParams() throws Exception {
    byte[] b = Files.readAllBytes(params);
    b[b.length / 2] ^= 0x01;
    Files.write(params, b);
    assertRefused(predict("hello"), params + SHA_MISMATCH);
  }

  @Test
  void metadataThatIsNotJson() throws Exception {
    Files.writeString(meta, "{\"bert\": {\"vocabSize\": 30522,, }");
    assertRefused(predict("hello"), meta + SHA_MISMATCH);
    TinyExport.reseal(model);
    CliResult r = predict("hello");
    assertRefused(r, meta + ": not valid JSON (line 1, column 30)");
    assertFalse(r.err().contains("Source") || r.err().contains("jackson"), r::toString);
  }

  @Test
  void metadataWithWrongTypes() throws Exception {
    ObjectNode m = (ObjectNode) JSON.readTree(meta.toFile());
    ((ObjectNode) m.get("bert")).put("hiddenSize", "eight");
    m.put("max_length", "long");
    m.put("pooling", "maximum");
    writeSealed(m);
    assertRefused(
        predict("hello"),
        meta + ": \"bert.hiddenSize\" must be a positive whole number, got \"eight\"",
        meta + ": \"pooling\" must be \"mean\", \"cls\" or \"max\", got \"maximum\"",
        meta
            + ": \"max_length\" must be a whole number from 2 to the encoder's positions, got"
            + " \"long\"");
  }

  @Test
  void metadataWithMoreTokensThanTheEncoderHasPositions() throws Exception {
    ObjectNode m = (ObjectNode) JSON.readTree(meta.toFile());
    m.put("max_length", 100);
    writeSealed(m);
    assertRefused(
        predict("hello"), meta + ": \"max_length\" must be a whole number from 2 to 64, got 100");
  }

  @Test
  void metadataWithOneClass() throws Exception {
    ObjectNode m = (ObjectNode) JSON.readTree(meta.toFile());
    ((ArrayNode) m.get("classes")).remove(1);
    writeSealed(m);
    assertRefused(predict("hello"), meta + ": \"classes\" must list at least 2 classes, got 1");
  }

  @Test
  void metadataWithARepeatedClass() throws Exception {
    ObjectNode m = (ObjectNode) JSON.readTree(meta.toFile());
    m.putArray("classes").add("ham").add("ham");
    writeSealed(m);
    assertRefused(predict("hello"), meta + ": \"classes\" lists \"ham\" more than once");
  }

  @Test
  void metadataWithFiveClassesOnATwoOutputHead() throws Exception {
    ObjectNode m = (ObjectNode) JSON.readTree(meta.toFile());
    m.putArray("classes").add("a").add("b").add("c").add("d").add("e");
    Files.writeString(meta, JSON.writeValueAsString(m));
    assertRefused(predict("hello"), meta + SHA_MISMATCH);
    TinyExport.reseal(model);
    assertRefused(
        predict("hello"),
        meta + ": lists 5 classes but the head in model-0000.params has 2 outputs");
  }

  @Test
  void missingManifest() throws Exception {
    Files.delete(model.resolve("manifest.json"));
    assertRefused(
        predict("hello"),
        model.resolve("manifest.json")
            + ": missing, so the exported model cannot be checked for damage (export it again with"
            + " `finetune run`)");
  }

  @Test
  void anExtraFileAndAMissingFile() throws Exception {
    Files.writeString(model.resolve("notes.txt"), "mine");
    Files.delete(model.resolve("tokenizer.json"));
    assertRefused(
        predict("hello"),
        model.resolve("tokenizer.json") + ": listed in the manifest but missing",
        model.resolve("notes.txt")
            + ": not listed in the manifest (it was added after the export; remove it)");
  }

  @Test
  void aManifestThatIsNotOne() throws Exception {
    Files.writeString(model.resolve("manifest.json"), "[]");
    assertRefused(
        predict("hello"),
        model.resolve("manifest.json")
            + ": not a valid manifest (expected the JSON object written at export, with \"files\":"
            + " a list of {\"name\", \"size\", \"sha256\"})");
  }

  @Test
  void controlCharactersInProblemsAreEscaped() throws Exception {
    ObjectNode m = (ObjectNode) JSON.readTree(meta.toFile());
    m.put("pooling", "\u001b[31mred");
    writeSealed(m);
    assertRefused(
        predict("hello"),
        meta + ": \"pooling\" must be \"mean\", \"cls\" or \"max\", got \"\\u001b[31mred\"");
  }

  private void writeSealed(ObjectNode m) throws Exception {
    Files.writeString(meta, JSON.writeValueAsString(m));
    TinyExport.reseal(model);
  }
}
