package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The backward pass must not read memory that Java has freed since the forward pass (the
 * gradient-corruption bug of docs/decisions.md, "Memory safety with DJL").
 *
 * <p>Between the forward and the backward pass the test forces what happens only by chance in a
 * real run: a garbage collection, the freeing of every unreachable direct buffer by its cleaner,
 * and new small native allocations (filled with a poison value) that reuse the freed memory. A
 * tensor of the autograd graph that aliased such a buffer (DJL makes one for every {@code
 * x.div(Number)}, {@code x.mul(Number)}, ...) then holds the poison, and the gradients differ from
 * an undisturbed backward pass. The canary shows that this disturbance does expose DJL's aliasing
 * scalar, so that a pass of the real test means something.
 */
class GradientMemorySafetyTest {

  /** 1 / 1e-20 = 1e20: the size of the garbage seen in the bug reports. */
  private static final float POISON = 1e-20f;

  /** Collects garbage, lets the cleaners free direct memory, then re-allocates it with poison. */
  private static List<ByteBuffer> freeAndPoison() throws InterruptedException {
    for (int round = 0; round < 2; round++) {
      WeakReference<Object> probe = new WeakReference<>(new Object());
      while (probe.get() != null) {
        System.gc();
        Thread.sleep(1);
      }
    }
    Thread.sleep(20); // the Reference Handler thread runs the direct buffers' cleaners
    List<ByteBuffer> poison = new ArrayList<>();
    for (int i = 0; i < 4000; i++) {
      ByteBuffer b = ByteBuffer.allocateDirect(4 + 4 * (i % 4)).order(ByteOrder.nativeOrder());
      while (b.hasRemaining()) {
        b.putFloat(POISON);
      }
      poison.add(b);
    }
    return poison; // kept reachable by the caller until after the backward pass
  }

  @Test
  void canaryTheDisturbanceExposesAScalarThatAliasesJavaMemory() throws Exception {
    int corrupted = 0;
    try (NDManager m = NDManager.newBaseManager()) {
      for (int i = 0; i < 10 && corrupted == 0; i++) {
        try (NDManager sm = m.newSubManager()) {
          NDArray x = sm.ones(new Shape(4));
          x.setRequiresGradient(true);
          List<ByteBuffer> poison;
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = x.div(4f).sum(); // DJL: the divisor is from_blob over a dropped buffer
            poison = freeAndPoison();
            gc.backward(y);
          }
          if (x.getGradient().toFloatArray()[0] != 0.25f) {
            corrupted++;
          }
          poison.clear();
        }
      }
    }
    assertTrue(
        corrupted > 0,
        "the free-and-poison disturbance no longer corrupts DJL's x.div(Number)"
            + " (DJL may have stopped aliasing Java memory): the real test below proves nothing now");
  }

  @Test
  void gradientsOfTheTrainingForwardPassSurviveAFreedJavaBuffer() throws Exception {
    try (TinyRun run = new TinyRun(21)) {
      ParameterStore store = new ParameterStore(run.model.getNDManager(), false);
      TextBatches data = TinyRun.toy(16, 5);
      int[] idx = new int[16];
      for (int i = 0; i < idx.length; i++) {
        idx[i] = i;
      }
      Loss loss = Loss.softmaxCrossEntropyLoss();
      // Dropout off (training = false) so that passes are comparable bit for bit; the parameters
      // require gradients, so the graph is recorded all the same.
      Supplier<Map<String, float[]>> clean = () -> backward(run, store, loss, data, idx, false);
      Map<String, float[]> reference = clean.get();
      assertTrue(reference.values().stream().anyMatch(g -> g[0] != 0f), "no gradient flowed");
      List<String> problems = new ArrayList<>();
      for (int round = 0; round < 4 && problems.isEmpty(); round++) {
        Map<String, float[]> disturbed = backward(run, store, loss, data, idx, true);
        for (Map.Entry<String, float[]> e : reference.entrySet()) {
          if (!Arrays.equals(e.getValue(), disturbed.get(e.getKey()))) {
            problems.add(e.getKey() + " (round " + round + ")");
          }
        }
      }
      assertTrue(
          problems.isEmpty(),
          "the backward pass read freed Java memory: gradients of "
              + problems
              + " differ from an undisturbed pass");
    }
  }

  /** One forward/backward pass like FineTuner's; returns every gradient, then zeroes them. */
  private static Map<String, float[]> backward(
      TinyRun run, ParameterStore store, Loss loss, TextBatches data, int[] idx, boolean disturb) {
    Map<String, float[]> out = new LinkedHashMap<>();
    try (NDScope scope = new NDScope();
        NDManager sm = run.model.getNDManager().newSubManager()) {
      NDList inputs = data.inputs(sm, idx);
      NDArray labels = data.labels(sm, idx);
      List<ByteBuffer> poison = List.of();
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray logits = run.block.forward(store, inputs, false).singletonOrThrow();
        NDArray l = loss.evaluate(new NDList(labels), new NDList(logits));
        if (disturb) {
          poison = freeAndPoison();
        }
        gc.backward(l);
      }
      for (Map.Entry<String, Parameter> e : run.params.entrySet()) {
        NDArray g = e.getValue().getArray().getGradient();
        out.put(e.getKey(), g.toFloatArray());
        g.set(new NDIndex("..."), 0f);
      }
      poison.size(); // reachable until here
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return out;
  }
}
