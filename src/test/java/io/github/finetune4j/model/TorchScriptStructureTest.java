package io.github.finetune4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import io.github.finetune4j.params.ParameterNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The module tree read from TorchScript archives written by torch 1.13 (gen_bn_torchscript.py). */
class TorchScriptStructureTest {

  private static final Path TS = Path.of("src/test/resources/models/torchscript");

  @Test
  void readsSubmodulesTheirClassesParametersAndBuffers() throws IOException {
    TorchScriptStructure s = TorchScriptStructure.read(TS.resolve("bn-mlp-dropout.pt"));
    assertEquals(
        List.of("", "fc1", "bn1", "fc2", "bn2", "drop", "out"),
        s.modules().stream().map(TorchScriptStructure.Module::path).toList());
    TorchScriptStructure.Module bn1 = s.modules().get(2);
    assertEquals("__torch__.torch.nn.modules.batchnorm.BatchNorm1d", bn1.type());
    assertEquals(List.of("weight", "bias"), bn1.parameters());
    assertEquals(List.of("running_mean", "running_var", "num_batches_tracked"), bn1.buffers());
    assertEquals(
        List.of("bn1", "bn2"),
        s.statisticsModules().stream().map(TorchScriptStructure.Module::path).toList());
    assertEquals(
        List.of("drop"),
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
  void readsResNetShapedNestingWithMangledClasses() throws IOException {
    TorchScriptStructure s = TorchScriptStructure.read(TS.resolve("tiny-resnet.pt"));
    assertEquals(
        List.of(
            "stem.1",
            "stages.0.0.bn1",
            "stages.0.0.bn2",
            "stages.0.1.bn1",
            "stages.0.1.bn2",
            "stages.0.1.downsample.1",
            "stages.1.0.bn1",
            "stages.1.0.bn2",
            "stages.1.0.downsample.1"),
        s.statisticsModules().stream().map(TorchScriptStructure.Module::path).toList());
    assertTrue(s.statisticsModules().stream().allMatch(m -> m.shortType().equals("BatchNorm2d")));
    assertEquals(
        List.of("drop"),
        s.modeDependentModules().stream().map(TorchScriptStructure.Module::path).toList());
  }

  /** The layer names agree with the parameter names DJL reports for the loaded module. */
  @Test
  void layerNamesAgreeWithTheEnginesParameterNames() throws Exception {
    try (Model model = Model.newInstance("resnet", "PyTorch")) {
      TorchScriptBlock block =
          TorchScriptBlock.load(TS.resolve("tiny-resnet.pt"), model.getNDManager());
      Set<String> params = ParameterNames.trainable(block).keySet();
      NormLayers layers = NormLayers.attach(block);
      assertEquals(9, layers.layers().size());
      for (NormLayers.Layer l : layers.layers()) {
        assertEquals(List.of(l.name() + ".weight", l.name() + ".bias"), l.affine());
        assertTrue(params.containsAll(l.affine()), l + " not in " + params);
      }
      assertTrue(params.contains("stages.1.0.downsample.0.weight"), params.toString());
      block.close();
    }
  }

  @Test
  void aFileThatIsNotTorchScriptIsRefusedWithAReason(@TempDir Path dir) throws IOException {
    Path junk = Files.writeString(dir.resolve("x.pt"), "not a zip");
    IOException e = assertThrows(IOException.class, () -> TorchScriptStructure.read(junk));
    assertTrue(e.getMessage().startsWith("not a TorchScript archive"), e.getMessage());
  }
}
