package io.github.finetune4j.model.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.params.ParameterNames;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bfloat16 encoder layers ({@link BertKernels}) against DJL's float32 operations on the same
 * weights: outputs and gradients agree within bfloat16 rounding (and are not bit-identical, so the
 * bf16 path really ran), frozen weights get no gradient, and the weights stay float32.
 */
class Bf16LayerTest {

  private static final BertConfig CFG = new BertConfig(60, 64, 2, 4, 256, 32, 2, 1e-12, 0.1, 0.1);

  private record Pass(float[] logits, Map<String, float[]> grads) {}

  private static Pass pass(TextClassifierBlock block, NDManager m, boolean train) {
    Random r = new Random(3);
    long[] ids = new long[4 * 12];
    long[] mask = new long[4 * 12];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = 1 + r.nextInt(59);
      mask[i] = (i % 12) < 12 - (i / 12) * 2 ? 1 : 0; // rows of 12, 10, 8, 6 tokens
    }
    Map<String, Parameter> params = ParameterNames.trainable(block);
    try (NDManager sm = m.newSubManager()) {
      NDList in = new NDList(sm.create(ids, new Shape(4, 12)), sm.create(mask, new Shape(4, 12)));
      ParameterStore ps = new ParameterStore(sm, false);
      if (!train) {
        return new Pass(block.forward(ps, in, false).singletonOrThrow().toFloatArray(), Map.of());
      }
      Map<String, float[]> grads = new LinkedHashMap<>();
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        // training = false: dropout off, so both paths compute the same function
        NDArray out = block.forward(ps, in, false).singletonOrThrow();
        NDArray loss = out.square().sum();
        gc.backward(loss);
        float[] logits = out.toFloatArray();
        params.forEach(
            (n, p) -> {
              if (!n.startsWith("encoder.layer.0.")) {
                grads.put(n, p.getArray().getGradient().toFloatArray());
                p.getArray().getGradient().subi(p.getArray().getGradient());
              }
            });
        return new Pass(logits, grads);
      }
    }
  }

  private static double maxAbs(float[] a, float[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i] - b[i]));
    }
    return d;
  }

  private static double norm(float[] a) {
    double s = 0;
    for (float v : a) {
      s += (double) v * v;
    }
    return Math.sqrt(s);
  }

  private static double cosine(float[] a, float[] b) {
    double ab = 0;
    double aa = 0;
    double bb = 0;
    for (int i = 0; i < a.length; i++) {
      ab += (double) a[i] * b[i];
      aa += (double) a[i] * a[i];
      bb += (double) b[i] * b[i];
    }
    return ab / Math.sqrt(aa * bb);
  }

  @Test
  void bf16LayersMatchFloat32WithinRoundingAndGiveFloat32Gradients() {
    Engine.getInstance().setRandomSeed(11);
    try (Model model = Model.newInstance("bf16")) {
      TextClassifierBlock block = new TextClassifierBlock(CFG, 3, "mean", 0.0);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
      model.setBlock(block);
      Map<String, Parameter> params = ParameterNames.trainable(block);
      // layer 0 frozen: it must get no gradient on either path
      params.forEach((n, p) -> p.getArray().setRequiresGradient(!n.startsWith("encoder.layer.0.")));
      NDManager m = model.getNDManager();
      Pass fp32 = pass(block, m, true);
      Pass fp32Eval = pass(block, m, false);
      block.setBf16(true, m);
      assertTrue(block.bf16());
      Pass bf16 = pass(block, m, true);
      Pass bf16Eval = pass(block, m, false);
      block.setBf16(false, m);
      Pass back = pass(block, m, false);

      double d = maxAbs(fp32.logits(), bf16.logits());
      assertTrue(d > 0, "the bf16 path gave float32's exact logits: it did not run");
      assertTrue(d < 0.05, "logits differ by " + d);
      assertEquals(0.0, maxAbs(bf16.logits(), bf16Eval.logits()), 1e-6);
      assertEquals(0.0, maxAbs(fp32Eval.logits(), back.logits()), 0.0, "fp32 path not restored");
      assertEquals(fp32.grads().keySet(), bf16.grads().keySet());
      assertNull(fp32.grads().get("encoder.layer.0.attention.self.query.weight"));
      assertNotNull(bf16.grads().get("encoder.layer.1.attention.self.query.weight"));
      for (String n : fp32.grads().keySet()) {
        if (n.endsWith("key.bias")) {
          // exactly 0 in exact arithmetic (softmax ignores a per-query shift): both are noise
          assertTrue(norm(bf16.grads().get(n)) < 1e-3, n + " " + norm(bf16.grads().get(n)));
          continue;
        }
        double c = cosine(fp32.grads().get(n), bf16.grads().get(n));
        assertTrue(c > 0.99, n + ": gradient cosine " + c);
      }
      params.forEach(
          (n, p) -> assertEquals(DataType.FLOAT32, p.getArray().getDataType(), n + " not fp32"));
    }
  }
}
