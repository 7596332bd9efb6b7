package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.pipeline.TinyExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune export}: standard formats from a finished run, into its {@code model/} (then
 * listed by the manifest, so {@code predict} still accepts the directory and catches a damaged ONNX
 * file) or into a new directory; bad requests are one paragraph and exit 2 with nothing written.
 */
class ExportCommandTest {

  @TempDir Path tmp;
  Path run;
  Path model;

  @BeforeEach
  void export() {
    run = TinyExport.write(tmp.resolve("run"));
    model = TinyExport.modelDir(run);
  }

  @Test
  void writesOnnxIntoTheRunsModelDirectoryListedByTheManifest() throws Exception {
    CliResult r = CliResult.run("export", run.toString(), "--format", "onnx");
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("Wrote " + model.resolve("onnx")), r::toString);
    for (String f :
        List.of(
            "model.onnx", "encoder.onnx", "tokenizer.json", "config.json", "serving.properties")) {
      assertTrue(Files.isRegularFile(model.resolve("onnx").resolve(f)), f);
    }
    assertTrue(Files.readString(model.resolve("manifest.json")).contains("\"onnx/model.onnx\""));
    // predict still accepts the directory ...
    CliResult p = CliResult.run("predict", run.toString(), "hello");
    assertEquals(0, p.code(), p::toString);
    // ... and a damaged ONNX file is caught like any other
    Path onnx = model.resolve("onnx/model.onnx");
    byte[] bytes = Files.readAllBytes(onnx);
    bytes[bytes.length / 2] ^= 1;
    Files.write(onnx, bytes);
    CliResult damaged = CliResult.run("predict", run.toString(), "hello");
    assertEquals(2, damaged.code(), damaged::toString);
    assertTrue(damaged.err().contains("onnx/model.onnx"), damaged::toString);
    assertTrue(damaged.err().contains("SHA-256 does not match"), damaged::toString);
    // asked again: kept
    Files.write(onnx, flip(bytes));
    CliResult again = CliResult.run("export", run.toString(), "--format", "onnx");
    assertEquals(0, again.code(), again::toString);
    assertTrue(again.out().contains("Kept"), again::toString);
  }

  @Test
  void writesIntoANewDirectoryWithItsOwnManifest() throws Exception {
    Path out = tmp.resolve("exported");
    CliResult r = CliResult.run("export", run.toString(), "--out", out.toString());
    assertEquals(0, r.code(), r::toString);
    assertTrue(Files.isRegularFile(out.resolve("onnx/model.onnx")));
    assertTrue(Files.readString(out.resolve("manifest.json")).contains("\"onnx/encoder.onnx\""));
    assertFalse(Files.exists(model.resolve("onnx")), "the run's model/ is untouched");
  }

  @Test
  void refusesUnknownFormatsANonEmptyOutAndAMissingRunWithExit2() throws Exception {
    CliResult unknown = CliResult.run("export", run.toString(), "--format", "onnx,tflite");
    assertEquals(2, unknown.code(), unknown::toString);
    assertTrue(unknown.err().contains("unknown format \"tflite\""), unknown::toString);
    assertTrue(unknown.err().contains("onnx, hf"), unknown::toString);
    assertFalse(unknown.err().contains("Exception"), unknown::toString);

    Path full = Files.createDirectories(tmp.resolve("full"));
    Files.writeString(full.resolve("keep.txt"), "mine");
    CliResult nonEmpty = CliResult.run("export", run.toString(), "--out", full.toString());
    assertEquals(2, nonEmpty.code(), nonEmpty::toString);
    assertTrue(nonEmpty.err().contains("new or empty directory"), nonEmpty::toString);
    try (Stream<Path> s = Files.list(full)) {
      assertEquals(1, s.count(), "nothing written into the user's directory");
    }

    CliResult missing = CliResult.run("export", tmp.resolve("nope").toString());
    assertEquals(2, missing.code(), missing::toString);
    assertTrue(missing.err().contains("no exported model here"), missing::toString);
    assertFalse(Files.exists(model.resolve("onnx")), "nothing written");
  }

  private static byte[] flip(byte[] b) {
    b[b.length / 2] ^= 1;
    return b;
  }
}
