package io.github.finetune4j.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WarningDetectorTest {

  private static final GroupStats HEALTHY = new GroupStats(1e-3, 1.0, 10.0, 1e-3, 0.01, 0.0);

  private static StepMetrics step(long step, double loss, Map<String, GroupStats> groups) {
    Map<String, Double> lr = new LinkedHashMap<>();
    groups.forEach((g, s) -> lr.put(g, s.lr()));
    return new StepMetrics(step, 100, 1, 0, loss, 10, -1, lr, groups);
  }

  private static StepMetrics step(long step, GroupStats head) {
    return step(step, 0.5, Map.of("head", head));
  }

  private static GroupStats ratio(double r) {
    return new GroupStats(1e-3, 1.0, 10.0, r, 0.01, 0.0);
  }

  private static GroupStats grad(double g) {
    return new GroupStats(1e-3, g, 10.0, 1e-3, 0.01, 0.0);
  }

  @Test
  void healthyStepsFireNothing() {
    WarningDetector d = new WarningDetector(Map.of("*", 1.0));
    for (int s = 1; s <= 50; s++) {
      assertEquals(List.of(), d.accept(step(s, HEALTHY)));
    }
  }

  @Test
  void explodingFiresOncePerGroupWhenSustained() {
    WarningDetector d = new WarningDetector();
    assertEquals(List.of(), d.accept(step(1, ratio(0.1))), "the bound itself is fine");
    assertEquals(List.of(), d.accept(step(2, ratio(0.3))), "one high sample is not enough");
    assertEquals(List.of(), d.accept(step(3, ratio(0.05))), "back to normal resets it");
    assertEquals(List.of(), d.accept(step(4, ratio(0.3))));
    List<RunWarning> w = d.accept(step(5, ratio(0.4)));
    assertEquals(1, w.size());
    assertEquals(new RunWarning(5, "head", "exploding", w.get(0).message()), w.get(0));
    assertTrue(w.get(0).message().contains("4.00e-01"), w.get(0).message());
    assertEquals(List.of(), d.accept(step(6, ratio(0.5))), "fires once only");
    d.accept(step(7, 0.5, Map.of("body", ratio(0.4))));
    List<RunWarning> other = d.accept(step(8, 0.5, Map.of("body", ratio(0.4))));
    assertEquals(List.of("body"), other.stream().map(RunWarning::group).toList());
  }

  @Test
  void unfreezingIsNotAGradientSpike() {
    WarningDetector d = new WarningDetector();
    GroupStats frozen = new GroupStats(0.0, 0.0, 10.0, Double.NaN, 0.0, 1.0);
    for (int i = 1; i <= 20; i++) {
      assertEquals(List.of(), d.accept(step(i, frozen)));
    }
    assertEquals(List.of(), d.accept(step(21, grad(0.8))), "first trained step after frozen ones");
    for (int i = 22; i <= 32; i++) {
      d.accept(step(i, grad(1.0)));
    }
    assertEquals(
        List.of("grad_spike"),
        d.accept(step(33, grad(50.0))).stream().map(RunWarning::cause).toList());
  }

  @Test
  void gradSpikeNeedsTenSamplesThenFiresOnce() {
    WarningDetector d = new WarningDetector();
    assertEquals(List.of(), d.accept(step(1, grad(1.0))));
    assertEquals(List.of(), d.accept(step(2, grad(50.0))), "too few samples for a median");
    for (int s = 3; s <= 10; s++) {
      assertEquals(List.of(), d.accept(step(s, grad(1.0 + s * 0.01))));
    }
    // 10 samples now: {1.0, 50, 1.03..1.10}; median ~ 1.065, so 10.6 is not above 10x but 11 is.
    assertEquals(List.of(), d.accept(step(11, grad(10.6))));
    List<RunWarning> w = d.accept(step(12, grad(20.0)));
    assertEquals(List.of("grad_spike"), w.stream().map(RunWarning::cause).toList());
    assertEquals(12, w.get(0).step());
    assertEquals(List.of(), d.accept(step(13, grad(500.0))), "fires once only");
  }

  @Test
  void vanishingOnlyForTrainableGroups() {
    WarningDetector d = new WarningDetector();
    GroupStats frozenByLr = new GroupStats(0.0, 0.0, 10.0, 0.0, 0.0, 0.0);
    GroupStats frozenByMask = new GroupStats(1e-3, 0.0, 10.0, 0.0, 0.0, 1.0);
    GroupStats notUpdated = new GroupStats(1e-3, 1.0, 10.0, Double.NaN, 0.0, 0.0);
    assertEquals(List.of(), d.accept(step(1, frozenByLr)));
    assertEquals(List.of(), d.accept(step(2, frozenByMask)));
    assertEquals(List.of(), d.accept(step(3, notUpdated)));
    List<RunWarning> w = d.accept(step(4, ratio(1e-9)));
    assertEquals(List.of("vanishing"), w.stream().map(RunWarning::cause).toList());
    assertEquals(List.of(), d.accept(step(5, ratio(1e-10))), "fires once only");
  }

  @Test
  void nanFromLossAndFromGroupStatsOnce() {
    WarningDetector d = new WarningDetector();
    List<RunWarning> w = d.accept(step(1, Double.NaN, Map.of("head", HEALTHY)));
    assertEquals(List.of(new RunWarning(1, "*", "nan", w.get(0).message())), w);
    assertEquals(List.of(), d.accept(step(2, Double.POSITIVE_INFINITY, Map.of("head", HEALTHY))));
    GroupStats badGrad = new GroupStats(1e-3, Double.NaN, 10.0, 1e-3, 0.01, 0.0);
    List<RunWarning> g = d.accept(step(3, badGrad));
    assertEquals(List.of("head"), g.stream().map(RunWarning::group).toList());
    assertEquals("nan", g.get(0).cause());
    assertEquals(List.of(), d.accept(step(4, badGrad)), "fires once only");
    GroupStats badWeights = new GroupStats(1e-3, 1.0, Double.NaN, 1e-3, 0.01, 0.0);
    assertEquals(1, d.accept(step(5, 0.5, Map.of("body", badWeights))).size());
  }

  @Test
  void legitimateNanStatsDoNotFire() {
    WarningDetector d = new WarningDetector(Map.of("*", 0.5));
    GroupStats noPretrained = new GroupStats(1e-3, 1.0, 10.0, Double.NaN, Double.NaN, 0.0);
    assertEquals(List.of(), d.accept(step(1, noPretrained)));
  }

  @Test
  void driftUsesPerGroupBoundsWithDefault() {
    WarningDetector d = new WarningDetector(Map.of("body", 0.05, "*", 0.5));
    GroupStats drifted = new GroupStats(1e-3, 1.0, 10.0, 1e-3, 0.1, 0.0);
    assertEquals(List.of(), d.accept(step(1, drifted)), "head's bound is the default 0.5");
    List<RunWarning> w = d.accept(step(2, 0.5, Map.of("body", drifted)));
    assertEquals(List.of("drift"), w.stream().map(RunWarning::cause).toList());
    assertTrue(w.get(0).message().contains("0.05"), w.get(0).message());
    assertEquals(List.of(), d.accept(step(3, 0.5, Map.of("body", drifted))), "fires once only");
    assertEquals(List.of(), new WarningDetector().accept(step(1, drifted)), "no bounds, no drift");
  }
}
