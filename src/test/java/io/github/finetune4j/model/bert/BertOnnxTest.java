package io.github.finetune4j.model.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.model.onnx.OnnxChecker;
import io.github.finetune4j.params.ParameterNames;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ONNX graphs {@link BertOnnx} writes, run by ONNX Runtime (the consumer every Java ONNX user
 * has), against the toolkit's own DJL block on the same random weights and the same padded batch:
 * logits, last hidden state and pooled embedding agree to float32 rounding, for both poolings. The
 * weights are scaled up from BERT's 0.02 so that every operation moves the result (a wrong mask, a
 * transposed weight or a missing LayerNorm would be far outside the tolerance).
 */
class BertOnnxTest {

  private static final BertConfig CFG = new BertConfig(100, 16, 2, 4, 24, 32, 2, 1e-12);
  private static final int B = 3;
  private static final int T = 7;

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"mean", "cls"})
  void onnxRuntimeGivesTheBlocksLogitsHiddenStatesAndEmbeddings(String pooling) throws Exception {
    long[] ids = new long[B * T];
    long[] mask = new long[B * T];
    long[] types = new long[B * T];
    Random r = new Random(5);
    for (int i = 0; i < ids.length; i++) {
      int row = i / T;
      int col = i % T;
      mask[i] = col < T - 2 * row ? 1 : 0; // 7, 5 and 3 tokens
      ids[i] = mask[i] == 1 ? 1 + r.nextInt(99) : 0;
      types[i] = col >= 3 && mask[i] == 1 ? 1 : 0;
    }
    try (Model model = Model.newInstance("onnx-test");
        NDManager m = model.getNDManager().newSubManager()) {
      TextClassifierBlock block = new TextClassifierBlock(CFG, 3, pooling, 0.1);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, T), new Shape(1, T));
      Map<String, WeightTensor> weights = new LinkedHashMap<>();
      Random w = new Random(9);
      for (Map.Entry<String, Parameter> e : ParameterNames.of(block).entrySet()) {
        NDArray a = e.getValue().getArray();
        float[] v = new float[(int) a.size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (w.nextGaussian() * 0.3);
        }
        if (e.getKey().endsWith("LayerNorm.weight")) {
          for (int i = 0; i < v.length; i++) {
            v[i] += 1f;
          }
        }
        a.set(v);
        weights.put(e.getKey(), WeightTensor.of(v, a.getShape().getShape()));
      }
      BertOnnx onnx = new BertOnnx(CFG, weights, pooling);
      Path classifier = dir.resolve("model.onnx");
      Path encoder = dir.resolve("encoder.onnx");
      onnx.writeClassifier(classifier, Map.of("finetune4j.task", "classification"));
      onnx.writeEncoder(encoder, true, Map.of());
      assertEquals(
          "ir 8 opset 17 inputs input_ids,attention_mask,token_type_ids outputs logits",
          OnnxChecker.check(classifier));
      assertEquals(
          "ir 8 opset 17 inputs input_ids,attention_mask,token_type_ids outputs"
              + " last_hidden_state,sentence_embedding",
          OnnxChecker.check(encoder));

      NDArray idsA = m.create(ids, new Shape(B, T));
      NDArray maskA = m.create(mask, new Shape(B, T));
      NDArray typesA = m.create(types, new Shape(B, T));
      ParameterStore ps = new ParameterStore(m, false);
      float[] logits = block.forward(ps, new NDList(idsA, maskA), false).head().toFloatArray();
      // the classifier block has no token types (all zero); the encoder check below uses them
      float[] ortLogits = flat(run(classifier, ids, mask, new long[B * T], "logits"));
      assertClose(logits, ortLogits, 2e-5f, "logits");

      BertEncoderBlock bert = new BertEncoderBlock(CFG);
      bert.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, T), new Shape(1, T));
      bert.loadWeights(encoderOnly(weights));
      NDArray hidden = bert.forward(ps, new NDList(idsA, maskA, typesA), false).head();
      NDArray pooled =
          "cls".equals(pooling) ? hidden.get(":, 0, :") : BertEncoderBlock.meanPool(hidden, maskA);
      pooled = pooled.div(pooled.norm(new int[] {1}, true));
      assertClose(
          hidden.toFloatArray(),
          flat(run(encoder, ids, mask, types, "last_hidden_state")),
          2e-5f,
          "hidden");
      float[] emb = flat(run(encoder, ids, mask, types, "sentence_embedding"));
      assertClose(pooled.toFloatArray(), emb, 2e-5f, "sentence_embedding");
      float norm = 0;
      for (int i = 0; i < CFG.hiddenSize(); i++) {
        norm += emb[i] * emb[i];
      }
      assertEquals(1f, norm, 1e-5f, "normalized");
    }
  }

  private static Map<String, WeightTensor> encoderOnly(Map<String, WeightTensor> all) {
    Map<String, WeightTensor> out = new LinkedHashMap<>(all);
    out.keySet().removeIf(k -> k.startsWith("head."));
    return out;
  }

  static Object run(Path file, long[] ids, long[] mask, long[] types, String output)
      throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(file.toString(), new OrtSession.SessionOptions());
        OnnxTensor i = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {B, T});
        OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {B, T});
        OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(types), new long[] {B, T});
        OrtSession.Result res =
            s.run(Map.of("input_ids", i, "attention_mask", a, "token_type_ids", t))) {
      assertEquals(
          List.of("input_ids", "attention_mask", "token_type_ids"), List.copyOf(s.getInputNames()));
      return res.get(output).orElseThrow().getValue();
    }
  }

  static float[] flat(Object value) {
    FloatBuffer out = FloatBuffer.allocate(1 << 16);
    flatten(value, out);
    out.flip();
    float[] a = new float[out.remaining()];
    out.get(a);
    return a;
  }

  private static void flatten(Object v, FloatBuffer out) {
    if (v instanceof float[] f) {
      out.put(f);
    } else {
      for (Object o : (Object[]) v) {
        flatten(o, out);
      }
    }
  }

  private static void assertClose(float[] want, float[] got, float tol, String what) {
    assertEquals(want.length, got.length, what + " size");
    float worst = 0;
    for (int i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs(want[i] - got[i]));
    }
    assertTrue(worst <= tol, what + ": max |djl - ort| = " + worst);
  }
}
