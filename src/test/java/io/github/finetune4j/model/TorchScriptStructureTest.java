package io.github.finetune4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The module tree read from TorchScript archives written by torch 1.13 (gen_bn_torchscript.py). */
class TorchScriptStructureTest {

  private static final Path TS = Path.of("src/test/resources/models/torchscript");

  @Test
  void readsSubmodulesTheirClassesParametersAndBuffers() throws IOException {
    TorchScriptStructure s = TorchScriptStructure.read(TS.resolve("bn-mlp-dropout.pt"));
    assertEquals(List.of("", "fc1", "bn1", "fc2", "bn2", "drop", "out"),
        s.modules().stream().map(TorchScriptStructure.Module::path).toList());
    TorchScriptStructure.Module bn1 = s.modules().get(2);
    assertEquals("__torch__.torch.nn.modules.batchnorm.BatchNorm1d", bn1.type());
    assertEquals(List.of("weight", "bias"), bn1.parameters());
    assertEquals(List.of("running_mean", "running_var", "num_batches_tracked"), bn1.buffers());
    assertEquals(List.of("bn1", "bn2"),
        s.statisticsModules().stream().map(TorchScriptStructure.Module::path).toList());
    assertEquals(List.of("drop"),
        s.modeDependentModules().stream().map(TorchScriptStructure.Module::path).toList());
    assertEquals("Dropout", s.modeDependentModules().get(0).shortType());
  }

  @Test
  void withoutDropoutNothingElseDependsOnTheMode() throws IOException {
    TorchScriptStructure s = TorchScriptStructure.read(TS.resolve("bn-mlp.pt"));
    assertEquals(List.of(), s.modeDependentModules());
    assertTrue(s.modules().stream().anyMatch(m -> m.shortType().equals("Identity")));
  }

  @Test
  void aFileThatIsNotTorchScriptIsRefusedWithAReason(@TempDir Path dir) throws IOException {
    Path junk = Files.writeString(dir.resolve("x.pt"), "not a zip");
    IOException e = assertThrows(IOException.class, () -> TorchScriptStructure.read(junk));
    assertTrue(e.getMessage().startsWith("not a TorchScript archive"), e.getMessage());
  }
}
