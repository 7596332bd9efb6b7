package io.github.finetune4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.github.finetune4j.params.ParameterNames;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TorchScript module with a new head ({@link FeatureModelBlock}): the module's parameters keep
 * their PyTorch names next to {@code head.*}, its BatchNorm layers are found under those names,
 * frozen parameters stay frozen through the first training forward pass, the output mapping is
 * applied, and DJL's parameter file round-trips the module and the head.
 */
class FeatureModelBlockTest {

  private static final Path BN_MLP = Path.of("src/test/resources/models/torchscript/bn-mlp.pt");

  private static float[] run(Block block, NDManager manager, float[] x) {
    try (NDManager sm = manager.newSubManager()) {
      NDArray in = sm.create(x, new Shape(2, 4));
      return block
          .forward(new ParameterStore(sm, false), new NDList(in), false)
          .singletonOrThrow()
          .toFloatArray();
    }
  }

  @Test
  void theModuleKeepsItsNamesAndTheHeadIsAdded() throws Exception {
    try (Model model = Model.newInstance("t", "PyTorch")) {
      TorchScriptBlock ts = TorchScriptBlock.load(BN_MLP, model.getNDManager());
      FeatureModelBlock block =
          new FeatureModelBlock(ts, new long[] {4}, null, 3, 2, 0, null, null);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 4));
      assertEquals(
          List.of(
              "fc1.weight",
              "fc1.bias",
              "bn1.weight",
              "bn1.bias",
              "fc2.weight",
              "fc2.bias",
              "bn2.weight",
              "bn2.bias",
              "out.weight",
              "out.bias",
              "head.weight",
              "head.bias"),
          List.copyOf(ParameterNames.trainable(block).keySet()));
      NormLayers layers = NormLayers.attach(block);
      assertEquals(
          List.of("bn1", "bn2"), layers.layers().stream().map(NormLayers.Layer::name).toList());
      assertEquals(List.of("bn1.weight", "bn1.bias"), layers.layers().get(0).affine());
      assertEquals(
          new Shape(1, 3), FeatureModelBlock.probe(ts, new long[] {4}, null, model.getNDManager()));
    }
  }

  @Test
  void frozenParametersStayFrozenThroughTheFirstTrainingForward() throws Exception {
    for (boolean wrapped : new boolean[] {false, true}) {
      try (Model model = Model.newInstance("t", "PyTorch")) {
        TorchScriptBlock ts = TorchScriptBlock.load(BN_MLP, model.getNDManager());
        Block block = ts;
        if (wrapped) {
          block = new FeatureModelBlock(ts, new long[] {4}, null, 3, 0, 0, null, null);
          block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 4));
        }
        Map<String, Parameter> params = ParameterNames.trainable(block);
        params.values().forEach(p -> p.getArray().setRequiresGradient(false));
        params.get("out.weight").getArray().setRequiresGradient(true);
        try (NDManager sm = model.getNDManager().newSubManager();
            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray out =
              block
                  .forward(
                      new ParameterStore(sm, false),
                      new NDList(sm.randomNormal(new Shape(8, 4))),
                      true)
                  .singletonOrThrow();
          gc.backward(out.sum());
        }
        // DJL would "initialize" a block at its first training forward: every parameter of a
        // TorchScript module would require gradients again.
        assertFalse(params.get("fc1.weight").getArray().hasGradient(), "wrapped " + wrapped);
      }
    }
  }

  @Test
  void theOutputMappingAndTheParameterFileRoundTrip(@TempDir Path dir) throws Exception {
    float[] x = {0.1f, -0.2f, 0.3f, 0.4f, 1f, 2f, -1f, 0.5f};
    float[] scale = {10f, 0.5f};
    float[] shift = {100f, -1f};
    float[] saved;
    try (Model model = Model.newInstance("t", "PyTorch")) {
      TorchScriptBlock ts = TorchScriptBlock.load(BN_MLP, model.getNDManager());
      FeatureModelBlock block =
          new FeatureModelBlock(ts, new long[] {4}, null, 3, 2, 0, scale, shift);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 4));
      model.setBlock(block);
      saved = run(block, model.getNDManager(), x);
      // independently: out = (module(x) W^T + b) * scale + shift
      float[] features = run(ts, model.getNDManager(), x);
      Map<String, Parameter> p = ParameterNames.of(block);
      float[] w = p.get("head.weight").getArray().toFloatArray();
      float[] b = p.get("head.bias").getArray().toFloatArray();
      for (int r = 0; r < 2; r++) {
        for (int j = 0; j < 2; j++) {
          double raw = b[j];
          for (int f = 0; f < 3; f++) {
            raw += features[r * 3 + f] * w[j * 3 + f];
          }
          assertEquals(raw * scale[j] + shift[j], saved[r * 2 + j], 1e-4);
        }
      }
      model.save(dir, "m");
    }
    try (Model model = Model.newInstance("t", "PyTorch")) {
      PtSymbolBlock shell = new PtSymbolBlock((PtNDManager) model.getNDManager());
      FeatureModelBlock block =
          new FeatureModelBlock(shell, new long[] {4}, null, 3, 2, 0, scale, shift);
      model.setBlock(block);
      model.load(dir, "m");
      assertArrayEquals(saved, run(block, model.getNDManager(), x), "reloaded = saved");
    }
  }
}
