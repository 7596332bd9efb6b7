package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code predict --input -} reads CSV rows from standard input, exactly as from the file. */
class PredictRowsFromStdinTest {

  @TempDir Path tmp;

  @Test
  void rowsFromStandardInputArePredictedAsFromTheFile() throws Exception {
    Path run = tmp.resolve("diabetes");
    CliResult r =
        CliResult.run("run", "recipes/tabular/diabetes-regression.yaml", "output.dir=" + run);
    assertEquals(0, r.code(), r::toString);
    Path rows = Path.of("data/diabetes/test.csv");
    CliResult fromFile = CliResult.run("predict", run.toString(), "--input", rows.toString());
    assertEquals(0, fromFile.code(), fromFile::toString);
    InputStream stdin = System.in;
    CliResult fromStdin;
    try (InputStream in = Files.newInputStream(rows)) {
      System.setIn(in);
      fromStdin = CliResult.run("predict", run.toString(), "--input", "-");
    } finally {
      System.setIn(stdin);
    }
    assertEquals(0, fromStdin.code(), fromStdin::toString);
    assertEquals(72, fromStdin.out().lines().count());
    assertEquals(fromFile.out(), fromStdin.out());
  }
}
