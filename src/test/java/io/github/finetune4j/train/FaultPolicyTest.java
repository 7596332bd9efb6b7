package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.optim.Sgd;
import io.github.finetune4j.params.GroupRule;
import io.github.finetune4j.params.ParamGroups;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.policy.Schedule;
import io.github.finetune4j.policy.StagePlan;
import io.github.finetune4j.recipe.NamePattern;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run fails on numerical faults instead of reporting success. With {@code stop} (the default) the
 * first step whose loss or gradient is not finite ends the run without applying its update; with
 * {@code skip} such steps are skipped and counted, and more skips than allowed end it. An update
 * that leaves a weight non-finite (a diverging learning rate) always ends it, and the weights are
 * put back: to the newest checkpoint, or to the weights before training. Each message names the
 * step and the group.
 */
class FaultPolicyTest {

  /**
   * logits = head(mean of the ids) + 0 * sqrt(w - w): the forward pass is finite, but the gradient
   * of {@code w} is 0 / (2 sqrt(0)) = NaN at every step.
   */
  static final class PoisonedBlock extends AbstractBlock {
    private final Parameter w;
    private final Linear head;

    PoisonedBlock() {
      super((byte) 1);
      w =
          addParameter(
              Parameter.builder()
                  .setName("poison")
                  .setType(Parameter.Type.WEIGHT)
                  .optShape(new Shape(1))
                  .optInitializer(Initializer.ONES)
                  .build());
      head = addChildBlock("head", Linear.builder().setUnits(2).build());
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      NDArray x = inputs.get(0).toType(DataType.FLOAT32, false).mean(new int[] {1}, true).div(50f);
      NDArray logits = head.forward(ps, new NDList(x), training).singletonOrThrow();
      NDArray wv = ps.getValue(w, x.getDevice(), training);
      return new NDList(logits.add(wv.sub(wv).sqrt().mul(0f)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {new Shape(inputShapes[0].get(0), 2)};
    }

    @Override
    protected void initializeChildBlocks(
        NDManager manager, DataType dataType, Shape... inputShapes) {
      head.initialize(manager, dataType, new Shape(inputShapes[0].get(0), 1));
    }
  }

  private static RunResult run(
      FaultPolicy policy, Map<String, float[]> before, Map<String, float[]> after)
      throws Exception {
    try (Model model = Model.newInstance("poisoned")) {
      PoisonedBlock block = new PoisonedBlock();
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
      model.setBlock(block);
      Map<String, Parameter> params = ParameterNames.trainable(block);
      ParamGroups groups =
          ParamGroups.partition(
              params.keySet(),
              List.of(
                  new GroupRule("head", List.of("head.*"), List.of(NamePattern.compile("head.*"))),
                  new GroupRule(
                      "poisoned", List.of("poison"), List.of(NamePattern.compile("poison")))));
      Map<String, GroupHyper> h = new LinkedHashMap<>();
      params.keySet().forEach(n -> h.put(n, GroupHyper.of(0.1)));
      params.forEach((n, p) -> before.put(n, p.getArray().toFloatArray()));
      TrainSetup.Builder b =
          TrainSetup.builder()
              .setBlock(block)
              .setParams(params)
              .setGroups(groups)
              .setStages(List.of(new StagePlan(2, List.of("head", "poisoned"), Map.of())))
              .setRule(Sgd.plain())
              .setHyper(h)
              .setTrain(TinyRun.toy(64, 1))
              .setTask(new ClassificationTask(List.of("no7", "has7")))
              .optValid(TinyRun.toy(16, 2))
              .optTest(TinyRun.toy(16, 3))
              .optBatchSize(8)
              .optEvery(100);
      if (policy != null) {
        b.optFaults(policy);
      }
      TrainSetup setup = b.build();
      try (NDManager m = model.getNDManager().newSubManager();
          FineTuner t = new FineTuner(setup, m)) {
        RunResult r = t.run();
        params.forEach((n, p) -> after.put(n, p.getArray().toFloatArray()));
        return r;
      }
    }
  }

  @Test
  void byDefaultTheFirstNonFiniteGradientStopsTheRunNamingTheStepAndTheGroup() throws Exception {
    Map<String, float[]> before = new LinkedHashMap<>();
    Map<String, float[]> after = new LinkedHashMap<>();
    RunResult r = run(null, before, after); // the default policy: stop
    TrainingFault f = r.fault();
    assertTrue(f != null, "the run must fail");
    assertEquals(1, f.step());
    assertEquals(1, r.steps(), "stopped at the first step, not after 16");
    assertEquals(0, r.skippedSteps(), "stop skips nothing");
    assertEquals(
        "at step 1: the gradients are not finite (NaN or infinity); the step's update was not"
            + " applied (train.on_nonfinite: stop); the gradient first went non-finite at step 1"
            + " in group poisoned",
        f.message());
    assertEquals(List.of("poisoned"), f.badGradientGroups(), "the head's gradient is finite");
    assertEquals(0, f.goodStep(), "the weights are those before step 1");
    assertNull(f.restoredFrom(), "nothing went bad in the weights: nothing to restore");
    before.forEach(
        (n, w) -> assertArrayEquals(w, after.get(n), 0f, n + ": the bad step changed nothing"));
    assertTrue(Double.isNaN(r.testLoss()), "no test evaluation after a fault");
  }

  @Test
  void withSkipMoreSkippedStepsThanAllowedFailTheRunNamingTheStepAndTheGroup() throws Exception {
    Map<String, float[]> before = new LinkedHashMap<>();
    Map<String, float[]> after = new LinkedHashMap<>();
    RunResult r = run(FaultPolicy.skip(3), before, after);
    TrainingFault f = r.fault();
    assertTrue(f != null, "the run must fail");
    assertEquals(4, f.step(), "the 4th skipped step is one more than the 3 allowed");
    assertEquals(4, r.skippedSteps());
    assertEquals(4, r.steps(), "stopped there, not at the end of the 16 steps");
    assertEquals(1, f.firstBadGradientStep());
    assertEquals(List.of("poisoned"), f.badGradientGroups(), "the head's gradient is finite");
    assertEquals(
        "at step 4: 4 steps were skipped for a loss or gradients that are not finite, more than"
            + " the 3 allowed (train.max_skipped_steps); the gradient first went non-finite at"
            + " step 1 in group poisoned",
        f.message());
    before.forEach(
        (n, w) -> assertArrayEquals(w, after.get(n), 0f, n + ": a skipped step changes nothing"));
    assertTrue(Double.isNaN(r.testLoss()), "no test evaluation after a fault");
  }

  @Test
  void withSkipSkippedStepsWithinTheBoundDoNotFailTheRun() throws Exception {
    RunResult r = run(FaultPolicy.skip(100), new LinkedHashMap<>(), new LinkedHashMap<>());
    assertNull(r.fault(), () -> r.fault().message());
    assertEquals(16, r.steps());
    assertEquals(16, r.skippedSteps());
    assertTrue(Double.isFinite(r.testLoss()));
  }

  @Test
  void aNonFiniteTrainingLossStopsTheRunAndTheBadWeightsArePutBackToTheOnesBeforeTraining()
      throws Exception {
    try (TinyRun run = new TinyRun(3)) {
      Map<String, float[]> w0 = run.snapshot();
      // after step 2, one head weight becomes NaN (not by an update): step 3's loss is NaN
      run.capture.afterStep =
          () -> {
            if (run.capture.steps.size() == 2) {
              NDArray w = run.params.get("head.weight").getArray();
              w.set(new NDIndex("0, 0"), Float.NaN);
            }
          };
      RunResult r = runToy(run, Schedule.constant());
      TrainingFault f = r.fault();
      assertTrue(f != null, "the run must fail");
      assertEquals(3, f.step());
      assertEquals(
          "the training loss is NaN; the step's update was not applied (train.on_nonfinite: stop)",
          f.reason());
      assertEquals(3, f.firstBadGradientStep());
      assertEquals(
          List.of("embeddings", "encoder", "head"),
          f.badGradientGroups(),
          "a NaN logit sends NaN into every gradient");
      assertEquals(List.of("head"), f.badWeightGroups());
      assertEquals(3, run.capture.steps.size(), "stopped at the bad step");
      assertEquals(0, run.capture.epochs.size());
      assertEquals(0, f.goodStep());
      assertEquals("the weights before training (no checkpoints were written)", f.restoredFrom());
      assertTrue(
          f.message().endsWith("were no longer finite and were restored to " + f.restoredFrom()),
          f.message());
      w0.forEach(
          (n, w) ->
              assertArrayEquals(w, run.snapshot().get(n), 0f, n + ": back to the weights before"));
    }
  }

  @Test
  void withSkipANonFiniteLossIsSkippedAndCounted() throws Exception {
    try (TinyRun run = new TinyRun(3)) {
      run.configure = b -> b.optFaults(FaultPolicy.skip(3));
      run.capture.afterStep =
          () -> {
            if (run.capture.steps.size() == 2) {
              run.params.get("head.weight").getArray().set(new NDIndex("0, 0"), Float.NaN);
            }
          };
      RunResult r = runToy(run, Schedule.constant());
      TrainingFault f = r.fault();
      assertTrue(f != null, "the weights stay NaN: every later step is skipped until the bound");
      assertEquals(4, r.skippedSteps());
      assertEquals(6, f.step(), "steps 3, 4, 5 and 6 skipped: one more than 3");
      assertTrue(f.reason().startsWith("4 steps were skipped"), f.reason());
    }
  }

  /**
   * A diverging learning rate: from step 9 on the schedule multiplies it by 1e40 (lr 1e38), so the
   * weights blow up. The run stops, and the weights that went bad are not kept: they are restored
   * from the checkpoint written after step 8.
   */
  @Test
  void aDivergingLearningRateStopsTheRunAndRestoresTheNewestGoodCheckpoint(@TempDir Path tmp)
      throws Exception {
    try (TinyRun run = new TinyRun(5)) {
      Path root = tmp.resolve("checkpoints");
      run.configure = b -> b.optCheckpoints(policy(root));
      RunResult r = runToy(run, Schedule.step(new double[] {0.5}, 1e40));
      TrainingFault f = r.fault();
      assertTrue(f != null, "the run must fail");
      assertEquals(DIVERGED_AT, f.step(), f::message);
      assertEquals(DIVERGED_REASON, f.reason());
      assertEquals(8, f.goodStep());
      assertEquals("the checkpoint after step 8", f.restoredFrom());
      assertTrue(f.message().endsWith("restored to the checkpoint after step 8"), f.message());
      Checkpoint c = Checkpoint.read(root.resolve("step-000000008"));
      run.snapshot()
          .forEach(
              (n, w) ->
                  assertArrayEquals(
                      c.tensors().get("w/" + n).values(), w, 0f, n + ": the checkpoint's weights"));
    }
  }

  @Test
  void aDivergingLearningRateWithoutCheckpointsRestoresTheWeightsBeforeTraining() throws Exception {
    try (TinyRun run = new TinyRun(5)) {
      Map<String, float[]> w0 = run.snapshot();
      RunResult r = runToy(run, Schedule.step(new double[] {0.5}, 1e40));
      TrainingFault f = r.fault();
      assertEquals(DIVERGED_AT, f.step(), f::message);
      assertEquals(0, f.goodStep());
      assertEquals("the weights before training (no checkpoints were written)", f.restoredFrom());
      w0.forEach((n, w) -> assertArrayEquals(w, run.snapshot().get(n), 0f, n));
    }
  }

  /**
   * A learning rate beyond float range (lr 0.01 × 1e45 from step 9) would make the update kernel
   * throw; instead the step is a fault naming the groups, its update is not applied, and the
   * weights stay those after step 8.
   */
  @Test
  void aLearningRateLargerThanAFloatHoldsIsAFaultNotACrash(@TempDir Path tmp) throws Exception {
    try (TinyRun run = new TinyRun(5)) {
      Path root = tmp.resolve("checkpoints");
      run.configure = b -> b.optCheckpoints(policy(root));
      RunResult r = runToy(run, Schedule.step(new double[] {0.5}, 1e45));
      TrainingFault f = r.fault();
      assertEquals(9, f.step());
      assertEquals(
          "the learning rate of groups embeddings, encoder, head is larger than a float holds"
              + " (3.4e38) at this step; the step's update was not applied (check optimizer.lr,"
              + " the groups' lr and the schedule)",
          f.reason());
      assertNull(f.restoredFrom());
      assertEquals(8, f.goodStep());
      Checkpoint c = Checkpoint.read(root.resolve("step-000000008"));
      run.snapshot()
          .forEach((n, w) -> assertArrayEquals(c.tensors().get("w/" + n).values(), w, 0f, n));
    }
  }

  private static final long DIVERGED_AT = 10;

  /** The lr 1e38 update of step 9 leaves huge but finite weights; step 10's loss is NaN. */
  private static final String DIVERGED_REASON =
      "the training loss is NaN; the step's update was not applied (train.on_nonfinite: stop)";

  private static CheckpointPolicy policy(Path root) {
    return new CheckpointPolicy(
        root, 2, 2, JsonNodeFactory.instance.objectNode(), null, null, null);
  }

  private static RunResult runToy(TinyRun run, Schedule schedule) throws Exception {
    return run.run(
        List.of(new StagePlan(2, List.of("embeddings", "encoder", "head"), Map.of())),
        Sgd.plain(),
        g -> GroupHyper.of(0.01),
        schedule,
        0);
  }
}
