package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A format the model cannot have is exit 2 before anything is trained or written, naming the format
 * and the reason: ONNX of a TorchScript module, a Hugging Face directory of a model of feature
 * vectors; an unknown format is refused by the recipe's own checks.
 */
class FormatsRefusedTest {

  @TempDir Path tmp;

  @Test
  void onnxOfATorchScriptModuleIsRefusedBeforeTraining() {
    Path out = tmp.resolve("run");
    CliResult r =
        CliResult.run(
            "run",
            "recipes/tabular/diabetes-regression.yaml",
            "output.formats=[onnx]",
            "output.dir=" + out);
    assertEquals(2, r.code(), r::toString);
    assertTrue(
        r.err().contains("output.formats: this model cannot be exported as onnx"), r::toString);
    assertTrue(r.err().contains("TorchScript"), r::toString);
    assertFalse(r.out().contains("epoch"), "nothing trained: " + r);
    assertFalse(Files.exists(out) || Files.exists(tmp.resolve("run.partial")), "nothing written");
    CliResult plan =
        CliResult.run("plan", "recipes/tabular/diabetes-regression.yaml", "output.formats=[onnx]");
    assertEquals(2, plan.code(), plan::toString);
  }

  @Test
  void aHuggingFaceDirectoryOfAFeatureModelIsRefusedAndAnUnknownFormatToo() {
    CliResult r =
        CliResult.run(
            "plan", "recipes/tabular/breast-cancer-mlp.yaml", "output.formats=[onnx, hf]");
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("cannot be exported as hf"), r::toString);
    assertTrue(r.err().contains("a model of feature vectors"), r::toString);
    assertFalse(r.err().contains("as onnx"), "the MLP has an ONNX graph: " + r);

    CliResult unknown =
        CliResult.run(
            "validate", "recipes/tabular/breast-cancer-mlp.yaml", "output.formats=[tflite]");
    assertEquals(2, unknown.code(), unknown::toString);
    assertTrue(unknown.err().contains("output.formats"), unknown::toString);
  }
}
