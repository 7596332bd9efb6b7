package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train.precision} and {@code train.device} that cannot be honoured are bad input: exit 2,
 * one paragraph naming the key, nothing written. (The default build has the CPU library, so the
 * engine sees no GPU.)
 */
class PrecisionDeviceCliTest {

  @TempDir Path tmp;

  @Test
  void bf16OnAModelThatIsNoBertEncoderIsExitTwoAndWritesNothing() {
    Path out = tmp.resolve("run");
    CliResult r =
        CliResult.run(
            "run",
            "recipes/tabular/breast-cancer-mlp.yaml",
            "train.precision=bf16",
            "output.dir=" + out);
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().contains("train.precision: bf16 runs BERT-family text encoders"), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
    assertFalse(Files.exists(out) || Files.exists(Path.of(out + ".partial")), "something written");
  }

  @Test
  void aGpuWithoutOneIsExitTwoAndWritesNothing() {
    Path out = tmp.resolve("gpu");
    CliResult r =
        CliResult.run(
            "run",
            "recipes/tabular/breast-cancer-mlp.yaml",
            "train.device=gpu",
            "output.dir=" + out);
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().contains("train.device: gpu, but the engine"), r.err());
    assertFalse(Files.exists(out) || Files.exists(Path.of(out + ".partial")), "something written");
  }

  @Test
  void autoOnAModelThatIsNoBertEncoderRunsInFloat32() throws Exception {
    Path out = tmp.resolve("auto");
    CliResult r =
        CliResult.run(
            "run",
            "recipes/tabular/breast-cancer-mlp.yaml",
            "train.precision=auto",
            "output.dir=" + out);
    assertEquals(0, r.code(), r.toString());
    assertTrue(
        Files.readString(out.resolve("summary.json")).contains("\"precision\" : \"fp32\""),
        "summary.json precision");
    // and its export predicts in float32 only
    CliResult p =
        CliResult.run(
            "predict",
            out.toString(),
            "--precision",
            "bf16",
            "--input",
            "data/breast-cancer/test.csv");
    assertEquals(2, p.code(), p.toString());
    assertTrue(p.err().contains("--precision bf16 applies to text classifiers"), p.err());
  }
}
