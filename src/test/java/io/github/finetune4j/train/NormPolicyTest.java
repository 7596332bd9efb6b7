package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.finetune4j.model.NormLayers;
import io.github.finetune4j.model.TorchScriptBlock;
import io.github.finetune4j.optim.AdamW;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.params.GroupRule;
import io.github.finetune4j.params.ParamGroups;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.policy.NormMode;
import io.github.finetune4j.policy.StagePlan;
import io.github.finetune4j.recipe.NamePattern;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The norm-statistics policy on real engine blocks: DJL-native BatchNorm and BatchNorm inside a
 * TorchScript module (read back through torch's own {@code norm_statistics()} method, see
 * src/test/python/gen_bn_torchscript.py).
 */
class NormPolicyTest {

  private static final Path TS = Path.of("src/test/resources/models/torchscript");

  /** Three Gaussian blobs in 4-D, 96 examples (a multiple of the batch size 16). */
  static FeatureBatches blobs(int n, long seed) {
    Random r = new Random(seed);
    float[][] x = new float[n][4];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % 3;
      for (int j = 0; j < 4; j++) {
        x[i][j] = (float) (r.nextGaussian() * 0.7 + (j == y[i] ? 2.0 : 0.0) + 0.5 * j);
      }
    }
    return new FeatureBatches(x, y);
  }

  private static GroupRule rule(String name, String... patterns) {
    return new GroupRule(
        name, List.of(patterns), Arrays.stream(patterns).map(NamePattern::compile).toList());
  }

  /** A model, its groups, and a run of it under a norm policy. */
  private static final class Rig implements AutoCloseable {
    final Model model;
    final Block block;
    final NormLayers norms;
    final Map<String, Parameter> params;
    final ParamGroups groups;

    Rig(Model model, Block block, List<GroupRule> rules) throws Exception {
      this.model = model;
      this.block = block;
      this.norms = NormLayers.attach(block);
      this.params = ParameterNames.trainable(block);
      this.groups = ParamGroups.partition(params.keySet(), rules);
    }

    RunResult run(List<StagePlan> stages, Map<String, NormMode> modeOfGroup, FeatureBatches train)
        throws Exception {
      Map<String, GroupHyper> h = new LinkedHashMap<>();
      params.keySet().forEach(n -> h.put(n, GroupHyper.of(3e-2)));
      NormSetup ns =
          NormSetup.byAffine(norms, groups, g -> modeOfGroup.getOrDefault(g, NormMode.TRAIN));
      TrainSetup setup =
          TrainSetup.builder()
              .setBlock(block)
              .setParams(params)
              .setGroups(groups)
              .setStages(stages)
              .setRule(AdamW.defaults())
              .setHyper(h)
              .setTrain(train)
              .setTask(new ClassificationTask(List.of("a", "b", "c")))
              .optTest(blobs(48, 9))
              .optBatchSize(16)
              .optSeed(3)
              .optEvalEveryEpoch(false)
              .optEvery(1000)
              .optNorms(ns)
              .build();
      try (var m = model.getNDManager().newSubManager();
          FineTuner t = new FineTuner(setup, m)) {
        return t.run();
      }
    }

    float[] values(String name) {
      return ParameterNames.of(block).get(name).getArray().toFloatArray();
    }

    @Override
    public void close() {
      model.close();
    }
  }

  /** Linear(16) BN ReLU Linear(16) BN ReLU Linear(3), DJL-native: BN layers "1" and "4". */
  private static Rig djl(long seed) throws Exception {
    Engine.getInstance().setRandomSeed((int) seed);
    Block net = freshSequential();
    Model model = Model.newInstance("bn-djl", "PyTorch");
    net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 4));
    model.setBlock(net);
    return new Rig(
        model,
        net,
        List.of(rule("low", "0.*", "1.*"), rule("mid", "3.*", "4.*"), rule("head", "6.*")));
  }

  private static Rig torchScript(String file) throws Exception {
    Model model = Model.newInstance("bn-ts", "PyTorch");
    TorchScriptBlock block = TorchScriptBlock.load(TS.resolve(file), model.getNDManager());
    model.setBlock(block);
    return new Rig(
        model,
        block,
        List.of(rule("low", "fc1.*", "bn1.*"), rule("high", "fc2.*", "bn2.*", "out.*")));
  }

  /** torch's reading of the scripted module's buffers: bn1 mean, var, bn2 mean, var, counts. */
  private static List<float[]> scriptedStatistics(Rig rig) {
    PtSymbolBlock pt = (PtSymbolBlock) rig.block;
    try (IValue out = IValueUtils.runMethod(pt, "norm_statistics")) {
      NDList list = out.toNDList((PtNDManager) rig.model.getNDManager());
      List<float[]> values = new ArrayList<>();
      list.forEach(a -> values.add(a.toFloatArray()));
      list.close();
      return values;
    }
  }

  private static final List<StagePlan> ALL_DJL =
      List.of(new StagePlan(5, List.of("low", "mid", "head"), Map.of()));
  private static final List<StagePlan> ALL_TS =
      List.of(new StagePlan(5, List.of("low", "high"), Map.of()));

  @Test
  void djlFreezeStatsKeepsStatisticsBitIdenticalWhileWeightsAndOtherStatisticsTrain()
      throws Exception {
    try (Rig rig = djl(1)) {
      assertEquals(
          List.of("1", "4"), rig.norms.layers().stream().map(NormLayers.Layer::name).toList());
      float[] mean1 = rig.values("1.running_mean");
      float[] var1 = rig.values("1.running_var");
      float[] gamma1 = rig.values("1.weight");
      float[] mean4 = rig.values("4.running_mean");
      RunResult r = rig.run(ALL_DJL, Map.of("low", NormMode.FREEZE_STATS), blobs(96, 1));
      assertArrayEquals(mean1, rig.values("1.running_mean"));
      assertArrayEquals(var1, rig.values("1.running_var"));
      assertFalse(Arrays.equals(gamma1, rig.values("1.weight")), "the affine weight trains");
      assertFalse(Arrays.equals(mean4, rig.values("4.running_mean")), "train mode updates");
      assertTrue(r.testAccuracy() > 0.8, "learns the blobs: " + r.testAccuracy());
    }
  }

  @Test
  void aWrappedModelSavesInDjlsOwnFormat(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    try (Rig rig = djl(6)) {
      rig.run(ALL_DJL, Map.of("low", NormMode.FREEZE_STATS), blobs(96, 1));
      rig.model.save(dir, "bn");
      { // same architecture, fresh weights, never wrapped
        Model plain = Model.newInstance("plain", "PyTorch");
        SequentialBlock net = (SequentialBlock) freshSequential();
        net.initialize(plain.getNDManager(), DataType.FLOAT32, new Shape(1, 4));
        plain.setBlock(net);
        plain.load(dir, "bn");
        Map<String, Parameter> loaded = ParameterNames.of(net);
        for (String name :
            List.of("1.running_mean", "1.running_var", "1.weight", "4.running_var", "6.weight")) {
          assertArrayEquals(rig.values(name), loaded.get(name).getArray().toFloatArray(), name);
        }
        plain.close();
      }
    }
  }

  private static Block freshSequential() {
    return new SequentialBlock()
        .add(Linear.builder().setUnits(16).build())
        .add(BatchNorm.builder().build())
        .add(Activation.reluBlock())
        .add(Linear.builder().setUnits(16).build())
        .add(BatchNorm.builder().build())
        .add(Activation.reluBlock())
        .add(Linear.builder().setUnits(3).build());
  }

  @Test
  void djlFreezeAllKeepsStatisticsAndAffineParameters() throws Exception {
    try (Rig rig = djl(2)) {
      float[] mean1 = rig.values("1.running_mean");
      float[] gamma1 = rig.values("1.weight");
      float[] beta1 = rig.values("1.bias");
      float[] w0 = rig.values("0.weight");
      rig.run(ALL_DJL, Map.of("low", NormMode.FREEZE_ALL), blobs(96, 1));
      assertArrayEquals(mean1, rig.values("1.running_mean"));
      assertArrayEquals(gamma1, rig.values("1.weight"));
      assertArrayEquals(beta1, rig.values("1.bias"));
      assertFalse(Arrays.equals(w0, rig.values("0.weight")), "the group's Linear still trains");
    }
  }

  @Test
  void djlStatisticsOfAFrozenGroupDoNotMoveEvenInTrainMode() throws Exception {
    try (Rig rig = djl(3)) {
      float[] mean1 = rig.values("1.running_mean");
      float[] mean4 = rig.values("4.running_mean");
      rig.run(List.of(new StagePlan(1, List.of("head"), Map.of())), Map.of(), blobs(96, 1));
      assertArrayEquals(mean1, rig.values("1.running_mean"));
      assertArrayEquals(mean4, rig.values("4.running_mean"));
      rig.run(List.of(new StagePlan(1, List.of("mid", "head"), Map.of())), Map.of(), blobs(96, 1));
      assertArrayEquals(mean1, rig.values("1.running_mean"));
      assertFalse(Arrays.equals(mean4, rig.values("4.running_mean")), "unfrozen: updates");
    }
  }

  @Test
  void djlRecalibrateSetsTheAverageOfBatchStatisticsOfTheTrainingSplit() throws Exception {
    try (Rig rig = djl(4)) {
      FeatureBatches train = blobs(96, 5);
      // Independent expectation: layer "1" normalizes h = x W^T + b of layer "0" (initial weights,
      // since re-estimation runs before the first update); batches are 16 consecutive examples.
      float[] w = rig.values("0.weight"); // [16, 4]
      float[] b = rig.values("0.bias");
      double[] mean = new double[16];
      double[] var = new double[16];
      int batches = 96 / 16;
      for (int k = 0; k < batches; k++) {
        for (int c = 0; c < 16; c++) {
          double[] h = new double[16];
          double s = 0;
          for (int i = 0; i < 16; i++) {
            float[] x = features(train, k * 16 + i);
            double v = b[c];
            for (int j = 0; j < 4; j++) {
              v += (double) w[c * 4 + j] * x[j];
            }
            h[i] = v;
            s += v;
          }
          double m = s / 16;
          double ss = 0;
          for (double v : h) {
            ss += (v - m) * (v - m);
          }
          mean[c] += m / batches;
          var[c] += ss / 15 / batches;
        }
      }
      float[] mean4 = rig.values("4.running_mean");
      rig.run(ALL_DJL, Map.of("low", NormMode.RECALIBRATE), train);
      float[] gotMean = rig.values("1.running_mean");
      float[] gotVar = rig.values("1.running_var");
      for (int c = 0; c < 16; c++) {
        assertEquals(mean[c], gotMean[c], 1e-5 * Math.max(1, Math.abs(mean[c])), "mean " + c);
        assertEquals(var[c], gotVar[c], 1e-5 * Math.max(1, var[c]), "var " + c);
      }
      assertFalse(Arrays.equals(mean4, rig.values("4.running_mean")), "layer 4 trains as usual");
    }
  }

  private static float[] features(FeatureBatches data, int i) {
    try (var m = NDManager.newBaseManager("PyTorch")) {
      return data.inputs(m, new int[] {i}).singletonOrThrow().toFloatArray();
    }
  }

  @Test
  void torchScriptFreezeStatsKeepsBuffersBitIdentical() throws Exception {
    try (Rig rig = torchScript("bn-mlp.pt")) {
      assertEquals(
          List.of("bn1", "bn2"), rig.norms.layers().stream().map(NormLayers.Layer::name).toList());
      assertEquals(NormLayers.Kind.TORCHSCRIPT_BATCH_NORM, rig.norms.layers().get(0).kind());
      List<float[]> before = scriptedStatistics(rig);
      float[] gamma1 = rig.values("bn1.weight");
      RunResult r =
          rig.run(
              ALL_TS,
              Map.of("low", NormMode.FREEZE_STATS, "high", NormMode.FREEZE_STATS),
              blobs(96, 1));
      List<float[]> after = scriptedStatistics(rig);
      for (int i = 0; i < before.size(); i++) {
        assertArrayEquals(before.get(i), after.get(i), "buffer " + i);
      }
      assertEquals(0f, after.get(4)[0], "no batch was tracked");
      assertFalse(Arrays.equals(gamma1, rig.values("bn1.weight")), "the affine weight trains");
      assertTrue(r.testAccuracy() > 0.8, "learns the blobs: " + r.testAccuracy());
    }
  }

  @Test
  void torchScriptTrainModeUpdatesBuffersEveryStep() throws Exception {
    try (Rig rig = torchScript("bn-mlp.pt")) {
      List<float[]> before = scriptedStatistics(rig);
      RunResult r = rig.run(ALL_TS, Map.of(), blobs(96, 1));
      List<float[]> after = scriptedStatistics(rig);
      assertFalse(Arrays.equals(before.get(0), after.get(0)));
      assertEquals((float) r.steps(), after.get(4)[0], "one tracked batch per step");
    }
  }

  @Test
  void torchScriptPlansThatCannotBeHonouredAreRefusedBeforeTraining() throws Exception {
    try (Rig rig = torchScript("bn-mlp.pt")) {
      List<float[]> before = scriptedStatistics(rig);
      IllegalArgumentException mixed =
          assertThrows(
              IllegalArgumentException.class,
              () -> rig.run(ALL_TS, Map.of("low", NormMode.FREEZE_STATS), blobs(96, 1)));
      assertTrue(
          mixed.getMessage().contains("switches all its BatchNorm layers together"),
          mixed.getMessage());
      assertTrue(
          mixed.getMessage().contains("[bn1]") && mixed.getMessage().contains("[bn2]"),
          mixed.getMessage());
      IllegalArgumentException recal =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  rig.run(
                      ALL_TS,
                      Map.of("low", NormMode.RECALIBRATE, "high", NormMode.FREEZE_STATS),
                      blobs(96, 1)));
      assertTrue(
          recal.getMessage().contains("'recalibrate' cannot be honoured"), recal.getMessage());
      assertArrayEquals(before.get(0), scriptedStatistics(rig).get(0), "nothing ran");
    }
    try (Rig rig = torchScript("bn-mlp-dropout.pt")) {
      IllegalArgumentException drop =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  rig.run(
                      ALL_TS,
                      Map.of("low", NormMode.FREEZE_STATS, "high", NormMode.FREEZE_STATS),
                      blobs(96, 1)));
      assertTrue(drop.getMessage().contains("drop (Dropout)"), drop.getMessage());
      // Everything frozen but nothing in the module trains: inference mode is what is wanted.
      assertEquals(
          List.of(),
          NormSetup.byAffine(rig.norms, rig.groups, g -> NormMode.FREEZE_STATS)
              .check(List.of(new StagePlan(1, List.of(), Map.of())), rig.groups, Set.of()));
    }
  }

  @Test
  void aTorchScriptModuleNotLoadedByFinetune4jIsInspectedButRefusedControl() throws Exception {
    try (Model model = Model.newInstance("plain", "PyTorch")) {
      model.load(TS, "bn-mlp");
      assertTrue(model.getBlock() instanceof PtSymbolBlock);
      assertFalse(model.getBlock() instanceof TorchScriptBlock);
      NormLayers norms = NormLayers.attach(model.getBlock());
      assertEquals(NormLayers.Kind.FOREIGN_TORCHSCRIPT_BATCH_NORM, norms.layers().get(0).kind());
      List<String> problems =
          norms.check(List.of(Set.of("bn1", "bn2")), List.of(Set.of()), Set.of());
      assertEquals(1, problems.size(), problems.toString());
      assertTrue(problems.get(0).contains("TorchScriptBlock.load"), problems.get(0));
      assertEquals(List.of(), norms.check(List.of(Set.of()), List.of(Set.of()), Set.of()));
    }
  }

  @Test
  void aBatchNormItsParentCallsDirectlyIsReportedInsteadOfIgnored() throws Exception {
    Engine.getInstance().setRandomSeed(5);
    DirectCall net = new DirectCall();
    try (Model model = Model.newInstance("direct", "PyTorch")) {
      net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 4));
      model.setBlock(net);
      Rig rig = new Rig(model, net, List.of(rule("all", "*")));
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () ->
                  rig.run(
                      List.of(new StagePlan(1, List.of("all"), Map.of())),
                      Map.of("all", NormMode.FREEZE_STATS),
                      blobs(32, 1)));
      assertTrue(e.getMessage().contains("[bn]"), e.getMessage());
    }
  }

  /** A block that keeps its BatchNorm in a field and calls it directly. */
  static final class DirectCall extends AbstractBlock {
    private final BatchNorm bn;
    private final Linear fc;

    DirectCall() {
      fc = addChildBlock("fc", Linear.builder().setUnits(3).build());
      bn = addChildBlock("bn", BatchNorm.builder().build());
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
      return fc.forward(ps, bn.forward(ps, in, training), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {new Shape(inputShapes[0].get(0), 3)};
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
      bn.initialize(manager, dataType, inputShapes);
      fc.initialize(manager, dataType, inputShapes);
    }
  }
}
