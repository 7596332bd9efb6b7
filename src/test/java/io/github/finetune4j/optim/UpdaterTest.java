package io.github.finetune4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Single steps whose results are worked out by hand in the comments (penalties, decay modes,
 * momentum override), plus the in-place, memory and state contracts of {@link Updater}.
 *
 * <p>Adam's first step with {@code eps = 0} is {@code w - lr * sign(g)} whatever the betas: {@code
 * m = (1 - b1) g}, {@code v = (1 - b2) g^2}, so {@code m / (1 - b1) / (sqrt(v) / sqrt(1 - b2)) = g
 * / |g|}. That makes the effect of a penalty on the gradient's sign easy to predict by hand.
 */
class UpdaterTest {

  private static final double EPS = 1e-6;
  private static final float[] W = {0.5f, -0.25f, 0.0f, 1.0f};
  private static final float[] ANCHOR = {0.4f, -0.25f, 0.2f, 1.2f}; // w - w0 = [0.1, 0, -0.2, -0.2]

  private NDManager manager;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  private float[] oneStep(UpdateRule rule, float[] grad, GroupHyper hyper, float[] anchor) {
    NDArray w = manager.create(W.clone());
    w.setRequiresGradient(true);
    NDArray g = manager.create(grad);
    NDArray a = anchor == null ? null : manager.create(anchor);
    try (Updater u = new Updater(rule, manager)) {
      u.step(List.of(new ParamSlot("w", w, g, hyper, a)));
    }
    return w.toFloatArray();
  }

  @Test
  void l1IsCoupledSignOfWeights() {
    // g' = g + 0.05 sign(w) = [0.15, 0.15, -0.3, 0.05] (sign(0) = 0); w - 0.1 g'
    float[] out =
        oneStep(
            Sgd.plain(),
            new float[] {0.1f, 0.2f, -0.3f, 0f},
            GroupHyper.of(0.1).withL1(0.05),
            null);
    assertArrayEquals(new float[] {0.485f, -0.265f, 0.03f, 0.995f}, out, (float) EPS);
  }

  @Test
  void l2spCoupledPullsTheGradientTowardTheAnchor() {
    // SGD: g' = g + 0.5 (w - w0) = [0.15, 0.2, -0.4, -0.1]; w - 0.1 g'
    float[] out =
        oneStep(
            Sgd.plain(),
            new float[] {0.1f, 0.2f, -0.3f, 0f},
            GroupHyper.of(0.1).withL2sp(0.5, DecayMode.COUPLED),
            ANCHOR);
    assertArrayEquals(new float[] {0.485f, -0.27f, 0.04f, 1.01f}, out, (float) EPS);
    // Adam, eps 0: g' = [0.15, 0.2, -0.4, -0.05] -> w - 0.01 sign(g') = w - 0.01 [1, 1, -1, -1]
    out =
        oneStep(
            new Adam(0.9, 0.999, 0.0, false),
            new float[] {0.1f, 0.2f, -0.3f, 0.05f},
            GroupHyper.of(0.01).withL2sp(0.5, DecayMode.COUPLED),
            ANCHOR);
    assertArrayEquals(new float[] {0.49f, -0.26f, 0.01f, 1.01f}, out, (float) EPS);
  }

  @Test
  void l2spDecoupledMovesTheWeightsBeforeTheRule() {
    // w1 = w - 0.01 * 0.5 (w - w0) = [0.4995, -0.25, 0.001, 1.001];
    // Adam on the raw g = [0.1, 0.2, -0.3, 0.05]: w1 - 0.01 [1, 1, -1, 1]
    float[] out =
        oneStep(
            new Adam(0.9, 0.999, 0.0, false),
            new float[] {0.1f, 0.2f, -0.3f, 0.05f},
            GroupHyper.of(0.01).withL2sp(0.5, DecayMode.DECOUPLED),
            ANCHOR);
    assertArrayEquals(new float[] {0.4895f, -0.26f, 0.011f, 0.991f}, out, (float) EPS);
  }

  @Test
  void weightDecayModes() {
    float[] g = {0.1f, 0.2f, -0.3f, 0.05f};
    // AdamW default (decoupled): w1 = w (1 - 0.01 * 0.1) = [0.4995, -0.24975, 0, 0.999];
    // then w1 - 0.01 sign(g) = w1 - 0.01 [1, 1, -1, 1]
    float[] out =
        oneStep(
            new AdamW(0.9, 0.999, 0.0, false), g, GroupHyper.of(0.01).withWeightDecay(0.1), null);
    assertArrayEquals(new float[] {0.4895f, -0.25975f, 0.01f, 0.989f}, out, (float) EPS);
    // The same rule told to couple: g' = g + 0.1 w = [0.15, 0.175, -0.3, 0.15], same signs,
    // and the weights are not shrunk: w - 0.01 [1, 1, -1, 1]
    out =
        oneStep(
            new AdamW(0.9, 0.999, 0.0, false),
            g,
            GroupHyper.of(0.01).withWeightDecay(0.1, DecayMode.COUPLED),
            null);
    assertArrayEquals(new float[] {0.49f, -0.26f, 0.01f, 0.99f}, out, (float) EPS);
    // Decoupled decay on SGD (no torch equivalent): w (1 - 0.1 * 0.1) - 0.1 g
    //   = [0.495, -0.2475, 0, 0.99] - [0.01, 0.02, -0.03, 0.005]
    out =
        oneStep(Sgd.plain(), g, GroupHyper.of(0.1).withWeightDecay(0.1, DecayMode.DECOUPLED), null);
    assertArrayEquals(new float[] {0.485f, -0.2675f, 0.03f, 0.985f}, out, (float) EPS);
  }

  @Test
  void momentumOverrideReplacesTheRulesMomentumForThatStep() {
    NDArray w = manager.create(new float[] {1f});
    NDArray g = manager.create(new float[] {1f});
    try (Updater u = new Updater(Sgd.momentum(0.9), manager)) {
      GroupHyper h = GroupHyper.of(0.1).withMomentum(0.5);
      u.step(List.of(ParamSlot.of("w", w, g, h))); // buf = g = 1; w = 1 - 0.1 = 0.9
      u.step(List.of(ParamSlot.of("w", w, g, h))); // buf = 0.5 * 1 + 1 = 1.5; w = 0.9 - 0.15
      assertEquals(0.75f, w.getFloat(), EPS);
      u.step(List.of(ParamSlot.of("w", w, g, GroupHyper.of(0.1)))); // buf = 0.9*1.5+1 = 2.35
      assertEquals(0.515f, w.getFloat(), EPS); // 0.75 - 0.235
      assertEquals(3, u.stepCount("w"));
    }
  }

  /**
   * The fused SGD path (TorchScript, {@link FusedKernels}) against the DJL operations of {@link
   * Sgd#update}, over five steps with a learning rate and a momentum that change every step, in one
   * updater whose steps mix slots of both paths (first momentum steps, L1, decoupled decay).
   */
  @Test
  void fusedSgdAgreesWithTheDjlOperations() {
    Sgd[] rules = {Sgd.plain(), Sgd.momentum(0.9), new Sgd(0.8, 0.3, false), new Sgd(0.9, 0, true)};
    for (Sgd rule : rules) {
      float[][] fused = sgdTrajectory(rule, true);
      float[][] djl = sgdTrajectory(rule, false);
      for (int k = 0; k < fused.length; k++) {
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < fused[k].length; i++) {
          scale = Math.max(scale, Math.abs(djl[k][i]));
          diff = Math.max(diff, Math.abs(fused[k][i] - djl[k][i]));
        }
        // one rounding (FMA) against two per product: a few float32 ulps after five steps
        assertTrue(diff <= 1e-6 * Math.max(scale, 0.1), rule + " array " + k + ": " + diff);
      }
    }
  }

  /**
   * The fused Adam/AdamW path against the DJL operations: five steps with a learning rate and a
   * beta1 that change every step; slot 0 decays (coupled for Adam, decoupled for AdamW), slot 1
   * does not, slot 2 has L1 (DJL path) in the same step.
   */
  @Test
  void fusedAdamAgreesWithTheDjlOperations() {
    UpdateRule[] rules = {
      Adam.defaults(),
      new Adam(0.9, 0.99, 1e-6, true),
      AdamW.defaults(),
      new AdamW(0.9, 0.999, 1e-8, true)
    };
    for (UpdateRule rule : rules) {
      float[][] fused = sgdTrajectory(rule, true);
      float[][] djl = sgdTrajectory(rule, false);
      assertEquals(djl.length, fused.length);
      for (int k = 0; k < fused.length; k++) {
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < fused[k].length; i++) {
          scale = Math.max(scale, Math.abs(djl[k][i]));
          diff = Math.max(diff, Math.abs(fused[k][i] - djl[k][i]));
        }
        assertTrue(diff <= 1e-6 * Math.max(scale, 0.1), rule + " array " + k + ": " + diff);
      }
      assertFalse(
          Arrays.deepEquals(sgdTrajectory(rule, true), sgdTrajectory(Sgd.plain(), true)),
          "the rule matters");
    }
  }

  /**
   * The built-in SGD, Adam and AdamW take their fused batch (the TorchScript kernels) wherever they
   * did before the rules were opened, and only there: counted by {@link
   * Updater#fusedTensorUpdates()}.
   */
  @Test
  void theBuiltInRulesTakeTheFusedKernels() {
    // SGD with momentum: the first step clones the buffer (DJL), the second is fused.
    assertEquals(List.of(0L, 2L), fusedCounts(Sgd.momentum(0.9), GroupHyper.of(0.1), true));
    assertEquals(
        List.of(2L, 4L), fusedCounts(Sgd.plain(), GroupHyper.of(0.1).withWeightDecay(0.1), true));
    assertEquals(List.of(2L, 4L), fusedCounts(Adam.defaults(), GroupHyper.of(0.1), true));
    assertEquals(
        List.of(2L, 4L),
        fusedCounts(AdamW.defaults(), GroupHyper.of(0.1).withWeightDecay(0.1), true));
    assertEquals(
        List.of(2L, 4L),
        fusedCounts(new AdamW(0.9, 0.99, 1e-8, true), GroupHyper.of(0.1).withMomentum(0.5), true));
    // What the kernels do not cover takes the DJL operations of the rule's update().
    assertEquals(
        List.of(0L, 0L), fusedCounts(Adam.defaults(), GroupHyper.of(0.1).withL1(0.01), true));
    assertEquals(
        List.of(0L, 0L),
        fusedCounts(
            Sgd.plain(), GroupHyper.of(0.1).withWeightDecay(0.1, DecayMode.DECOUPLED), true));
    assertEquals(List.of(0L, 0L), fusedCounts(RmsProp.defaults(), GroupHyper.of(0.1), true));
    assertEquals(List.of(0L, 0L), fusedCounts(AdamW.defaults(), GroupHyper.of(0.1), false));
  }

  /** Fused tensor updates after each of two steps over two parameters. */
  private List<Long> fusedCounts(UpdateRule rule, GroupHyper h, boolean fused) {
    List<Long> out = new ArrayList<>();
    try (NDManager m = manager.newSubManager();
        Updater u = new Updater(rule, m)) {
      u.useFusedKernels(fused);
      NDArray a = m.create(new float[] {0.5f, -0.25f});
      NDArray b = m.create(new float[] {1f, 2f, 3f});
      for (int t = 0; t < 2; t++) {
        u.step(
            List.of(
                ParamSlot.of("a", a, m.create(new float[] {0.1f, 0.2f}), h),
                ParamSlot.of("b", b, m.create(new float[] {-0.1f, 0.3f, 0.2f}), h)));
        out.add(u.fusedTensorUpdates());
      }
    }
    return out;
  }

  /** Weights and state buffers after five steps: slot 0 weight decay, 1 none, 2 L1. */
  private float[][] sgdTrajectory(UpdateRule rule, boolean fused) {
    float[][] init = {{0.5f, -0.25f, 0.125f, 1.0f, -0.75f}, {0.3f, -0.6f}, {0.2f, -0.4f, 0.1f}};
    try (NDManager m = manager.newSubManager();
        Updater u = new Updater(rule, m)) {
      u.useFusedKernels(fused);
      NDArray[] w = new NDArray[init.length];
      for (int k = 0; k < w.length; k++) {
        w[k] = m.create(init[k].clone());
        w[k].setRequiresGradient(true);
      }
      for (int t = 1; t <= 5; t++) {
        double mom = rule.defaultMomentum() == 0 ? 0 : 0.5 + 0.08 * t;
        GroupHyper h = GroupHyper.of(0.1 / t).withMomentum(mom);
        List<ParamSlot> slots = new ArrayList<>();
        for (int k = 0; k < w.length; k++) {
          float[] g = w[k].toFloatArray();
          for (int i = 0; i < g.length; i++) {
            g[i] = (float) (2 * g[i] + 0.1 * Math.sin(t + i + k)); // gradient of a quadratic
          }
          GroupHyper hk =
              k == 0 ? h.withWeightDecay(0.05) : k == 2 ? h.withL1(0.01).withWeightDecay(0.05) : h;
          slots.add(ParamSlot.of("p" + k, w[k], m.create(g), hk));
        }
        u.step(slots);
      }
      Map<String, ParamState> state = u.exportState();
      List<float[]> out = new ArrayList<>();
      for (int k = 0; k < w.length; k++) {
        out.add(w[k].toFloatArray());
        new TreeMap<>(state.get("p" + k).buffers()).values().forEach(out::add);
      }
      return out.toArray(float[][]::new);
    }
  }

  @Test
  void fusedSgdUsesTheGradientAsScratch() {
    // Documents the contract of Updater.step: a gradient's contents are unspecified afterwards.
    // Here plain SGD with coupled decay: g <- g + 0.5 w = [1.5, 2.5] in place; w - 0.1 g.
    NDArray w = manager.create(new float[] {1f, 2f});
    NDArray g = manager.create(new float[] {1f, 1.5f});
    try (Updater u = new Updater(Sgd.plain(), manager)) {
      u.step(List.of(ParamSlot.of("w", w, g, GroupHyper.of(0.1).withWeightDecay(0.5))));
    }
    assertArrayEquals(new float[] {0.85f, 1.75f}, w.toFloatArray(), 1e-7f);
    assertArrayEquals(new float[] {1.5f, 2.5f}, g.toFloatArray(), 1e-7f, "the fused path ran");
    // With the DJL operations the gradient happens to be left alone.
    NDArray g2 = manager.create(new float[] {1f, 1.5f});
    try (Updater u = new Updater(Sgd.plain(), manager)) {
      u.useFusedKernels(false);
      u.step(List.of(ParamSlot.of("w", w, g2, GroupHyper.of(0.1).withWeightDecay(0.5))));
    }
    assertArrayEquals(new float[] {1f, 1.5f}, g2.toFloatArray());
  }

  @Test
  void updatesTheParameterInPlaceInsideAGradientCollector() {
    NDArray x = manager.create(new float[] {1f, -2f, 3f});
    x.setRequiresGradient(true);
    try (Updater u = new Updater(Sgd.plain(), manager);
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray loss = x.mul(x).sum();
      gc.backward(loss); // grad = 2x
      NDArray grad = x.getGradient();
      // Still inside the collector, grad mode is on: torch refuses in-place ops on the leaf.
      assertThrows(Exception.class, () -> x.subi(1f));
      u.step(List.of(ParamSlot.of("x", x, grad, GroupHyper.of(0.25))));
      // x - 0.25 * 2x = 0.5x
      assertArrayEquals(new float[] {0.5f, -1f, 1.5f}, x.toFloatArray(), 1e-7f);
      assertTrue(x.hasGradient(), "still an autograd leaf");
    }
  }

  @Test
  void nativeMemoryStaysFlatAcrossSteps() {
    NDArray w = manager.create(new float[] {1f, 2f, 3f, 4f});
    try (NDManager grads = NDManager.newBaseManager();
        Updater u = new Updater(new AdamW(0.9, 0.999, 1e-8, true), manager)) {
      NDArray anchor = manager.create(new float[] {0f, 0f, 0f, 0f});
      GroupHyper h =
          GroupHyper.of(0.01).withWeightDecay(0.01).withL1(1e-3).withL2sp(0.1, DecayMode.COUPLED);
      NDArray g = grads.create(new float[] {0.1f, -0.1f, 0.2f, -0.2f});
      u.step(List.of(new ParamSlot("w", w, g, h, anchor)));
      int after1 = manager.getManagedArrays().size();
      for (int i = 0; i < 10; i++) {
        u.step(List.of(new ParamSlot("w", w, g, h, anchor)));
      }
      assertEquals(after1, manager.getManagedArrays().size());
      assertEquals(
          1, grads.getManagedArrays().size(), "nothing was attached to the grad's manager");
    }
  }

  @Test
  void exportAndImportRoundTripsState() {
    NDArray w = manager.create(new float[] {1f, 2f});
    NDArray g = manager.create(new float[] {0.5f, -0.5f});
    Map<String, ParamState> saved;
    try (Updater u = new Updater(new RmsProp(0.9, 1e-8, 0.5, true), manager)) {
      u.step(List.of(ParamSlot.of("w", w, g, GroupHyper.of(0.01))));
      saved = u.exportState();
    }
    ParamState s = saved.get("w");
    assertEquals(1, s.step());
    assertArrayEquals(new long[] {2}, s.shape());
    // square_avg = 0.1 g^2 = [0.025, 0.025]; grad_avg = 0.1 g = [0.05, -0.05]
    assertArrayEquals(new float[] {0.025f, 0.025f}, s.buffers().get("square_avg"), 1e-9f);
    assertArrayEquals(new float[] {0.05f, -0.05f}, s.buffers().get("grad_avg"), 1e-9f);
    try (Updater u = new Updater(new RmsProp(0.9, 1e-8, 0.5, true), manager)) {
      u.importState(saved);
      assertEquals(1, u.stepCount("w"));
      assertArrayEquals(
          saved.get("w").buffers().get("momentum_buffer"),
          u.exportState().get("w").buffers().get("momentum_buffer"));
      assertThrows(
          IllegalStateException.class,
          () ->
              u.step(
                  List.of(
                      ParamSlot.of(
                          "w",
                          manager.create(new float[] {1f, 2f, 3f}),
                          manager.create(new float[] {1f, 2f, 3f}),
                          GroupHyper.of(0.01)))));
    }
    try (Updater u = new Updater(Sgd.plain(), manager)) {
      assertThrows(IllegalArgumentException.class, () -> u.importState(saved));
    }
  }

  @Test
  void rejectsBadSlots() {
    NDArray w = manager.create(new float[] {1f, 2f});
    NDArray g = manager.create(new float[] {1f, 2f});
    try (Updater u = new Updater(Sgd.plain(), manager)) {
      ParamSlot s = ParamSlot.of("w", w, g, GroupHyper.of(0.1));
      assertThrows(IllegalArgumentException.class, () -> u.step(List.of(s, s)));
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> ParamSlot.of("w", w, g, GroupHyper.of(0.1).withL2sp(0.1, DecayMode.COUPLED)));
    assertThrows(
        IllegalArgumentException.class,
        () -> ParamSlot.of("w", w, manager.create(new float[] {1f}), GroupHyper.of(0.1)));
    assertThrows(IllegalArgumentException.class, () -> GroupHyper.of(-1.0));
    assertThrows(IllegalArgumentException.class, () -> GroupHyper.of(0.1).withMomentum(1.0));
    assertThrows(IllegalArgumentException.class, () -> new Sgd(0.0, 0.0, true));
    assertThrows(IllegalArgumentException.class, () -> new Adam(1.0, 0.999, 1e-8, false));
  }

  @Test
  void returnsTheSameArrayObjects() {
    NDArray w = manager.create(new float[] {1f});
    NDArray g = manager.create(new float[] {1f});
    ParamSlot slot = ParamSlot.of("w", w, g, GroupHyper.of(0.5));
    try (Updater u = new Updater(Sgd.plain(), manager)) {
      u.step(List.of(slot));
    }
    assertSame(w, slot.weight());
    assertEquals(0.5f, w.getFloat(), 0f);
  }
}
