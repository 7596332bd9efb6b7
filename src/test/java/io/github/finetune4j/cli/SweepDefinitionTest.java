package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged {@code sweep.json} — cut short, not JSON, not UTF-8, empty, of the wrong shape or with
 * fields of the wrong types — is one paragraph naming the file and what is wrong with it, exit 2,
 * and the sweep's directory is left exactly as it was (the file byte for byte, nothing added). It
 * used to print Jackson's own message (token names, a source reference) or call it "another sweep".
 */
class SweepDefinitionTest {

  private static final String RECIPE = "recipes/tabular/breast-cancer-mlp.yaml";
  private static final String ADVICE =
      "; it is left as it is: give another --out, or put back the sweep.json of that sweep to"
          + " continue it";

  @TempDir Path tmp;
  private Path out;
  private Path def;
  private byte[] good;

  private CliResult sweep(String... more) {
    List<String> a =
        new java.util.ArrayList<>(
            List.of(
                "sweep",
                RECIPE,
                "--grid",
                "optimizer.lr=1e-3,3e-3",
                "--set",
                "stages.0.epochs=1",
                "--out",
                out.toString()));
    a.addAll(List.of(more));
    return CliResult.run(a.toArray(String[]::new));
  }

  @BeforeEach
  void aRealDefinition() throws Exception {
    out = tmp.resolve("sweep");
    CliResult r = sweep("--collect"); // writes sweep.json, runs no trial
    assertEquals(0, r.code(), r::toString);
    def = out.resolve("sweep.json");
    good = Files.readAllBytes(def);
    Files.delete(out.resolve("results.csv"));
    Files.delete(out.resolve("results.md"));
    Files.delete(out.resolve("results.html"));
  }

  private List<Path> listing() throws Exception {
    try (Stream<Path> s = Files.walk(out)) {
      return s.sorted().toList();
    }
  }

  /** Writes {@code damaged} as sweep.json; the sweep and --collect are refused, nothing changes. */
  private void assertRefused(byte[] damaged, String what) throws Exception {
    Files.write(def, damaged);
    List<Path> before = listing();
    for (String[] more : new String[][] {{"--collect"}, {}, {"--trial", "1"}}) {
      CliResult r = sweep(more);
      assertEquals(2, r.code(), r::toString);
      assertEquals(
          "finetune: cannot sweep:\n  - --out: "
              + def
              + " "
              + what
              + ADVICE
              + "\nNothing was"
              + " written.\n",
          r.err(),
          r::toString);
      assertFalse(r.err().contains("Jackson"), r::toString);
      assertFalse(r.err().contains("Source: "), r::toString);
      assertEquals("", r.out(), r::toString);
      assertArrayEquals(damaged, Files.readAllBytes(def), "sweep.json is untouched");
      assertEquals(before, listing(), "nothing was added or removed");
    }
  }

  @Test
  void aTruncatedDefinition() throws Exception {
    byte[] cut = Arrays.copyOf(good, good.length / 2);
    assertTrue(new String(cut, StandardCharsets.UTF_8).lines().count() > 1);
    assertRefused(cut, "is damaged: it ends in the middle of its JSON (cut short)");
  }

  @Test
  void notJson() throws Exception {
    assertRefused(
        "seeds: 2\nrecipes: [a]\n".getBytes(StandardCharsets.UTF_8),
        "is damaged: not valid JSON (line 1)");
    assertRefused(
        "{\n  \"seeds\": 1\n} trailing\n".getBytes(StandardCharsets.UTF_8),
        "is damaged: not valid JSON (line 3)");
    assertRefused(
        "{\"seeds\": 1,\n \"seeds\": 2}".getBytes(StandardCharsets.UTF_8),
        "is damaged: not valid JSON (line 2)");
  }

  @Test
  void notUtf8() throws Exception {
    // sweep.json as written: line 2 is `  "recipes" : [ "recipes/tabular/breast-cancer-mlp.yaml"
    // ],`
    // whose "b" of "breast" is the 34th character
    String text = new String(good, StandardCharsets.UTF_8);
    assertEquals("  \"recipes\" : [ \"" + RECIPE + "\" ],", text.lines().toList().get(1), text);
    byte[] b = good.clone();
    b[text.indexOf("breast")] = (byte) 0xFF;
    assertRefused(b, "is damaged: not UTF-8 (byte 0xFF at line 2, column 34)");
  }

  @Test
  void emptyOrNotAnObject() throws Exception {
    assertRefused(new byte[0], "is damaged: it is empty");
    assertRefused(
        "[1, 2]".getBytes(StandardCharsets.UTF_8),
        "is damaged: it must be a JSON object, got a list");
  }

  @Test
  void fieldsOfTheWrongTypes() throws Exception {
    assertRefused(
        ("{\"recipes\": \""
                + RECIPE
                + "\", \"grid\": {\"optimizer.lr\": [1e-3, \"3e-3\"]},"
                + " \"seeds\": \"1\", \"trials\": 2}")
            .getBytes(StandardCharsets.UTF_8),
        "is damaged: \"recipes\" must be a list of strings, got \""
            + RECIPE
            + "\"; \"grid\": \"optimizer.lr\" must be a list of strings, got a list holding"
            + " 0.001; \"seeds\" must be a whole number, got \"1\"; \"set\" is missing");
  }
}
