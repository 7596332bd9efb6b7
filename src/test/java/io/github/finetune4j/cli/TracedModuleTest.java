package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.TestRecipes;
import io.github.finetune4j.model.TorchScriptStructure;
import io.github.finetune4j.pipeline.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A module saved with torch.jit.trace has its BatchNorm and Dropout fixed in the traced mode
 * ({@code torch.batch_norm(..., False, ...)}): training it by a recipe would silently ignore the
 * norm policy, so it is refused (exit 2, nothing written) with the layers and the fix; the same
 * network saved with torch.jit.script trains. Models: src/test/python/gen_traced_torchscript.py and
 * gen_bn_torchscript.py (BnMlp: 4 features, 3 classes, run here on the real iris data).
 */
class TracedModuleTest {

  private static final Path MODELS = Path.of("src/test/resources/models/torchscript");

  @TempDir Path tmp;

  private Path recipe(String model) {
    return TestRecipes.writeText(
        tmp,
        "iris.yaml",
        """
        model: { type: torchscript, path: %s }
        head: { replace: none, classes: [setosa, versicolor, virginica] }
        data:
          train: { type: csv, path: data/iris/iris.csv, label: species, limit: 120 }
          batch_size: 16
        groups:
          - { name: all, match: ["*"] }
        stages:
          - { epochs: 1, train: [all] }
        optimizer: { type: adamw, lr: 0.01 }
        monitor: { sinks: [jsonl] }
        output: { dir: %s }
        """
            .formatted(MODELS.resolve(model), tmp.resolve("run-" + model)));
  }

  @Test
  void theArchiveTellsATracedModuleFromAScriptedOne() throws Exception {
    List<String> traced =
        TorchScriptStructure.read(MODELS.resolve("bn-mlp-traced.pt")).modeFixedByTracing().stream()
            .map(TorchScriptStructure.Module::path)
            .toList();
    assertEquals(List.of("bn1", "bn2", "drop"), traced);
    assertEquals(
        List.of(),
        TorchScriptStructure.read(MODELS.resolve("bn-mlp-dropout.pt")).modeFixedByTracing());
  }

  @Test
  void aTracedModuleWithBatchNormIsRefusedBeforeAnythingIsWritten() {
    Path out = tmp.resolve("run-bn-mlp-traced.pt");
    CliResult r = CliResult.run("run", recipe("bn-mlp-traced.pt").toString());
    assertEquals(2, r.code(), r::toString);
    assertTrue(
        r.err()
            .contains(
                "was saved with torch.jit.trace: its layers bn1 (BatchNorm1d),"
                    + " bn2 (BatchNorm1d), drop (Dropout) run in the mode they were traced in"),
        r::toString);
    assertTrue(r.err().contains("save the model with torch.jit.script instead"), r::toString);
    assertFalse(Files.exists(out));
    assertFalse(Files.exists(RunDirectory.partialOf(out)));
  }

  @Test
  void theSameNetworkScriptedTrains() {
    CliResult r = CliResult.run("run", recipe("bn-mlp-dropout.pt").toString());
    assertEquals(0, r.code(), r::toString);
  }
}
