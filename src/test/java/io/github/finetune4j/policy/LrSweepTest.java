package io.github.finetune4j.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The LR range test's analysis against values worked out by hand. */
class LrSweepTest {

  @Test
  void ratesGrowExponentiallyFromStartToEnd() {
    assertEquals(1e-7, LrSweep.rate(1e-7, 10, 100, 0), 1e-22);
    assertEquals(10, LrSweep.rate(1e-7, 10, 100, 99), 1e-12);
    // halfway in the exponent: sqrt(1e-7 * 10)
    assertEquals(Math.sqrt(1e-6), LrSweep.rate(1e-7, 10, 3, 1), 1e-18);
  }

  @Test
  void smoothingIsTheBiasCorrectedRunningAverage() {
    // a = 0.98 a + 0.02 x; s = a / (1 - 0.98^(i+1)), by hand:
    // i=0: a=0.02*2=0.04, s=0.04/0.02=2
    // i=1: a=0.98*0.04+0.02*4=0.1192, s=0.1192/(1-0.9604)=0.1192/0.0396=3.0101010...
    double[] s = LrSweep.smooth(new double[] {2, 4});
    assertArrayEquals(new double[] {2.0, 0.1192 / 0.0396}, s, 1e-12);
  }

  @Test
  void theLossExplodesAtFourTimesItsSmoothedMinimumOrWhenNotFinite() {
    List<Double> l = new ArrayList<>(List.of(1.0, 1.0, 1.0));
    assertFalse(LrSweep.exploded(l));
    l.add(Double.NaN);
    assertTrue(LrSweep.exploded(l));
    // smoothed of [1, 1, x]: needs s > 4 → x large; 1000 is enough, 2 is not
    assertFalse(LrSweep.exploded(new ArrayList<>(List.of(1.0, 1.0, 2.0))));
    assertTrue(LrSweep.exploded(new ArrayList<>(List.of(1.0, 1.0, 1000.0))));
  }

  /**
   * A made-up curve over 20 steps: flat at 1.0 for steps 0-5, then falling 0.05 a step to 0.5 at
   * step 15, then rising. The valley is halfway along the fall; the steepest fall is inside it;
   * minimum/10 is a tenth of the rate at the bottom.
   */
  @Test
  void suggestionsOnACurveWithAKnownShape() {
    int n = 20;
    double[] lrs = new double[n];
    double[] losses = new double[n];
    for (int i = 0; i < n; i++) {
      lrs[i] = LrSweep.rate(1e-6, 1, n, i);
      losses[i] = i <= 5 ? 1.0 : i <= 15 ? 1.0 - 0.05 * (i - 5) : 0.5 + 0.3 * (i - 15);
    }
    LrSweep a = LrSweep.analyse(lrs, losses, true);
    double[] s = LrSweep.smooth(losses);
    int min = 0;
    for (int i = 1; i < n; i++) {
      if (s[i] < s[min]) {
        min = i;
      }
    }
    assertEquals(lrs[min] / 10, a.minimumTenth(), 1e-18);
    // steepest: the index of the most negative central difference, from n/10 = 2 on
    int steep = 2;
    for (int i = 2; i < n - 1; i++) {
      if (s[i + 1] - s[i - 1] < s[steep + 1] - s[steep - 1]) {
        steep = i;
      }
    }
    assertEquals(lrs[steep], a.steepest(), 1e-18);
    // the valley lies inside the fall, between its start (step 6) and the smoothed minimum
    assertTrue(a.valley() > lrs[5] && a.valley() < lrs[min], a.valley() + " outside the fall");
    assertTrue(a.exploded());
  }

  @Test
  void theValleyIsHalfwayAlongTheLongestDecreasingSubsequence() {
    // 5 > 4 > 3 > 2 > 1 from index 1 to 5 (length 5; 3 > ... from 0 is shorter): 1 + (5-1)/2 = 3
    assertEquals(3, LrSweep.valleyIndex(new double[] {3, 5, 4, 3, 2, 1, 6, 7}));
    // not contiguous: 9 > 8 > 7 > 6 skipping the 10s, indexes 0..6: 0 + 6/2 = 3
    assertEquals(3, LrSweep.valleyIndex(new double[] {9, 10, 8, 10, 7, 10, 6}));
    // nothing falls: the first point
    assertEquals(0, LrSweep.valleyIndex(new double[] {1, 2, 3}));
  }

  @Test
  void aNonFiniteTailIsDroppedAndTooFewStepsSuggestNothing() {
    LrSweep a =
        LrSweep.analyse(
            new double[] {1e-3, 1e-2, 1e-1, 1}, new double[] {1, 0.9, 0.8, Double.NaN}, true);
    assertEquals(3, a.lrs().length);
    assertTrue(Double.isNaN(a.valley()));
  }
}
