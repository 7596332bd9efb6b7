package io.github.finetune4j.recipe;

import static io.github.finetune4j.TestRecipes.QUICKSTART;
import static io.github.finetune4j.TestRecipes.writeText;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a hostile or careless recipe file gets: refusals with the file, the key path and the line,
 * never a silently different recipe, and never the parser's internals.
 */
class RecipeStrictnessTest {

  private static final String MINIMAL = RecipeReaderTest.MINIMAL;

  @TempDir Path tmp;

  @Test
  void duplicateKeyInYamlNamesThePathAndBothLines() {
    Path file =
        writeText(
            tmp,
            "recipe.yaml",
            MINIMAL.replace("optimizer: { lr: 0.001 }", "optimizer:\n  lr: 1e-4\n  lr: 100"));
    assertEquals(
        List.of(file + ": key 'optimizer.lr' appears twice (lines 9 and 10)"), problems(file));
  }

  @Test
  void duplicateSectionInYamlIsRefused() {
    Path file = writeText(tmp, "recipe.yaml", MINIMAL + "optimizer:\n  lr: 100\n");
    assertEquals(
        List.of(file + ": key 'optimizer' appears twice (lines 8 and 10)"), problems(file));
  }

  @Test
  void duplicateKeyInsideAListEntryNamesItsIndex() {
    Path file =
        writeText(
            tmp,
            "recipe.yaml",
            MINIMAL.replace(
                "- { name: all, match: [\"*\"] }", "- { name: all, match: [\"*\"], name: x }"));
    assertEquals(
        List.of(file + ": key 'groups[0].name' appears twice (lines 5 and 5)"), problems(file));
  }

  @Test
  void duplicateKeyInJsonNamesThePathAndBothLines() {
    Path file =
        writeText(
            tmp,
            "recipe.json",
            """
            {
              "optimizer": {
                "lr": 1e-4,
                "lr": 100
              }
            }
            """);
    assertEquals(
        List.of(file + ": key 'optimizer.lr' appears twice (lines 3 and 4)"), problems(file));
  }

  @Test
  void secondYamlDocumentIsRefusedWithItsLine() {
    Path file = writeText(tmp, "recipe.yaml", MINIMAL + "---\noptimizer: { lr: 100 }\n");
    assertEquals(
        List.of(
            file
                + ": a second YAML document starts at line 10; a recipe must be a single"
                + " document"),
        problems(file));
  }

  @Test
  void trailingContentAfterJsonIsRefused() {
    Path file = writeText(tmp, "recipe.json", "{\"a\": 1}\n{\"b\": 2}\n");
    assertEquals(
        List.of(
            file
                + ": more content follows the recipe at line 2; a recipe is a single JSON"
                + " object"),
        problems(file));
  }

  @Test
  void anchorsAndAliasesAreRefusedWithTheirLine() {
    Path file =
        writeText(
            tmp,
            "recipe.yaml",
            MINIMAL
                .replace("- { name: all,", "- &g { name: all,")
                .replace("train: [all]", "train: *all"));
    List<String> ps = problems(file);
    assertEquals(
        List.of(
            file
                + ": groups[0] (line 5): anchors and aliases are not supported in recipes;"
                + " remove the anchor '&g' and write the value out where it is used",
            file
                + ": stages[0].train (line 7): anchors and aliases are not supported in recipes;"
                + " write the value out instead of '*all'"),
        ps);
  }

  @Test
  void explicitTagsAreRefusedWithTheirLine() {
    Path file =
        writeText(
            tmp,
            "recipe.yaml",
            MINIMAL
                .replace("model: { type:", "model: { init: !foo pretrained, type:")
                .replace("optimizer: { lr: 0.001 }", "optimizer: !!python/object { lr: 0.001 }"));
    assertEquals(
        List.of(
            file
                + ": model.init (line 1): explicit tags such as '!foo' are not supported in"
                + " recipes; remove the tag",
            file
                + ": optimizer (line 8): explicit tags such as '!!python/object' are not"
                + " supported in recipes; remove the tag"),
        problems(file));
  }

  @Test
  void yamlNotANumberInAFileReachesTheFieldCheck() {
    Path file = writeText(tmp, "recipe.yaml", MINIMAL.replace("lr: 0.001", "lr: .nan, eps: -.inf"));
    assertEquals(
        List.of(
            "optimizer.lr: expected a finite number, got .nan",
            "optimizer.eps: expected a finite number, got -.inf"),
        problems(file));
  }

  @Test
  void deepNestingGetsItsOwnMessage() {
    String deep = "[".repeat(5000) + "]".repeat(5000);
    Path yaml = writeText(tmp, "deep.yaml", "a: " + deep + "\n");
    Path json = writeText(tmp, "deep.json", "{\"a\": " + deep + "}\n");
    assertEquals(List.of(yaml + ": nested deeper than 64 levels (line 1)"), problems(yaml));
    assertEquals(List.of(json + ": nested deeper than 64 levels (line 1)"), problems(json));
  }

  @Test
  void overlongJsonNumberDoesNotNameTheParsersLimits() {
    Path file = writeText(tmp, "recipe.json", "{\"a\": " + "9".repeat(2000) + "}");
    List<String> ps = problems(file);
    assertEquals(1, ps.size(), ps::toString);
    assertTrue(ps.get(0).startsWith(file + ": not valid JSON (line 1, column "), ps::toString);
  }

  @Test
  void unclosedJsonObjectSaysWhereItStarted() {
    Path file = writeText(tmp, "recipe.json", "{\n  \"a\": {\"b\": 1}\n");
    List<String> ps = problems(file);
    assertEquals(1, ps.size(), ps::toString);
    assertTrue(ps.get(0).contains("line 1, column 1"), ps::toString);
  }

  @Test
  void hugeFileIsRefusedBeforeItIsRead() throws IOException {
    Path file = tmp.resolve("huge.yaml");
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (long written = 0, i = 0; written < 50L << 20; i++) {
        String line = "key" + i + ": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]\n";
        w.write(line);
        written += line.length();
      }
    }
    long size = Files.size(file);
    List<String> ps = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> problems(file));
    assertEquals(
        List.of(
            file
                + ": is "
                + size
                + " bytes, larger than a recipe may be (1048576 bytes, 1"
                + " MiB)"),
        ps);
  }

  @Test
  void directoryIsNotARecipeFile() {
    assertEquals(List.of(tmp + ": is a directory, not a recipe file"), problems(tmp));
  }

  @Test
  void deviceIsNotARegularFile() {
    Path devNull = Path.of("/dev/null");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(devNull));
    assertEquals(
        List.of(devNull + ": is not a regular file; give a recipe file"), problems(devNull));
  }

  @Test
  void invalidUtf8GivesTheOffsetOfTheFirstBadByte() throws IOException {
    Path file = tmp.resolve("latin1.yaml");
    Files.write(file, "description: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(
        List.of(
            file
                + ": is not UTF-8 text: the first bad byte, 0xE9, is at byte offset 16"
                + " (line 1); save the recipe as UTF-8"),
        problems(file));
  }

  @Test
  void overrideWithANegativeIndexSaysWhichIndicesExist() {
    assertEquals(
        List.of(
            "override 'groups.-1.lr': 'groups' is a list of 4: use an index from 0 to 3, not"
                + " '-1'"),
        overrideProblems("groups.-1.lr=1"));
  }

  @Test
  void overrideWithANameForAnIndexSaysWhichIndicesExist() {
    assertEquals(
        List.of(
            "override 'groups.x.lr': 'groups' is a list of 4: use an index from 0 to 3, not 'x'"),
        overrideProblems("groups.x.lr=1"));
  }

  @Test
  void overrideWithAnIndexPastTheEndSaysWhichIndicesExist() {
    assertEquals(
        List.of(
            "override 'stages.0.train.5': 'stages.0.train' is a list of 1: use an index from 0 to"
                + " 0, not '5'"),
        overrideProblems("stages.0.train.5=head"));
  }

  @Test
  void overrideWithAnUnclosedListIsReported() {
    List<String> ps = overrideProblems("head.classes=[a, b");
    assertEquals(1, ps.size(), ps::toString);
    assertTrue(
        ps.get(0).startsWith("override 'head.classes': the value is not valid YAML (column "),
        ps::toString);
    assertTrue(ps.get(0).endsWith("; quote it to give text"), ps::toString);
    Recipe r = assertDoesNotThrow(() -> RecipeReader.read(QUICKSTART, List.of("output.dir=x: [y")));
    assertEquals("x: [y", r.output().dir(), "other text that is not YAML stays text");
  }

  @Test
  void overrideWithAnUnclosedMappingIsReported() {
    List<String> ps = overrideProblems("optimizer.clip={global_norm: 1");
    assertEquals(1, ps.size(), ps::toString);
    assertTrue(
        ps.get(0).startsWith("override 'optimizer.clip': the value is not valid YAML"),
        ps::toString);
  }

  @Test
  void overrideWithADuplicateKeyIsRefused() {
    assertEquals(
        List.of("override 'optimizer.clip': key 'global_norm' appears twice"),
        overrideProblems("optimizer.clip={global_norm: 1, global_norm: 100}"));
  }

  @Test
  void overrideWithAnEmptyKeyPartIsRefused() {
    assertEquals(
        List.of(
            "override 'optimizer..lr': the key has an empty part; separate names by single dots,"
                + " e.g. optimizer.lr=3e-4"),
        overrideProblems("optimizer..lr=1"));
  }

  @Test
  void outOfRangeIntegerSaysTheRange() {
    assertEquals(
        List.of(
            "data.batch_size: expected a whole number from -2147483648 to 2147483647, got"
                + " 2147483648"),
        overrideProblems("data.batch_size=2147483648"));
    assertEquals(
        List.of(
            "train.seed: expected a whole number from -9007199254740991 to 9007199254740991, got"
                + " 99999999999999999999"),
        overrideProblems("train.seed=99999999999999999999"));
  }

  @Test
  void smallestIntegerIsInRange() {
    assertEquals(
        List.of("data.batch_size: must be at least 1, got -2147483648"),
        overrideProblems("data.batch_size=-2147483648"));
  }

  @Test
  void emptyGroupNameIsRefused() {
    Path file =
        writeText(
            tmp,
            "recipe.yaml",
            MINIMAL
                .replace(
                    "- { name: all, match: [\"*\"] }",
                    "- { name: all, match: [\"e*\"] }\n" + "  - { name: '', match: [\"*\"] }")
                .replace("train: [all]", "train: [all, '']"));
    assertEquals(List.of("groups[1].name: must not be empty"), problems(file));
  }

  @Test
  void blankGroupNameIsRefused() {
    Path file =
        writeText(
            tmp,
            "recipe.yaml",
            MINIMAL.replace("name: all", "name: ' '").replace("train: [all]", "train: [' ']"));
    assertEquals(List.of("groups[0].name: must not be blank"), problems(file));
  }

  @Test
  void groupNameWithAControlCharacterIsRefused() {
    Path file =
        writeText(
            tmp,
            "recipe.yaml",
            MINIMAL
                .replace("name: all", "name: \"a\\el\"")
                .replace("train: [all]", "train: [\"a\\el\"]"));
    assertEquals(List.of("groups[0].name: contains a control character (U+001B)"), problems(file));
  }

  @Test
  void noParserMessageNamesTheParser() {
    List<List<String>> cases =
        List.of(
            List.of("tab.yaml", "model:\n\tsource: x\n"),
            List.of("nul.yaml", "a: \u0000\n"),
            List.of("quote.yaml", "a: 'unclosed\n"),
            List.of("key.yaml", "? [a]\n: 1\n"),
            List.of("deep.yaml", "a: " + "{b: ".repeat(1500) + "1" + "}".repeat(1500)),
            List.of("nan.json", "{\"a\": NaN}"),
            List.of("comment.json", "{\"a\": 1 // one\n}"),
            List.of("open.json", "{\n  \"a\": [1,\n"),
            List.of("deep.json", "{\"a\": " + "[".repeat(1500) + "]".repeat(1500) + "}"));
    for (List<String> c : cases) {
      Path file = writeText(tmp, c.get(0), c.get(1));
      List<String> ps = problems(file);
      assertTrue(ps.get(0).startsWith(file + ": "), ps::toString);
    }
  }

  /** The problems reading {@code file} gives, checked to leak no parser internals. */
  private static List<String> problems(Path file) {
    return clean(assertThrows(RecipeException.class, () -> RecipeReader.read(file, List.of())));
  }

  /** The problems reading the quickstart with {@code override} gives. */
  private static List<String> overrideProblems(String override) {
    return clean(
        assertThrows(
            RecipeException.class, () -> RecipeReader.read(QUICKSTART, List.of(override))));
  }

  private static List<String> clean(RecipeException e) {
    List<String> ps = e.problems();
    assertFalse(ps.isEmpty());
    for (String p : ps) {
      for (String leak :
          List.of("StreamReadConstraints", "Jackson", "com.fasterxml", "snakeyaml", "Exception")) {
        assertFalse(p.toLowerCase().contains(leak.toLowerCase()), "'" + leak + "' in: " + p);
      }
      assertFalse(p.contains("\n"), "one line: " + p);
    }
    return ps;
  }
}
