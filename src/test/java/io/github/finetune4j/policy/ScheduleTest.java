package io.github.finetune4j.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Schedule values at chosen progress points. Every expected number is a literal worked out by hand
 * (the arithmetic is in the comment next to it), never computed by the code under test.
 */
class ScheduleTest {

  private static final double EPS = 1e-12;

  @Test
  void constantIsOneEverywhere() {
    Schedule s = Schedule.constant();
    assertEquals(1.0, s.factor(0.0), EPS);
    assertEquals(1.0, s.factor(0.37), EPS);
    assertEquals(1.0, s.factor(1.0), EPS);
    assertEquals("constant", s.name());
  }

  @Test
  void stepCountsMilestonesReached() {
    Schedule s = Schedule.step(new double[] {0.5, 0.8}, 0.1);
    assertEquals(1.0, s.factor(0.49), EPS); // no milestone reached
    assertEquals(0.1, s.factor(0.5), EPS); // 0.1^1, milestone reached at equality
    assertEquals(0.1, s.factor(0.79), EPS);
    assertEquals(0.01, s.factor(0.8), EPS); // 0.1^2
    assertEquals(0.01, s.factor(1.0), EPS);
    assertEquals("step(milestones=[0.5, 0.8], gamma=0.1)", s.toString());
  }

  @Test
  void exponentialIsEndToThePowerOfProgress() {
    Schedule s = Schedule.exponential(0.01);
    assertEquals(1.0, s.factor(0.0), EPS);
    assertEquals(0.31622776601683794, s.factor(0.25), EPS); // 0.01^0.25 = 10^-0.5
    assertEquals(0.1, s.factor(0.5), EPS); // 0.01^0.5
    assertEquals(0.01, s.factor(1.0), EPS);
  }

  @Test
  void cosineWithFloor() {
    Schedule s = Schedule.cosine(0.1);
    assertEquals(1.0, s.factor(0.0), EPS);
    // 0.1 + 0.9 * (1 + cos(pi/4)) / 2 = 0.1 + 0.9 * 0.8535533905932737
    assertEquals(0.8681980515339464, s.factor(0.25), EPS);
    assertEquals(0.55, s.factor(0.5), EPS); // 0.1 + 0.9 * 0.5
    assertEquals(0.1, s.factor(1.0), EPS);
    assertEquals("cosine", s.name());
    assertEquals("cosine(floor=0.1)", s.toString());
  }

  @Test
  void progressIsClampedAndNanRejected() {
    Schedule s = Schedule.cosine(0.0);
    assertEquals(1.0, s.factor(-3.0), EPS); // clamped to p = 0
    assertEquals(0.0, s.factor(7.0), EPS); // clamped to p = 1
    assertThrows(IllegalArgumentException.class, () -> s.factor(Double.NaN));
  }

  @Test
  void warmupRampsToTheNextScheduleThenHandsOverRescaledProgress() {
    Schedule s = Schedule.warmup(0.1, 0.0, Schedule.cosine(0.0));
    assertEquals(0.0, s.factor(0.0), EPS);
    assertEquals(0.5, s.factor(0.05), EPS); // half-way up from 0 to cosine(0) = 1
    assertEquals(1.0, s.factor(0.1), EPS); // cosine at local 0
    assertEquals(0.5, s.factor(0.55), EPS); // local (0.55-0.1)/0.9 = 0.5 -> (1+cos(pi/2))/2
    assertEquals(0.0, s.factor(1.0), EPS);
    Schedule noWarm = Schedule.warmup(0.0, 0.0, Schedule.constant());
    assertEquals(1.0, noWarm.factor(0.0), EPS);
  }

  @Test
  void oneCycleFollowsFastaiDefaults() {
    OneCycle s = Schedule.oneCycle();
    assertEquals(0.04, s.factor(0.0), EPS); // 1/div = 1/25
    // local 0.5 of the rise: 0.04 + 0.96 * (1 - cos(pi/2)) / 2 = 0.04 + 0.48
    assertEquals(0.52, s.factor(0.125), EPS);
    // local 0.25 of the rise: 0.04 + 0.96 * (1 - cos(pi/4)) / 2 = 0.04 + 0.96 * 0.1464466094
    assertEquals(0.18058874503045716, s.factor(0.0625), EPS);
    assertEquals(1.0, s.factor(0.25), EPS); // peak
    // local 0.5 of the fall: 1 + (1e-5 - 1) * 0.5
    assertEquals(0.500005, s.factor(0.625), EPS);
    assertEquals(1e-5, s.factor(1.0), EPS); // 1/div_final
    assertEquals(0.95, s.momentum(0.0), EPS);
    assertEquals(0.90, s.momentum(0.125), EPS); // 0.95 + (0.85 - 0.95) * 0.5
    assertEquals(0.85, s.momentum(0.25), EPS);
    assertEquals(0.90, s.momentum(0.625), EPS); // 0.85 + (0.95 - 0.85) * 0.5
    assertEquals(0.95, s.momentum(1.0), EPS);
    assertEquals("oneCycle", s.name());
  }

  @Test
  void slantedTriangularUlmfit() {
    Schedule s = Schedule.slantedTriangular();
    assertEquals(0.03125, s.factor(0.0), EPS); // 1/32
    assertEquals(0.515625, s.factor(0.05), EPS); // f = 0.5 -> (1 + 0.5*31)/32 = 16.5/32
    assertEquals(1.0, s.factor(0.1), EPS); // f = 1
    assertEquals(0.515625, s.factor(0.55), EPS); // f = 1 - 0.45/(0.1*9) = 0.5
    assertEquals(0.03125, s.factor(1.0), EPS); // f = 0
  }

  @Test
  void combineHandsLocalProgressToEachPart() {
    Schedule s =
        Schedule.combine(new double[] {0.3, 0.7}, Schedule.linear(0.0, 1.0), Schedule.cosine(0.0));
    assertEquals(0.0, s.factor(0.0), EPS);
    assertEquals(0.5, s.factor(0.15), EPS); // linear at local 0.5
    assertEquals(1.0, s.factor(0.3), EPS); // cosine at local 0
    assertEquals(0.5, s.factor(0.65), EPS); // cosine at local 0.5
    assertEquals(0.0, s.factor(1.0), EPS);
    assertTrue(s.toString().startsWith("combine(0.3: linear(from=0.0, to=1.0)"), s.toString());
  }

  @Test
  void combineSkipsEmptySlices() {
    Schedule s =
        Schedule.combine(
            new double[] {0.0, 1.0, 0.0},
            Schedule.constant(),
            Schedule.linear(0.0, 2.0),
            Schedule.constant());
    assertEquals(0.0, s.factor(0.0), EPS); // the empty first slice is skipped
    assertEquals(1.0, s.factor(0.5), EPS);
    assertEquals(2.0, s.factor(1.0), EPS); // the empty last slice is skipped too
  }

  @Test
  void badArgumentsAreRejectedWithTheirName() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Schedule.combine(
                    new double[] {0.5, 0.6}, Schedule.constant(), Schedule.constant()));
    assertTrue(e.getMessage().contains("sum to 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Schedule.cosine(1.5));
    assertTrue(e.getMessage().contains("floor"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> Schedule.step(new double[] {0.8, 0.5}, 0.1));
    assertTrue(e.getMessage().contains("ascending"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Schedule.exponential(0.0));
    assertThrows(
        IllegalArgumentException.class, () -> Schedule.warmup(1.0, 0.0, Schedule.constant()));
    assertThrows(IllegalArgumentException.class, () -> Schedule.slantedTriangular(0.0, 32));
    assertThrows(IllegalArgumentException.class, () -> OneCycle.of(0.25, 0.0, 1e5, 0.95, 0.85));
  }
}
