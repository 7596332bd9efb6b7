package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.github.finetune4j.model.Segmented;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.optim.AdamW;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.params.GroupRule;
import io.github.finetune4j.params.ParamGroups;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.policy.StagePlan;
import io.github.finetune4j.recipe.NamePattern;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The frozen-feature cache: a stage that trains only segments above a frozen prefix gives the same
 * weights whether the prefix's outputs are cached (on the heap or in the spill file) or recomputed
 * every step in inference mode; with the cache off (prefix in training mode, dropout on) they
 * differ, so the comparison can fail.
 */
class FeatureCacheTest {

  @TempDir Path tmp;

  /** Head alone (2 epochs), then layer 1 and the head (2 epochs), then everything (1 epoch). */
  private static final List<StagePlan> STAGES =
      List.of(
          new StagePlan(2, List.of("head"), Map.of()),
          new StagePlan(2, List.of("layer1", "head"), Map.of()),
          new StagePlan(1, List.of("embeddings", "layer0", "layer1", "head"), Map.of()));

  private record Outcome(Map<String, float[]> weights, RunResult result, List<Double> losses) {}

  private Outcome run(FeatureCachePolicy policy) throws Exception {
    Engine.getInstance().setRandomSeed(7);
    BertConfig cfg = new BertConfig(50, 16, 2, 2, 32, 32, 2, 1e-12, 0.1, 0.1);
    TextClassifierBlock block = new TextClassifierBlock(cfg, 2, "mean", 0.2);
    try (Model model = Model.newInstance("cache")) {
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
      model.setBlock(block);
      Map<String, Parameter> params = ParameterNames.trainable(block);
      ParamGroups groups =
          ParamGroups.partition(
              params.keySet(),
              List.of(
                  rule("embeddings", "embeddings.*"),
                  rule("layer0", "encoder.layer.0.*"),
                  rule("layer1", "encoder.layer.1.*"),
                  rule("head", "head.*")));
      Map<String, GroupHyper> h = new LinkedHashMap<>();
      params.keySet().forEach(n -> h.put(n, GroupHyper.of(3e-3).withWeightDecay(0.01)));
      List<Double> losses = new ArrayList<>();
      TinyRun.Capture capture = new TinyRun.Capture();
      TrainSetup setup =
          TrainSetup.builder()
              .setBlock(block)
              .setParams(params)
              .setGroups(groups)
              .setStages(STAGES)
              .setRule(AdamW.defaults())
              .setHyper(h)
              .setTrain(TinyRun.toy(64, 1))
              .setTask(new ClassificationTask(List.of("no7", "has7")))
              .optValid(TinyRun.toy(24, 2))
              .optTest(TinyRun.toy(24, 3))
              .optBatchSize(8)
              .optEvery(1)
              .optSinks(List.of(capture))
              .optFeatureCache(policy)
              .build();
      try (var m = model.getNDManager().newSubManager();
          FineTuner t = new FineTuner(setup, m)) {
        RunResult r = t.run();
        capture.steps.forEach(s -> losses.add(s.loss()));
        Map<String, float[]> w = new LinkedHashMap<>();
        params.forEach((n, p) -> w.put(n, p.getArray().toFloatArray()));
        return new Outcome(w, r, losses);
      }
    }
  }

  private static GroupRule rule(String name, String pattern) {
    return new GroupRule(name, List.of(pattern), List.of(NamePattern.compile(pattern)));
  }

  private FeatureCachePolicy policy(FeatureCachePolicy.Mode mode, long budget) {
    return new FeatureCachePolicy(mode, budget, tmp.resolve("spill"));
  }

  private static double maxDiff(Map<String, float[]> a, Map<String, float[]> b) {
    double d = 0;
    for (String n : a.keySet()) {
      float[] x = a.get(n);
      float[] y = b.get(n);
      for (int i = 0; i < x.length; i++) {
        d = Math.max(d, Math.abs(x[i] - y[i]));
      }
    }
    return d;
  }

  @Test
  void cachedAndRecomputedPrefixesGiveTheSameWeightsAndTheCacheOffDiffers() throws Exception {
    Outcome recomputed = run(policy(FeatureCachePolicy.Mode.RECOMPUTE, 0));
    Outcome cached = run(policy(FeatureCachePolicy.Mode.AUTO, FeatureCachePolicy.DEFAULT_BUDGET));
    Outcome off = run(policy(FeatureCachePolicy.Mode.OFF, 0));
    assertEquals(recomputed.losses().size(), cached.losses().size());
    for (int i = 0; i < cached.losses().size(); i++) {
      assertEquals(recomputed.losses().get(i), cached.losses().get(i), 1e-5, "loss of step " + i);
    }
    double d = maxDiff(recomputed.weights(), cached.weights());
    assertTrue(d < 1e-5, "cached and recomputed weights differ by " + d);
    assertEquals(
        recomputed.result().test().get("accuracy"), cached.result().test().get("accuracy"), 1e-12);
    // the control: dropout in the frozen prefix (cache off) changes the first stage already
    double off0 = Math.abs(off.losses().get(0) - cached.losses().get(0));
    double dOff = maxDiff(off.weights(), cached.weights());
    assertTrue(off0 > 1e-4 && dOff > 1e-3, "cache off should differ: " + off0 + ", " + dOff);
  }

  @Test
  void rowsBeyondTheBudgetSpillToAFileWithTheSameNumbersAndTheFileIsGone() throws Exception {
    Outcome heap = run(policy(FeatureCachePolicy.Mode.AUTO, FeatureCachePolicy.DEFAULT_BUDGET));
    Outcome spilled = run(policy(FeatureCachePolicy.Mode.AUTO, 3000)); // a few rows on the heap
    assertEquals(heap.losses(), spilled.losses());
    for (String n : heap.weights().keySet()) {
      assertTrue(
          java.util.Arrays.equals(heap.weights().get(n), spilled.weights().get(n)),
          n + " differs between heap and file rows");
    }
    Path spill = tmp.resolve("spill");
    assertTrue(Files.isDirectory(spill), "the spill file was never made");
    try (var files = Files.list(spill)) {
      assertEquals(0, files.count(), "the spill file is left behind");
    }
  }

  @Test
  void theBoundaryStopsAtTheFirstSegmentThatTrainsOrUpdatesStatistics() {
    List<Segmented.Segment> segs =
        List.of(
            new Segmented.Segment("a", n -> n.startsWith("a.")),
            new Segmented.Segment("b", n -> n.startsWith("b.")),
            new Segmented.Segment("pool", n -> false),
            new Segmented.Segment("head", n -> n.startsWith("head.")));
    assertEquals(3, FeatureCachePolicy.boundary(segs, Set.of("head.w"), Set.of()));
    assertEquals(1, FeatureCachePolicy.boundary(segs, Set.of("b.w", "head.w"), Set.of()));
    assertEquals(0, FeatureCachePolicy.boundary(segs, Set.of("a.w", "head.w"), Set.of()));
    assertEquals(1, FeatureCachePolicy.boundary(segs, Set.of("head.w"), Set.of("b.running_mean")));
    // a trained parameter no segment owns: nothing is cached
    assertEquals(0, FeatureCachePolicy.boundary(segs, Set.of("head.w", "stray"), Set.of()));
    // nothing trained: all but the last segment
    assertEquals(3, FeatureCachePolicy.boundary(segs, Set.of(), Set.of()));
  }
}
