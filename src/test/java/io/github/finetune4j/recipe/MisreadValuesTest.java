package io.github.finetune4j.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.TestRecipes;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #23: recipe values that were silently misread or misreported. YAML 1.1 reads unquoted
 * {@code no}/{@code yes} as booleans, so {@code head.classes: [no, yes]} became the classes {@code
 * false}, {@code true}. A string field given a boolean is refused with what YAML made of it;
 * quoted, the names are kept.
 */
class MisreadValuesTest {

  @TempDir Path dir;

  private Path recipe(String classes) {
    return TestRecipes.writeText(
        dir,
        "r.yaml",
        String.join(
            "\n",
            "model: { type: builtin, architecture: mlp, init: random }",
            "head: { replace: none, classes: " + classes + " }",
            "data:",
            "  train: { type: csv, path: data/breast-cancer/train.csv, label: diagnosis }",
            "groups: [ { name: all, match: ['*'] } ]",
            "stages: [ { epochs: 1, train: [all] } ]",
            "optimizer: { type: adamw, lr: 0.001 }",
            "output: { dir: '" + dir.resolve("run") + "' }",
            ""));
  }

  @Test
  void unquotedNoAndYesAreRefusedWithWhatYamlMadeOfThem() {
    RecipeException e =
        assertThrows(
            RecipeException.class, () -> RecipeReader.read(recipe("[no, yes]"), List.of()));
    assertTrue(
        e.problems()
            .contains(
                "head.classes[0]: expected a string, got the boolean false (YAML reads an unquoted"
                    + " no, off or false as a boolean); quote the value, e.g. \"no\""),
        e.problems().toString());
    assertTrue(
        e.problems()
            .contains(
                "head.classes[1]: expected a string, got the boolean true (YAML reads an unquoted"
                    + " yes, on or true as a boolean); quote the value, e.g. \"yes\""),
        e.problems().toString());
  }

  @Test
  void quotedTheyAreClassNames() throws Exception {
    Recipe r = RecipeReader.read(recipe("[\"no\", \"yes\"]"), List.of());
    assertEquals(List.of("no", "yes"), r.head().classes());
  }

  @Test
  void anOverrideIsReadTheSameWay() {
    RecipeException e =
        assertThrows(
            RecipeException.class,
            () -> RecipeReader.read(recipe("[a, b]"), List.of("head.classes=[off, on]")));
    assertTrue(
        e.problems().stream().anyMatch(p -> p.startsWith("head.classes[0]: expected a string")),
        e.problems().toString());
  }

  @Test
  void aDirectoryOrADeviceAsADataFileIsSaidSo() throws Exception {
    java.nio.file.Files.createDirectories(dir.resolve("folder"));
    RecipeException e =
        assertThrows(
            RecipeException.class,
            () ->
                RecipeReader.read(
                    recipe("[malignant, benign]"),
                    List.of("data.train.path=" + dir.resolve("folder"))));
    assertEquals(
        List.of("data.train.path: " + dir.resolve("folder") + " is a directory, not a data file"),
        e.problems());
    e =
        assertThrows(
            RecipeException.class,
            () ->
                RecipeReader.read(
                    recipe("[malignant, benign]"), List.of("data.train.path=/dev/zero")));
    assertEquals(
        List.of("data.train.path: /dev/zero is not a regular file (a device, pipe or socket)"),
        e.problems());
  }
}
