package io.github.finetune4j.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Unfreezing policies expanded to stages; expected values written out by hand. */
class UnfreezingTest {
  private static final List<String> G = List.of("embeddings", "lower", "upper", "head");

  @Test
  void gradualUnfreezesOneMoreGroupTopDown() {
    List<StagePlan> s = Unfreezing.gradual(G, 1, 2);
    assertEquals(
        List.of(
            new StagePlan(1, List.of("head"), Map.of()),
            new StagePlan(1, List.of("upper", "head"), Map.of()),
            new StagePlan(1, List.of("lower", "upper", "head"), Map.of()),
            new StagePlan(2, G, Map.of())),
        s);
  }

  @Test
  void unfreezeAtWarmsTheBackboneUpByGrowthCappedAtOne() {
    // epoch 3 of 7: two head-only epochs, then 0.1, 0.2, 0.4, 0.8, 1.0 for the backbone.
    List<StagePlan> s = Unfreezing.at(G, List.of("embeddings", "lower", "upper"), 3, 0.1, 2.0, 7);
    assertEquals(6, s.size());
    assertEquals(new StagePlan(2, List.of("head"), Map.of()), s.get(0));
    double[] expected = {0.1, 0.2, 0.4, 0.8, 1.0};
    for (int i = 0; i < expected.length; i++) {
      assertEquals(1, s.get(i + 1).epochs());
      assertEquals(expected[i], s.get(i + 1).scale("lower"), 1e-12);
      assertEquals(1.0, s.get(i + 1).scale("head"));
    }
    // once at 1.0, further epochs merge into one stage
    List<StagePlan> longer = Unfreezing.at(G, List.of("embeddings"), 2, 0.5, 2.0, 6);
    assertEquals(3, longer.size());
    assertEquals(4, longer.get(2).epochs());
    assertEquals(1.0, longer.get(2).scale("embeddings"));
    assertEquals(0.0, longer.get(0).scale("embeddings"));
  }

  @Test
  void lpFtAndFastaiFineTune() {
    assertEquals(
        List.of(new StagePlan(1, List.of("head"), Map.of()), new StagePlan(3, G, Map.of())),
        Unfreezing.lpFt(G, List.of("head"), 1, 3));
    List<StagePlan> ft = Unfreezing.fineTune(G, 1, 4, 100);
    assertEquals(List.of("head"), ft.get(0).trainable());
    // 100^(-1), 100^(-2/3) = 0.0464159, 100^(-1/3) = 0.2154435, 1
    assertEquals(0.01, ft.get(1).scale("embeddings"), 1e-12);
    assertEquals(0.0464159, ft.get(1).scale("lower"), 1e-7);
    assertEquals(0.2154435, ft.get(1).scale("upper"), 1e-7);
    assertEquals(1.0, ft.get(1).scale("head"), 1e-12);
    assertEquals(4, ft.get(1).epochs());
  }

  @Test
  void badArgumentsAreRefused() {
    assertThrows(
        IllegalArgumentException.class, () -> Unfreezing.at(G, List.of("lower"), 1, 0.1, 2, 5));
    assertThrows(
        IllegalArgumentException.class, () -> Unfreezing.at(G, List.of("lower"), 2, 0, 2, 5));
    assertThrows(IllegalArgumentException.class, () -> Unfreezing.gradual(G, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> Unfreezing.fineTune(G, 1, 1, 0.5));
  }
}
