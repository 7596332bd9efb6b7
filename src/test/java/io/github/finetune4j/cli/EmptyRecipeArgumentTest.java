package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An empty recipe argument ({@code finetune run ""}, e.g. from an unset shell variable) says that
 * no recipe file was given, exit 2: it used to say that the (empty) path "is a directory", since an
 * empty path is the working directory.
 */
class EmptyRecipeArgumentTest {

  private static final String MESSAGE =
      "finetune: no recipe file given: the RECIPE argument is empty (an unset shell variable?);"
          + " give the path of a recipe file (YAML or JSON)\n";

  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"run", "validate", "plan", "lr-find"})
  void anEmptyRecipeIsNoRecipe(String command) {
    CliResult r = CliResult.run(command, "", "train.seed=1");
    assertEquals(2, r.code(), r::toString);
    assertEquals(MESSAGE, r.err(), r::toString);
    assertEquals("", r.out(), r::toString);
  }

  @Test
  void runWithResumeToo() {
    CliResult r = CliResult.run("run", "", "--resume");
    assertEquals(2, r.code(), r::toString);
    assertEquals(MESSAGE, r.err(), r::toString);
  }

  @Test
  void aSweepWithAnEmptyRecipeAmongOthersWritesNothing() {
    Path out = tmp.resolve("s");
    CliResult r =
        CliResult.run(
            "sweep",
            "recipes/tabular/breast-cancer-mlp.yaml",
            "",
            "--grid",
            "optimizer.lr=1e-3,3e-3",
            "--out",
            out.toString());
    assertEquals(2, r.code(), r::toString);
    assertEquals(MESSAGE, r.err(), r::toString);
    assertFalse(Files.exists(out));
  }
}
