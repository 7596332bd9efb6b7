package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.pipeline.TinyExport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command path that echoes a user's text — results, notes, error messages, the usage errors
 * of the option parser — prints U+2028, U+202E, ESC, C1 and lone carriage returns as visible
 * escapes, never raw (#23: they reordered or rewrote what the terminal showed). One test per path;
 * those marked "was raw" failed before {@link SafeStream} and the escapes added with it.
 */
class TerminalSafetyTest {

  /** Text that a terminal would act on: ESC [2J clears it, U+202E reverses, CR overwrites. */
  static final String HOSTILE = "a\u001b[2Jb\u202ec\u2028d\re\u0085f\u2066g";

  @TempDir Path tmp;

  /** The characters {@link Escapes} makes visible, but line feed and tab (output structure). */
  static void assertNoRawControls(CliResult r) {
    String both = r.out() + r.err();
    for (int i = 0; i < both.length(); i++) {
      char c = both.charAt(i);
      if (c != '\n' && c != '\t' && Escapes.isControl(c)) {
        throw new AssertionError(
            String.format("raw U+%04x at %d in:%n%s", (int) c, i, Escapes.escape(r.toString())));
      }
    }
  }

  @Test
  void predictTsvAndJsonl() {
    Path run = TinyExport.write(tmp.resolve("run"));
    for (String format : new String[] {"tsv", "jsonl"}) {
      CliResult r = CliResult.run("predict", run.toString(), "--format", format, HOSTILE);
      assertEquals(0, r.code(), r::toString);
      assertNoRawControls(r);
      assertTrue(r.out().contains("\\u202e"), r::toString);
    }
  }

  @Test
  void embedJsonlStaysTheSameJson() throws Exception { // was raw: bytes written past the escapes
    Path run = TinyExport.write(tmp.resolve("run"));
    CliResult r = CliResult.run("embed", run.toString(), HOSTILE);
    assertEquals(0, r.code(), r::toString);
    assertNoRawControls(r);
    assertEquals(
        HOSTILE,
        new ObjectMapper().readTree(r.out().lines().findFirst().orElseThrow()).get("text").asText(),
        "the escapes are JSON's own: the line decodes to the text as it was");
  }

  @Test
  void planPrintsGroupNames() throws Exception { // was raw (a name may hold them, not C0)
    Path recipe = tmp.resolve("r.yaml");
    String bc =
        Files.readString(Path.of("recipes/tabular/breast-cancer-mlp.yaml"))
            .replace("data/", Path.of("data").toAbsolutePath() + "/")
            .replace("name: all", "name: \"all\\u202e\\u2028\"")
            .replace("train: [all]", "train: [\"all\\u202e\\u2028\"]");
    Files.writeString(recipe, bc);
    CliResult r = CliResult.run("plan", recipe.toString());
    assertEquals(0, r.code(), r::toString);
    assertNoRawControls(r);
    assertTrue(r.out().contains("all\\u202e\\u2028"), r::toString);
  }

  @Test
  void validateNamesTheRecipeFile() throws Exception { // was raw
    Path recipe = tmp.resolve("r\u202e\u001b[2J.yaml");
    Files.copy(Path.of("recipes/tabular/breast-cancer-mlp.yaml"), recipe);
    CliResult r = CliResult.run("validate", recipe.toString());
    assertEquals(0, r.code(), r::toString);
    assertNoRawControls(r);
    assertTrue(r.out().contains("r\\u202e\\u001b[2J.yaml: valid"), r::toString);
  }

  @Test
  void recipeProblemsQuoteValues() throws Exception {
    Path recipe = tmp.resolve("r.yaml");
    Files.writeString(
        recipe,
        Files.readString(Path.of("recipes/tabular/breast-cancer-mlp.yaml"))
            .replace("type: adamw", "type: \"adam\\u202e\\e[2J\\r\"")
            .replace("data/", Path.of("data").toAbsolutePath() + "/"));
    CliResult r = CliResult.run("validate", recipe.toString());
    assertEquals(2, r.code(), r::toString);
    assertNoRawControls(r);
    assertTrue(r.err().contains("adam\\u202e\\u001b[2J\\r"), r::toString);
  }

  @Test
  void sweepListsGridValues() { // was raw
    CliResult r =
        CliResult.run(
            "sweep",
            "recipes/tabular/breast-cancer-mlp.yaml",
            "--grid",
            "description=x\u001b[2J,y\u202e,z\u2028w",
            "--out",
            tmp.resolve("sw").toString(),
            "--list");
    assertEquals(0, r.code(), r::toString);
    assertNoRawControls(r);
    assertTrue(r.out().contains("{description=y\\u202e}"), r::toString);
    assertTrue(r.out().contains("{description=z\\u2028w}"), r::toString);
  }

  @Test
  void optionParserErrorsQuoteTheArgument() { // was raw: picocli's own messages
    CliResult r = CliResult.run("schema", "--x" + HOSTILE);
    assertEquals(2, r.code(), r::toString);
    assertNoRawControls(r);
    assertTrue(r.err().contains("Unknown option: '--xa\\u001b[2Jb\\u202ec"), r::toString);
    CliResult top = CliResult.run(HOSTILE);
    assertEquals(2, top.code(), top::toString);
    assertNoRawControls(top);
  }

  @Test
  void reportNamesTheDirectory() { // was raw
    CliResult r = CliResult.run("report", tmp.resolve("x" + HOSTILE).toString());
    assertEquals(2, r.code(), r::toString);
    assertNoRawControls(r);
    assertTrue(r.err().contains("xa\\u001b[2Jb\\u202ec"), r::toString);
  }

  @Test
  void exportRefusesAFormatName() {
    Path run = TinyExport.write(tmp.resolve("run"));
    CliResult r = CliResult.run("export", run.toString(), "--format", "on\u001b[2Jnx\u202e");
    assertEquals(2, r.code(), r::toString);
    assertNoRawControls(r);
  }

  @Test
  void checkpointRefusesABundledName() {
    CliResult r =
        CliResult.run("checkpoint", "--bundled", "x\u001b[2J\u202e", tmp.resolve("ck").toString());
    assertEquals(2, r.code(), r::toString);
    assertNoRawControls(r);
  }

  @Test
  void theStreamEscapesTextButPassesBytesLinesAndTabs() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream safe = SafeStream.of(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    safe.println("x\ty\u202e");
    safe.printf("%s%n", "\r\u001b");
    safe.print('\u2028');
    safe.append("\u0085");
    byte[] raw = "\r\u001b[K".getBytes(StandardCharsets.US_ASCII);
    safe.write(raw, 0, raw.length);
    assertEquals(
        "x\ty\\u202e\n\\r\\u001b\n\\u2028\\u0085\r\u001b[K",
        bytes.toString(StandardCharsets.UTF_8));
    assertTrue(SafeStream.of(safe) == safe, "made safe once");
    assertFalse(SafeStream.clean("plain\ttext\n").contains("\\"));
  }
}
