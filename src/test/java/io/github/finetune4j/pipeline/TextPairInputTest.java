package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.cli.Main;
import io.github.finetune4j.data.DataException;
import io.github.finetune4j.data.TextData;
import io.github.finetune4j.data.TextJsonlSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pairs of texts ({@code text_pair}) in the training data, the recipe and predict's input: read
 * with both sides, and every bad input (an empty side, a missing field, splits that disagree) a
 * refusal with exit code 2 that names the file and the line or the recipe key — before any model is
 * loaded.
 */
class TextPairInputTest {

  private static final String RECIPE = "recipes/spamassassin/reranker.yaml";

  @TempDir Path dir;

  @Test
  void readsPairsWithTheirLabels() throws Exception {
    Path f =
        write(
            "p.jsonl",
            "{\"q\":\"cheap meds\",\"d\":\"buy now\",\"l\":[\"relevant\"]}",
            "",
            "{\"q\":\"lunch?\",\"d\":\"invoice attached\",\"l\":[]}");
    TextData data = new TextJsonlSource(f, "q", "l", null, "d").readData(List.of("relevant"), true);
    assertEquals(2, data.examples().size());
    assertEquals("cheap meds", data.examples().get(0).text());
    assertEquals("buy now", data.examples().get(0).pair());
    assertEquals(1f, data.examples().get(0).labels()[0]);
    assertEquals("invoice attached", data.examples().get(1).pair());
    assertEquals(0f, data.examples().get(1).labels()[0]);
    // without text_pair the same file reads single texts
    assertNull(
        new TextJsonlSource(f, "q", "l", null)
            .readData(List.of("relevant"), true)
            .examples()
            .get(0)
            .pair());
  }

  @Test
  void aPairWithAnEmptySideOrNoSecondFieldIsAnErrorNamingTheLine() throws Exception {
    Path f =
        write(
            "p.jsonl", "{\"q\":\"a\",\"d\":\"b\",\"l\":[]}", "{\"q\":\"c\",\"d\":\"  \",\"l\":[]}");
    DataException e =
        assertThrows(
            DataException.class,
            () -> new TextJsonlSource(f, "q", "l", null, "d").readData(List.of("x"), true));
    assertEquals(
        f
            + " line 2: the pair's second text (field 'd') is empty or only whitespace;"
            + " a pair needs both texts",
        e.getMessage());
    Path g = write("g.jsonl", "{\"q\":\"\",\"d\":\"b\",\"l\":[]}");
    e =
        assertThrows(
            DataException.class,
            () -> new TextJsonlSource(g, "q", "l", null, "d").readData(List.of("x"), true));
    assertTrue(e.getMessage().startsWith(g + " line 1: the pair's first text (field 'q')"));
    Path h = write("h.jsonl", "{\"q\":\"a\",\"passage\":\"b\",\"l\":[]}");
    e =
        assertThrows(
            DataException.class,
            () -> new TextJsonlSource(h, "q", "l", null, "d").readData(List.of("x"), true));
    assertEquals(h + " line 1: no text_pair field 'd' (fields: q, passage, l)", e.getMessage());
    Path k = write("k.jsonl", "{\"q\":\"a\",\"d\":7,\"l\":[]}");
    e =
        assertThrows(
            DataException.class,
            () -> new TextJsonlSource(k, "q", "l", null, "d").readData(List.of("x"), true));
    assertTrue(e.getMessage().startsWith(k + " line 1: field 'd' must be a string"));
  }

  @Test
  void runRefusesTrainingPairsWithAnEmptySideWithExitCode2() throws Exception {
    Path train =
        write(
            "train.jsonl",
            "{\"query\":\"a b c\",\"passage\":\"x y\",\"labels\":[\"relevant\"]}",
            "{\"query\":\"d e f\",\"passage\":\"\\t\",\"labels\":[]}");
    Cli r = cli("run", RECIPE, "data.train.path=" + train, "output.dir=" + dir.resolve("run"));
    assertEquals(2, r.code, r.err);
    assertTrue(
        r.err.contains(
            "data.train: "
                + train
                + " line 2: the pair's second text (field 'passage') is empty or only whitespace"),
        r.err);
    assertFalse(r.err.contains("Exception"), r.err);
    assertFalse(Files.exists(dir.resolve("run")));
  }

  @Test
  void runRefusesTrainingLinesWithoutTheSecondFieldWithExitCode2() throws Exception {
    Path train = write("train.jsonl", "{\"query\":\"a b c\",\"body\":\"x y\",\"labels\":[]}");
    Cli r = cli("run", RECIPE, "data.train.path=" + train, "output.dir=" + dir.resolve("run"));
    assertEquals(2, r.code, r.err);
    assertTrue(
        r.err.contains(train + " line 1: no text_pair field 'passage' (fields: query, body"),
        r.err);
  }

  @Test
  void splitsThatDisagreeOnTextPairAreARecipeError() {
    Cli r = cli("validate", RECIPE, "data.valid.text_pair=null");
    assertEquals(2, r.code, r.err);
    assertTrue(
        r.err.contains(
            "data.valid.text_pair: not set, but data.train reads pairs of texts (text_pair:"
                + " passage); set text_pair on every split or on none"),
        r.err);
    r = cli("validate", RECIPE, "data.train.text_pair=null");
    assertEquals(2, r.code, r.err);
    assertTrue(r.err.contains("data.valid.text_pair: set, but data.train reads single texts"));
    assertTrue(r.err.contains("data.test.text_pair: set, but data.train reads single texts"));
    r = cli("validate", RECIPE, "data.test.text_pair=query");
    assertEquals(2, r.code, r.err);
    assertTrue(
        r.err.contains(
            "data.test.text_pair: 'query' is also the text field; the second text needs a field"
                + " of its own"),
        r.err);
    assertEquals(0, cli("validate", RECIPE).code);
  }

  @Test
  void oneOutputIsAMultilabelTaskWithOneLabelNotAClassification() {
    assertEquals(0, cli("validate", RECIPE).code, "head.classes: [relevant], task multilabel");
    Cli r = cli("validate", RECIPE, "task.type=classification", "task.threshold=null");
    assertEquals(2, r.code, r.err);
    assertTrue(r.err.contains("head.classes: need at least 2 classes, got 1"), r.err);
    r = cli("validate", RECIPE, "head.classes=[]");
    assertEquals(2, r.code, r.err);
    assertTrue(r.err.contains("head.classes: need at least 1 label, got 0"), r.err);
  }

  @Test
  void predictInputReadsPairsAndRefusesAnEmptySideNamingTheLine() throws Exception {
    String ok =
        "{\"query\":\"a\",\"passage\":\"b\"}\n\n{\"query\":\"c\",\"passage\":\"d\",\"x\":1}\n";
    PredictInput in =
        PredictInput.read(
            new ByteArrayInputStream(ok.getBytes(StandardCharsets.UTF_8)),
            "in",
            true,
            "query",
            "passage");
    assertEquals(List.of("a", "c"), in.texts());
    assertEquals(List.of("b", "d"), in.pairs());
    assertEquals(1, in.skippedEmptyLines());
    String bad = "{\"query\":\"a\",\"passage\":\"b\"}\n{\"query\":\" \",\"passage\":\"d\"}\n";
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () ->
                PredictInput.read(
                    new ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8)),
                    "in.jsonl",
                    true,
                    "query",
                    "passage"));
    assertEquals(
        List.of(
            "in.jsonl:2: the pair's first text \"query\" is empty or only whitespace; a pair"
                + " needs both texts"),
        e.problems());
    Path f = write("in.jsonl", "{\"query\":\"a\"}");
    e = assertThrows(BadInputException.class, () -> PredictInput.read(f, true, "query", "passage"));
    assertEquals(
        List.of(
            f
                + ":1: \"passage\" must be a string, got nothing (a model of text pairs reads"
                + " \"query\" and \"passage\")"),
        e.problems());
    assertNull(PredictInput.read(write("s.txt", "one", "two"), false, "text").pairs());
  }

  private Path write(String name, String... lines) throws Exception {
    return Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n");
  }

  private record Cli(int code, String out, String err) {}

  private static Cli cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of(args));
    int code =
        Main.run(
            all.toArray(String[]::new),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Cli(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
