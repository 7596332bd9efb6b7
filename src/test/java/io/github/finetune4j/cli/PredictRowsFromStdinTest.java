package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code predict --input -} reads CSV rows from standard input, exactly as from the file; rows cut
 * short are refused, the message naming standard input.
 */
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

    // rows cut short (the writer stopped inside a row) are refused, naming standard input
    byte[] all = Files.readAllBytes(rows);
    CliResult cut;
    try (InputStream in = new ByteArrayInputStream(Arrays.copyOf(all, all.length - 3))) {
      System.setIn(in);
      cut = CliResult.run("predict", run.toString(), "--input", "-");
    } finally {
      System.setIn(stdin);
    }
    assertEquals(2, cut.code(), cut::toString);
    assertTrue(
        cut.err().contains("standard input line 73: the last line does not end with a line break"),
        cut::toString);
    assertEquals("", cut.out(), "no answer for a cut input");
  }
}
