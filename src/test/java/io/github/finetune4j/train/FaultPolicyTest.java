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
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.optim.Sgd;
import io.github.finetune4j.params.GroupRule;
import io.github.finetune4j.params.ParamGroups;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.policy.Schedule;
import io.github.finetune4j.policy.StagePlan;
import io.github.finetune4j.recipe.NamePattern;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A run fails on numerical faults instead of reporting success: a step whose gradients are not
 * finite (while its loss is) is skipped and counted, and more skips than the policy allows stop the
 * run, naming the first bad step and the group whose gradient went non-finite.
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
      long maxSkipped, Map<String, float[]> before, Map<String, float[]> after) throws Exception {
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
      TrainSetup setup =
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
              .optEvery(100)
              .optFaults(new FaultPolicy(maxSkipped))
              .build();
      try (NDManager m = model.getNDManager().newSubManager();
          FineTuner t = new FineTuner(setup, m)) {
        RunResult r = t.run();
        params.forEach((n, p) -> after.put(n, p.getArray().toFloatArray()));
        return r;
      }
    }
  }

  @Test
  void moreSkippedStepsThanAllowedFailTheRunNamingTheStepAndTheGroup() throws Exception {
    Map<String, float[]> before = new LinkedHashMap<>();
    Map<String, float[]> after = new LinkedHashMap<>();
    RunResult r = run(3, before, after);
    TrainingFault f = r.fault();
    assertTrue(f != null, "the run must fail");
    assertEquals(4, f.step(), "the 4th skipped step is one more than the 3 allowed");
    assertEquals(4, r.skippedSteps());
    assertEquals(4, r.steps(), "stopped there, not at the end of the 16 steps");
    assertEquals(1, f.firstBadGradientStep());
    assertEquals(List.of("poisoned"), f.badGradientGroups(), "the head's gradient is finite");
    assertEquals(
        "at step 4: 4 steps were skipped for non-finite gradients, more than the 3 allowed"
            + " (train.max_skipped_steps); the gradient first went non-finite at step 1 in group"
            + " poisoned",
        f.message());
    before.forEach(
        (n, w) -> assertArrayEquals(w, after.get(n), 0f, n + ": a skipped step changes nothing"));
    assertTrue(Double.isNaN(r.testLoss()), "no test evaluation after a fault");
  }

  @Test
  void skippedStepsWithinTheBoundDoNotFailTheRun() throws Exception {
    RunResult r = run(100, new LinkedHashMap<>(), new LinkedHashMap<>());
    assertNull(r.fault(), () -> r.fault().message());
    assertEquals(16, r.steps());
    assertEquals(16, r.skippedSteps());
    assertTrue(Double.isFinite(r.testLoss()));
  }

  @Test
  void aNonFiniteTrainingLossFailsTheRunAtThatStep() throws Exception {
    try (TinyRun run = new TinyRun(3)) {
      // after step 2, one head weight becomes NaN: step 3's loss is NaN
      run.capture.afterStep =
          () -> {
            if (run.capture.steps.size() == 2) {
              NDArray w = run.params.get("head.weight").getArray();
              w.set(new NDIndex("0, 0"), Float.NaN);
            }
          };
      RunResult r =
          run.run(
              List.of(new StagePlan(2, List.of("head"), Map.of())),
              Sgd.plain(),
              g -> GroupHyper.of(0.01),
              Schedule.constant(),
              0);
      TrainingFault f = r.fault();
      assertTrue(f != null, "the run must fail");
      assertEquals(3, f.step());
      assertEquals("the training loss is NaN", f.reason());
      assertEquals(3, f.firstBadGradientStep());
      assertEquals(List.of("head"), f.badGradientGroups());
      assertEquals(3, run.capture.steps.size(), "stopped at the bad step");
      assertEquals(0, run.capture.epochs.size());
    }
  }
}
