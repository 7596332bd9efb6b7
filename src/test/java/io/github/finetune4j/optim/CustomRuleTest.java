package io.github.finetune4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.github.finetune4j.examples.CustomRuleLion.Lion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Update rules written by a user, outside the library's rules, plugged into {@link Updater} through
 * the public {@link UpdateRule} contract only: a stateless sign SGD, Lion with a state buffer, a
 * rule that applies weight decay itself, and a rule with its own batched path. Expected values are
 * worked out by hand in the comments or in double precision in the test.
 */
class CustomRuleTest {

  private static final float[] W = {0.5f, -0.25f, 0.0f, 1.0f};
  private static final float[] G = {0.1f, -0.2f, 0.3f, 0f};
  private static final float[] ANCHOR = {0.4f, -0.25f, 0.2f, 1.2f}; // w - w0 = [0.1, 0, -0.2, -0.2]
  private static final float TOL = 1e-6f;

  /** signSGD: {@code w -= lr * sign(g)}. Stateless: only the two abstract methods. */
  record SignSgd() implements UpdateRule {
    @Override
    public String name() {
      return "sign_sgd";
    }

    @Override
    public void update(NDArray weight, NDArray grad, ParamContext ctx) {
      weight.subi(grad.sign().muli((float) ctx.lr()));
    }
  }

  /** Sign SGD that decays after its step, {@code w = (w - lr sign(g)) (1 - lr wd)}, in any mode. */
  record DecayAfterStep() implements UpdateRule {
    @Override
    public String name() {
      return "decay_after_step";
    }

    @Override
    public boolean appliesWeightDecay() {
      return true;
    }

    @Override
    public void update(NDArray weight, NDArray grad, ParamContext ctx) {
      weight.subi(grad.sign().muli((float) ctx.lr()));
      weight.muli((float) (1 - ctx.lr() * ctx.hyper().weightDecay()));
    }
  }

  private NDManager manager;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  private float[] oneStep(UpdateRule rule, GroupHyper hyper, float[] anchor) {
    NDArray w = manager.create(W.clone());
    w.setRequiresGradient(true);
    NDArray a = anchor == null ? null : manager.create(anchor);
    try (Updater u = new Updater(rule, manager)) {
      u.step(List.of(new ParamSlot("w", w, manager.create(G.clone()), hyper, a)));
      assertEquals(1, u.stepCount("w"));
      assertEquals(0, u.fusedTensorUpdates(), "a user rule has no fused path");
      assertTrue(u.exportState().get("w").buffers().isEmpty());
    }
    return w.toFloatArray();
  }

  @Test
  void signSgdWithTheUpdatersPenalties() {
    // w - 0.1 sign(g), sign(0) = 0
    assertArrayEquals(
        new float[] {0.4f, -0.15f, -0.1f, 1.0f},
        oneStep(new SignSgd(), GroupHyper.of(0.1), null),
        TOL);
    // coupled decay (the interface's default mode): g' = g + 0.5 w = [0.35, -0.325, 0.3, 0.5]
    assertArrayEquals(
        new float[] {0.4f, -0.15f, -0.1f, 0.9f},
        oneStep(new SignSgd(), GroupHyper.of(0.1).withWeightDecay(0.5), null),
        TOL);
    // decoupled decay: w (1 - 0.1 * 0.5) = [0.475, -0.2375, 0, 0.95], then - 0.1 sign(g)
    assertArrayEquals(
        new float[] {0.375f, -0.1375f, -0.1f, 0.95f},
        oneStep(new SignSgd(), GroupHyper.of(0.1).withWeightDecay(0.5, DecayMode.DECOUPLED), null),
        TOL);
    // L1: g' = g + 0.05 sign(w) = [0.15, -0.25, 0.3, 0.05]
    assertArrayEquals(
        new float[] {0.4f, -0.15f, -0.1f, 0.9f},
        oneStep(new SignSgd(), GroupHyper.of(0.1).withL1(0.05), null),
        TOL);
    // decoupled L2-SP: w - 0.1 * 0.5 (w - w0) = [0.495, -0.25, 0.01, 1.01], then - 0.1 sign(g)
    assertArrayEquals(
        new float[] {0.395f, -0.15f, -0.09f, 1.01f},
        oneStep(new SignSgd(), GroupHyper.of(0.1).withL2sp(0.5, DecayMode.DECOUPLED), ANCHOR),
        TOL);
  }

  @Test
  void aRuleThatAppliesWeightDecayItselfGetsNoneFromTheUpdater() {
    // (w - 0.1 sign(g)) (1 - 0.1 * 0.5) = [0.4, -0.15, -0.1, 1.0] * 0.95, in either mode
    float[] expected = {0.38f, -0.1425f, -0.095f, 0.95f};
    assertArrayEquals(
        expected,
        oneStep(
            new DecayAfterStep(), GroupHyper.of(0.1).withWeightDecay(0.5, DecayMode.COUPLED), null),
        TOL);
    assertArrayEquals(
        expected,
        oneStep(
            new DecayAfterStep(),
            GroupHyper.of(0.1).withWeightDecay(0.5, DecayMode.DECOUPLED),
            null),
        TOL);
    // L1 is still the updater's: g' = [0.15, -0.25, 0.3, 0.05], so w3 = (1 - 0.1) * 0.95
    assertArrayEquals(
        new float[] {0.38f, -0.1425f, -0.095f, 0.855f},
        oneStep(new DecayAfterStep(), GroupHyper.of(0.1).withWeightDecay(0.5).withL1(0.05), null),
        TOL);
  }

  @Test
  void aUserRuleUpdatesTheParameterInPlaceInsideAGradientCollector() {
    NDArray x = manager.create(new float[] {1f, -2f, 3f});
    x.setRequiresGradient(true);
    try (Updater u = new Updater(new SignSgd(), manager);
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      gc.backward(x.mul(x).sum()); // grad = 2x
      u.step(List.of(ParamSlot.of("x", x, x.getGradient(), GroupHyper.of(0.25))));
      assertArrayEquals(new float[] {0.75f, -1.75f, 2.75f}, x.toFloatArray(), 0f);
      assertTrue(x.hasGradient(), "still an autograd leaf");
    }
  }

  /** Lion in double precision, for one parameter over the given steps. */
  private static final class LionReference {
    final double[] w;
    double[] m;

    LionReference(float[] w0) {
      w = new double[w0.length];
      for (int i = 0; i < w.length; i++) {
        w[i] = w0[i];
      }
      m = new double[w0.length];
    }

    void step(float[] g, double lr, double wd, double b1, double b2) {
      for (int i = 0; i < w.length; i++) {
        double c = b1 * m[i] + (1 - b1) * g[i];
        assertTrue(Math.abs(c) > 1e-4, "test data too close to a sign change");
        w[i] = w[i] * (1 - lr * wd) - lr * Math.signum(c);
        m[i] = b2 * m[i] + (1 - b2) * g[i];
      }
    }

    void reset() {
      m = new double[w.length];
    }
  }

  private static float[] grad(int k, int t, int n) {
    float[] g = new float[n];
    for (int i = 0; i < n; i++) {
      g[i] = (float) (0.3 * Math.sin(1.7 * t + 2.3 * i + k) + 0.05 * (i - 1));
    }
    return g;
  }

  private static void assertClose(double[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-6 * Math.max(1.0, Math.abs(expected[i])), what + i);
    }
  }

  @Test
  void lionKeepsItsBufferPerParameterNameAndResetClearsIt() {
    Lion lion = new Lion(0.9, 0.99);
    float[][] init = {{0.5f, -0.25f, 0.125f, 1.0f}, {0.3f, -0.6f, 0.2f}};
    String[] names = {"a", "b"};
    LionReference[] ref = {new LionReference(init[0]), new LionReference(init[1])};
    double lr = 0.01;
    double wd = 0.1; // decoupled: Lion's default mode
    try (Updater u = new Updater(lion, manager)) {
      NDArray[] w = {manager.create(init[0].clone()), manager.create(init[1].clone())};
      for (int t = 1; t <= 4; t++) {
        if (t == 4) {
          // Reset "a" only: its step count and exp_avg go, "b" keeps its own.
          u.reset(List.of("a"));
          ref[0].reset();
          assertEquals(0, u.stepCount("a"));
          assertEquals(3, u.stepCount("b"));
          assertEquals(List.of("b"), new ArrayList<>(u.exportState().keySet()));
        }
        // step 2 overrides beta1 through the group's momentum, as a one-cycle schedule does
        double b1 = t == 2 ? 0.5 : 0.9;
        GroupHyper h = GroupHyper.of(lr).withWeightDecay(wd);
        GroupHyper ht = t == 2 ? h.withMomentum(0.5) : h;
        List<ParamSlot> slots = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
          float[] g = grad(k, t, init[k].length);
          slots.add(ParamSlot.of(names[k], w[k], manager.create(g), ht));
          ref[k].step(g, lr, wd, b1, 0.99);
        }
        u.step(slots);
        for (int k = 0; k < 2; k++) {
          assertClose(ref[k].w, w[k].toFloatArray(), "step " + t + " " + names[k] + " w");
        }
      }
      assertEquals(1, u.stepCount("a"));
      assertEquals(4, u.stepCount("b"));
      Map<String, ParamState> state = u.exportState();
      assertEquals(List.of("exp_avg"), new ArrayList<>(state.get("a").buffers().keySet()));
      assertClose(ref[0].m, state.get("a").buffers().get("exp_avg"), "a exp_avg ");
      assertClose(ref[1].m, state.get("b").buffers().get("exp_avg"), "b exp_avg ");
      assertEquals(0, u.fusedTensorUpdates());
    }
  }

  @Test
  void lionStateSurvivesExportAndImport() {
    Lion lion = new Lion(0.9, 0.99);
    float[] init = {0.5f, -0.25f, 0.125f, 1.0f};
    LionReference ref = new LionReference(init);
    NDArray w = manager.create(init.clone());
    Map<String, ParamState> saved;
    try (Updater u = new Updater(lion, manager)) {
      for (int t = 1; t <= 2; t++) {
        float[] g = grad(0, t, init.length);
        u.step(List.of(ParamSlot.of("w", w, manager.create(g), GroupHyper.of(0.01))));
        ref.step(g, 0.01, 0.0, 0.9, 0.99);
      }
      saved = u.exportState();
    }
    try (Updater u = new Updater(lion, manager)) {
      u.importState(saved);
      assertEquals(2, u.stepCount("w"));
      float[] g = grad(0, 3, init.length);
      u.step(List.of(ParamSlot.of("w", w, manager.create(g), GroupHyper.of(0.01))));
      ref.step(g, 0.01, 0.0, 0.9, 0.99);
      assertClose(ref.w, w.toFloatArray(), "w after resuming ");
      assertClose(ref.m, u.exportState().get("w").buffers().get("exp_avg"), "exp_avg ");
    }
    // Another rule refuses the buffer; a stateless rule refuses any.
    try (Updater u = new Updater(new SignSgd(), manager)) {
      assertThrows(IllegalArgumentException.class, () -> u.importState(saved));
    }
  }

  @Test
  void buffersMustBeDeclaredAndParameterShaped() {
    UpdateRule undeclared =
        new UpdateRule() {
          @Override
          public String name() {
            return "undeclared";
          }

          @Override
          public void update(NDArray weight, NDArray grad, ParamContext ctx) {
            ctx.buffer("velocity");
          }
        };
    UpdateRule misshapen =
        new UpdateRule() {
          @Override
          public String name() {
            return "misshapen";
          }

          @Override
          public List<String> bufferNames() {
            return List.of("velocity");
          }

          @Override
          public void update(NDArray weight, NDArray grad, ParamContext ctx) {
            ctx.setBuffer("velocity", ctx.manager().zeros(new Shape(1)));
          }
        };
    for (UpdateRule rule : List.of(undeclared, misshapen)) {
      try (Updater u = new Updater(rule, manager)) {
        NDArray w = manager.create(new float[] {1f, 2f});
        ParamSlot s = ParamSlot.of("w", w, manager.create(new float[] {1f, 1f}), GroupHyper.of(1));
        assertThrows(IllegalArgumentException.class, () -> u.step(List.of(s)), rule.name());
        assertArrayEquals(new float[] {1f, 2f}, w.toFloatArray());
      }
    }
  }

  /**
   * A user rule with its own batch: it takes the slots whose names start with "fast" and updates
   * them in {@code run()} with plain SGD, {@code w -= lr * g}; the other slots take {@code update},
   * sign SGD. Which path ran shows in the values.
   */
  @Test
  void aUserBatchTakesTheSlotsItAcceptsAndUpdateTheRest() {
    int[] calls = new int[3]; // newBatch, offers taken, runs
    UpdateRule rule =
        new UpdateRule() {
          @Override
          public String name() {
            return "batched";
          }

          @Override
          public void update(NDArray weight, NDArray grad, ParamContext ctx) {
            weight.subi(grad.sign().muli((float) ctx.lr()));
          }

          @Override
          public Batch newBatch(BatchContext batchContext) {
            calls[0]++;
            List<NDArray[]> taken = new ArrayList<>();
            List<Float> lrs = new ArrayList<>();
            return new Batch() {
              @Override
              public boolean offer(ParamSlot slot, ParamContext ctx) {
                if (!slot.name().startsWith("fast") || ctx.hyper().l1() > 0) {
                  return false;
                }
                // detached views in the step's manager: they share the arrays' storage, and what
                // is computed from them is freed with that manager, not left in the caller's
                NDArray w = slot.weight().stopGradient();
                w.attach(ctx.manager());
                NDArray g = slot.grad().stopGradient();
                g.attach(ctx.manager());
                taken.add(new NDArray[] {w, g});
                lrs.add((float) ctx.lr());
                calls[1]++;
                return true;
              }

              @Override
              public void run() {
                calls[2]++;
                for (int i = 0; i < taken.size(); i++) {
                  taken.get(i)[0].subi(taken.get(i)[1].mul(lrs.get(i)));
                }
              }
            };
          }
        };
    NDArray fast = manager.create(new float[] {0.5f, -0.25f});
    NDArray fastL1 = manager.create(new float[] {0.5f, -0.25f});
    NDArray slow = manager.create(new float[] {0.5f, -0.25f});
    fast.setRequiresGradient(true);
    try (Updater u = new Updater(rule, manager)) {
      int before = 0;
      for (int t = 0; t < 2; t++) {
        u.step(
            List.of(
                ParamSlot.of(
                    "fast", fast, manager.create(new float[] {0.1f, -0.2f}), GroupHyper.of(0.1)),
                ParamSlot.of(
                    "fastL1",
                    fastL1,
                    manager.create(new float[] {0.1f, -0.2f}),
                    GroupHyper.of(0.1).withL1(0.01)),
                ParamSlot.of(
                    "slow", slow, manager.create(new float[] {0.1f, -0.2f}), GroupHyper.of(0.1))));
        if (t == 0) {
          before = manager.getManagedArrays().size();
        }
      }
      // per step: fast -= 0.1 [0.1, -0.2] (batch), the others -= 0.1 [1, -1] (update)
      assertArrayEquals(new float[] {0.48f, -0.21f}, fast.toFloatArray(), TOL);
      assertArrayEquals(new float[] {0.3f, -0.05f}, fastL1.toFloatArray(), TOL);
      assertArrayEquals(new float[] {0.3f, -0.05f}, slow.toFloatArray(), TOL);
      assertArrayEquals(new int[] {2, 2, 2}, calls);
      assertEquals(2, u.stepCount("fast"));
      assertEquals(before + 3, manager.getManagedArrays().size(), "only the step's gradients");
      // With batches switched off every slot takes update().
      u.useFusedKernels(false);
      u.step(
          List.of(
              ParamSlot.of(
                  "fast", fast, manager.create(new float[] {0.1f, -0.2f}), GroupHyper.of(0.1))));
      assertArrayEquals(new float[] {0.38f, -0.11f}, fast.toFloatArray(), TOL);
      assertFalse(calls[0] > 2, "newBatch is not called when batches are off");
    }
  }
}
