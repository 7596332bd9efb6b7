package io.github.finetune4j.cli;

import static io.github.finetune4j.TestRecipes.quickstart;
import static io.github.finetune4j.TestRecipes.write;
import static io.github.finetune4j.TestRecipes.writeText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run} with bad input exits 2 with one short paragraph on stderr (the cause, no stack trace)
 * and creates no run directory. Every case fails before the model is loaded, so each takes well
 * under a second.
 */
class BadInputTest {

  @TempDir Path tmp;
  private Path runDir;
  private Path partial;

  @BeforeEach
  void paths() {
    runDir = tmp.resolve("run");
    partial = tmp.resolve("run.partial");
  }

  @Test
  void missingRecipeFile() {
    Path missing = tmp.resolve("nope.yaml");
    assertBadInput(run(missing.toString()), missing + ": recipe file not found");
  }

  @Test
  void unreadableYaml() {
    Path f = writeText(tmp, "r.yaml", "model:\n  source: [unclosed\nhead: {}\n");
    assertBadInput(run(f.toString()), "not valid YAML (line ");
  }

  @Test
  void wrongTypes() {
    assertBadInput(
        runQuickstart(List.of("data.batch_size=many", "train.seed=[1]")),
        "data.batch_size: expected a whole number, got \"many\"",
        "train.seed: expected a whole number, got a list");
  }

  @Test
  void unknownKeys() {
    ObjectNode tree = quickstart();
    tree.putObject("optimzer");
    ((ObjectNode) tree.get("head")).put("classez", "x");
    assertBadInput(
        run(recipe(tree).toString()),
        "optimzer: unknown key; did you mean 'optimizer'?",
        "head.classez: unknown key; did you mean 'classes'?");
  }

  @Test
  void unknownGroupInAStage() {
    assertBadInput(
        runQuickstart(List.of("stages.0.train=[haed]")),
        "stages[0].train[0]: unknown group 'haed'; did you mean 'head'?");
  }

  @Test
  void missingDataFile() {
    assertBadInput(
        runQuickstart(List.of("data.test.path=data/missing.jsonl")),
        "data.test.path: data file not found: data/missing.jsonl");
  }

  @Test
  void emptyDataset() {
    Path empty = writeText(tmp, "empty.jsonl", "");
    assertBadInput(
        runQuickstart(List.of("data.valid.path=" + empty)),
        "data.valid: " + empty + ": the dataset is empty");
  }

  @Test
  void labelNotInDeclaredClasses() {
    Path eggs =
        writeText(
            tmp,
            "eggs.jsonl",
            "{\"text\": \"buy now\", \"label\": \"spam\"}\n"
                + "{\"text\": \"hi\", \"label\": \"eggs\"}\n");
    assertBadInput(
        runQuickstart(List.of("data.train.path=" + eggs)),
        eggs + " line 2: label 'eggs' is not one of the declared classes [ham, spam]");
  }

  @Test
  void trainingDataWithOneClassIsRefused() {
    Path ham =
        writeText(
            tmp,
            "ham.jsonl",
            "{\"text\": \"minutes of the meeting\", \"label\": \"ham\"}\n"
                + "{\"text\": \"lunch?\", \"label\": \"ham\"}\n");
    assertBadInput(
        runQuickstart(List.of("data.train.path=" + ham)),
        "data.train: "
            + ham
            + ": all 2 examples read have the label 'ham'; a classifier needs at"
            + " least two classes in its training data");
  }

  @Test
  void controlCharactersInAProblemAreEscaped() {
    CliResult r = runQuickstart(List.of("groups.0.name=\u001b[2Jemb"));
    assertEquals(2, r.code(), r::toString);
    assertFalse(r.err().contains("\u001b"), () -> "raw escape reached the terminal:\n" + r);
  }

  @Test
  void lineThatIsNotJson() {
    Path bad =
        writeText(
            tmp,
            "bad.jsonl",
            "{\"text\": \"a\", \"label\": \"ham\"}\n\n{\"text\": \"b\", \"label\": \"spam\"}\n"
                + "text=c label=ham\n");
    assertBadInput(runQuickstart(List.of("data.test.path=" + bad)), bad + " line 4: not a JSON");
  }

  @Test
  void outputDirectoryExistsWithoutOverwrite() throws Exception {
    Files.createDirectories(runDir);
    Files.writeString(runDir.resolve(".finetune4j-run"), "{}"); // a previous run
    Path marker = Files.writeString(runDir.resolve("previous-run.txt"), "keep me");
    CliResult r = runQuickstart(List.of());
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains(runDir + " already exists"), r::toString);
    assertTrue(r.err().contains("output.overwrite=true"), r::toString);
    assertShort(r);
    assertFalse(Files.exists(partial), "no .partial directory");
    assertEquals("keep me", Files.readString(marker));
    try (var files = Files.list(runDir)) {
      assertEquals(2, files.count(), "the previous run is untouched");
    }
  }

  private CliResult runQuickstart(List<String> overrides) {
    return run(recipe(quickstart()).toString(), overrides.toArray(String[]::new));
  }

  private Path recipe(ObjectNode tree) {
    ((ObjectNode) tree.get("output")).put("dir", runDir.toString());
    return write(tmp, "recipe.yaml", tree);
  }

  private CliResult run(String recipe, String... overrides) {
    List<String> args = new ArrayList<>(List.of("run", recipe));
    args.addAll(List.of(overrides));
    return CliResult.run(args.toArray(String[]::new));
  }

  private void assertBadInput(CliResult r, String... causes) {
    assertEquals(2, r.code(), r::toString);
    for (String cause : causes) {
      assertTrue(r.err().contains(cause), () -> "missing '" + cause + "' in\n" + r);
    }
    assertShort(r);
    assertFalse(r.out().contains("Loading"), () -> "the model was loaded first:\n" + r);
    assertFalse(Files.exists(runDir), "no run directory");
    assertFalse(Files.exists(partial), "no .partial directory");
  }

  private static void assertShort(CliResult r) {
    String err = r.err().strip();
    assertTrue(err.startsWith("finetune: "), r::toString);
    assertFalse(err.contains("Exception"), r::toString);
    assertFalse(err.contains("\tat "), r::toString);
    assertFalse(err.contains("at io.github"), r::toString);
    List<String> lines = err.lines().toList();
    assertTrue(lines.size() <= 6, () -> "not one short paragraph:\n" + r);
    assertTrue(lines.stream().noneMatch(String::isBlank), () -> "not one paragraph:\n" + r);
  }
}
