package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.finetune4j.optim.Adam;
import io.github.finetune4j.optim.AdamW;
import io.github.finetune4j.optim.DecayMode;
import io.github.finetune4j.optim.RmsProp;
import io.github.finetune4j.optim.Sgd;
import io.github.finetune4j.recipe.OptimizerSpec;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeReader;
import io.github.finetune4j.recipe.ScheduleSpec;
import io.github.finetune4j.recipe.StageSpec;
import io.github.finetune4j.recipe.UnfreezeSpec;
import io.github.finetune4j.recipe.WeightDecaySpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Policies} maps every kind a recipe allows, and refuses one validation would have refused
 * (a recipe built in Java and never validated) instead of reading it as some other kind.
 */
class PoliciesTest {

  private static OptimizerSpec optimizer(String type) {
    return OptimizerSpec.builder().optType(type).setLr(1e-3).build();
  }

  @Test
  void everyOptimizerTypeHasItsRuleAndAnUnknownOneIsRefused() {
    assertInstanceOf(Sgd.class, Policies.rule(optimizer("sgd")));
    assertInstanceOf(Adam.class, Policies.rule(optimizer("adam")));
    assertInstanceOf(AdamW.class, Policies.rule(optimizer("adamw")));
    assertInstanceOf(RmsProp.class, Policies.rule(optimizer("rmsprop")));
    assertInstanceOf(AdamW.class, Policies.rule(OptimizerSpec.builder().setLr(1e-3).build()));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> Policies.rule(optimizer("lamb")));
    assertEquals("unknown optimizer type 'lamb'", e.getMessage());
  }

  @Test
  void everyScheduleTypeMapsAndAnUnknownOneIsRefused() {
    for (String type :
        List.of("constant", "step", "exponential", "cosine", "one_cycle", "slanted_triangular")) {
      assertNotNull(
          Policies.schedule(ScheduleSpec.builder().optType(type).optMilestones(0.5).build()), type);
    }
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> Policies.schedule(ScheduleSpec.builder().optType("linear").build()));
    assertEquals("unknown schedule type 'linear'", e.getMessage());
  }

  @Test
  void decayModesMapAndAnUnknownOneIsRefused() throws Exception {
    Recipe quickstart = RecipeReader.read(Path.of("recipes/quickstart.yaml"), List.of());
    PlanRow row = new PlanRow("w", "g", "[2]", 2, List.of(true), List.of(1e-3), 0.01, 0.0, "none");
    for (String mode : List.of("coupled", "decoupled")) {
      Recipe r = withDecayMode(quickstart, mode);
      assertEquals(
          mode.equals("coupled") ? DecayMode.COUPLED : DecayMode.DECOUPLED,
          Policies.hyper(r, row, 1e-3).decayMode());
    }
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> Policies.hyper(withDecayMode(quickstart, "l2"), row, 1e-3));
    assertEquals("unknown weight_decay mode 'l2'", e.getMessage());
  }

  private static Recipe withDecayMode(Recipe r, String mode) {
    return r.toBuilder()
        .setOptimizer(
            OptimizerSpec.builder()
                .setLr(1e-3)
                .optWeightDecay(WeightDecaySpec.builder().setValue(0.01).optMode(mode).build())
                .build())
        .build();
  }

  @Test
  void anUnfreezePolicyMustNameItsKind() throws Exception {
    Recipe quickstart = RecipeReader.read(Path.of("recipes/quickstart.yaml"), List.of());
    Recipe none =
        quickstart.toBuilder()
            .optStages((List<StageSpec>) null)
            .optUnfreeze(UnfreezeSpec.builder().build())
            .build();
    assertThrows(IllegalStateException.class, () -> Policies.stages(none));
    Recipe bottomUp =
        quickstart.toBuilder()
            .optStages((List<StageSpec>) null)
            .optUnfreeze(
                UnfreezeSpec.builder()
                    .optGradual(UnfreezeSpec.GradualSpec.builder().optOrder("bottom_up").build())
                    .build())
            .build();
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> Policies.stages(bottomUp));
    assertEquals("unknown gradual unfreezing order 'bottom_up'", e.getMessage());
    Recipe topDown =
        quickstart.toBuilder()
            .optStages((List<StageSpec>) null)
            .optUnfreeze(
                UnfreezeSpec.builder()
                    .optGradual(UnfreezeSpec.GradualSpec.builder().optOrder("top_down").build())
                    .build())
            .build();
    assertEquals(quickstart.groups().size(), Policies.stages(topDown).size());
  }
}
