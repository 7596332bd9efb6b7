package io.github.finetune4j.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** LR spreads; expected values are literals worked out by hand in the comments. */
class LrSpreadTest {

  private static final double EPS = 1e-15;

  @Test
  void discriminativeDividesEachLowerGroupOnceMore() {
    // [1/2.6^2, 1/2.6, 1] = [1/6.76, 0.384615..., 1]
    assertArrayEquals(
        new double[] {0.14792899408284022, 0.3846153846153846, 1.0},
        LrSpread.discriminative(3, 2.6),
        EPS);
    assertArrayEquals(new double[] {1.0}, LrSpread.discriminative(1, 2.6), EPS);
  }

  @Test
  void geometricSpansLoToHi() {
    assertArrayEquals(new double[] {1e-5, 1e-4, 1e-3}, LrSpread.geometric(3, 1e-5, 1e-3), 1e-18);
    assertArrayEquals(new double[] {1, 2, 4, 8, 16}, LrSpread.geometric(5, 1, 16), 1e-12);
    assertArrayEquals(new double[] {0.5, 0.5}, LrSpread.geometric(2, 0.5, 0.5), EPS);
  }

  @Test
  void layerDecayPowersFromTheTop() {
    // 0.5^3, 0.5^2, 0.5^1, 0.5^0
    assertArrayEquals(new double[] {0.125, 0.25, 0.5, 1.0}, LrSpread.layerDecay(4, 0.5), EPS);
    assertArrayEquals(new double[] {1.0, 1.0}, LrSpread.layerDecay(2, 1.0), EPS);
  }

  @Test
  void invalidInputsNameTheArgument() {
    assertMessage(() -> LrSpread.discriminative(0, 2.6), "n (number of groups) must be >= 1");
    assertMessage(() -> LrSpread.discriminative(3, 0.0), "factor must be");
    assertMessage(() -> LrSpread.discriminative(3, -2.0), "factor must be");
    assertMessage(() -> LrSpread.geometric(1, 1e-5, 1e-3), "must be >= 2");
    assertMessage(() -> LrSpread.geometric(3, 0.0, 1e-3), "lo must be");
    assertMessage(() -> LrSpread.geometric(3, 1e-5, -1.0), "hi must be");
    assertMessage(() -> LrSpread.layerDecay(3, 0.0), "d must be in (0, 1]");
    assertMessage(() -> LrSpread.layerDecay(3, 1.1), "d must be in (0, 1]");
    assertMessage(() -> LrSpread.layerDecay(3, Double.NaN), "d must be in (0, 1]");
  }

  private static void assertMessage(Runnable call, String fragment) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }
}
