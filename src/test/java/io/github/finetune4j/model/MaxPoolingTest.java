package io.github.finetune4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.bert.BertEncoderBlock;
import io.github.finetune4j.model.bert.BertOnnx;
import io.github.finetune4j.model.bert.MiniLmImporter;
import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.model.onnx.OnnxChecker;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.params.ParameterNames;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Masked max pooling ({@code head.pooling: max}): {@link BertEncoderBlock#maxPool} against
 * sentence-transformers' definition run in torch ({@code src/test/python/max_pooling_reference.py}:
 * padding set to -1e9, then the maximum over the tokens), values and gradient; and the ONNX encoder
 * {@link BertOnnx} writes with max pooling, run by ONNX Runtime on the bundled all-MiniLM-L6-v2
 * weights, against the DJL blocks pooled with max on five sentences of different lengths.
 */
class MaxPoolingTest {

  static final Path SCRIPT = Path.of("src/test/python/max_pooling_reference.py");
  static final int B = 3;
  static final int T = 5;
  static final int H = 4;
  static final int[] LENGTHS = {5, 3, 1};

  /** torch's max pooling of {@link #hidden()} (printed by max_pooling_reference.py). */
  static final float[][] TORCH_POOLED = {
    {1.0f, 5.625f, 4.5f, 2.75f}, {2.25f, 0.5f, 5.125f, 4.0f}, {-2.875f, 1.75f, -5.75f, -1.125f}
  };

  /** The token each (b, h) maximum comes from, where torch's gradient lands. */
  static final int[][] TORCH_ARGMAX = {{3, 3, 4, 3}, {2, 1, 1, 2}, {0, 0, 0, 0}};

  static final float POOL_TOLERANCE = 1e-6f;
  static final float ONNX_TOLERANCE = 1e-5f;

  static final List<String> SENTENCES =
      List.of(
          "Hi.",
          "The quick brown fox jumps over the lazy dog.",
          "Max pooling keeps, for each dimension, the largest value over the real tokens.",
          "Padding must not win.",
          "Debian packages ship a short and a long description; the long one explains what the"
              + " package is for, and a retrieval model should find it from the short one.");

  @TempDir Path tmp;

  /** hidden[b, t, h] = ((b*T*H + t*H + h) * 37 % 97 - 48) / 8: all different, exact in float32. */
  static float[] hidden() {
    float[] v = new float[B * T * H];
    for (int i = 0; i < v.length; i++) {
      v[i] = (i * 37 % 97 - 48) / 8f;
    }
    return v;
  }

  static long[] mask() {
    long[] m = new long[B * T];
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < LENGTHS[b]; t++) {
        m[b * T + t] = 1;
      }
    }
    return m;
  }

  @Test
  void maxPoolEqualsSentenceTransformersMaskedMaxAndItsGradient() {
    float[] w = {1, 2, 3, 4};
    float[] values = hidden();
    // the case is only useful where a padded value would win without the mask
    int paddingWouldWin = 0;
    for (int b = 0; b < B; b++) {
      for (int h = 0; h < H; h++) {
        float all = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < T; t++) {
          all = Math.max(all, values[(b * T + t) * H + h]);
        }
        paddingWouldWin += all != TORCH_POOLED[b][h] ? 1 : 0;
        // by hand: the largest value over the real tokens, from the argmax torch reports
        float real = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < LENGTHS[b]; t++) {
          real = Math.max(real, values[(b * T + t) * H + h]);
        }
        assertEquals(real, TORCH_POOLED[b][h], 0f);
        assertEquals(real, values[(b * T + TORCH_ARGMAX[b][h]) * H + h], 0f);
      }
    }
    assertEquals(8, paddingWouldWin);

    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.create(values, new Shape(B, T, H));
      x.setRequiresGradient(true);
      float[] pooled;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray p = BertEncoderBlock.maxPool(x, m.create(mask(), new Shape(B, T)));
        assertEquals(new Shape(B, H), p.getShape());
        pooled = p.toFloatArray();
        gc.backward(p.mul(m.create(w)).sum());
      }
      float worst = 0;
      for (int b = 0; b < B; b++) {
        for (int h = 0; h < H; h++) {
          worst = Math.max(worst, Math.abs(pooled[b * H + h] - TORCH_POOLED[b][h]));
        }
      }
      assertTrue(worst <= POOL_TOLERANCE, "max |djl - torch| = " + worst);
      float[] grad = x.getGradient().toFloatArray();
      for (int b = 0; b < B; b++) {
        for (int t = 0; t < T; t++) {
          for (int h = 0; h < H; h++) {
            float want = t == TORCH_ARGMAX[b][h] ? w[h] : 0f;
            assertEquals(
                want, grad[(b * T + t) * H + h], 0f, "gradient at " + b + "," + t + "," + h);
          }
        }
      }
      System.out.printf("maxPool vs torch: max abs difference %.3g%n", worst);

      // a row with no real token gets -1e9, as sentence-transformers' masked_fill gives it
      NDArray none =
          BertEncoderBlock.maxPool(
              m.create(new float[] {0.5f, -2f, 3f, 1f}, new Shape(1, 2, 2)),
              m.create(new long[] {0, 0}, new Shape(1, 2)));
      assertArrayEquals(new float[] {-1e9f, -1e9f}, none.toFloatArray(), 0f);
      // pool("max", ...) is maxPool
      assertArrayEquals(
          pooled,
          BertEncoderBlock.pool("max", x, m.create(mask(), new Shape(B, T))).toFloatArray(),
          0f);
    }
  }

  @Test
  void theTorchScriptStillPrintsTheseConstants() throws Exception {
    Path python = Path.of("/usr/bin/python3");
    Assumptions.assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
    ProcessBuilder pb =
        new ProcessBuilder(python.toString(), "-c", "import torch").redirectErrorStream(true);
    Process probe = pb.start();
    probe.getInputStream().readAllBytes();
    Assumptions.assumeTrue(
        probe.waitFor(180, TimeUnit.SECONDS) && probe.exitValue() == 0, "no python3-torch");
    ProcessBuilder run = new ProcessBuilder(python.toString(), SCRIPT.toString());
    run.environment().put("OMP_NUM_THREADS", "1");
    run.redirectError(tmp.resolve("stderr.txt").toFile());
    Process p = run.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(300, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), () -> readQuietly(tmp.resolve("stderr.txt")));
    JsonNode ref = new ObjectMapper().readTree(out);
    assertEquals(8, ref.get("padding_would_win").asInt());
    for (int b = 0; b < B; b++) {
      for (int h = 0; h < H; h++) {
        assertEquals(TORCH_POOLED[b][h], ref.get("pooled").get(b).get(h).floatValue(), 0f);
        for (int t = 0; t < T; t++) {
          float want = t == TORCH_ARGMAX[b][h] ? h + 1 : 0;
          assertEquals(want, ref.get("grad").get(b).get(t).get(h).floatValue(), 0f);
        }
      }
    }
  }

  @Test
  void theOnnxEncoderWithMaxPoolingGivesTheDjlBlocksEmbeddings() throws Exception {
    BertConfig cfg = BertConfig.miniLmL6();
    try (NDManager m = NDManager.newBaseManager();
        TextTokenizer tokenizer = TextTokenizer.miniLm(128)) {
      BertEncoderBlock encoder = MiniLmImporter.importEncoder(m);
      Map<String, WeightTensor> weights = new LinkedHashMap<>();
      for (Map.Entry<String, Parameter> e : ParameterNames.of(encoder).entrySet()) {
        NDArray a = e.getValue().getArray();
        weights.put(e.getKey(), WeightTensor.of(a.toFloatArray(), a.getShape().getShape()));
      }
      // the training path: the text model without a head, pooled with max
      TextClassifierBlock embedder = new TextClassifierBlock(cfg, 0, "max", 0.1);
      embedder.initialize(m, DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
      Map<String, Parameter> params = ParameterNames.of(embedder);
      assertEquals(weights.keySet(), params.keySet(), "the embedder has the encoder's parameters");
      params.forEach((name, prm) -> prm.getArray().set(weights.get(name).data()));

      Path raw = tmp.resolve("encoder-raw.onnx");
      Path normalized = tmp.resolve("encoder.onnx");
      BertOnnx onnx = new BertOnnx(cfg, weights, "max");
      onnx.writeEncoder(raw, false, Map.of());
      onnx.writeEncoder(normalized, true, Map.of());
      assertEquals(
          "ir 8 opset 17 inputs input_ids,attention_mask,token_type_ids outputs"
              + " last_hidden_state,sentence_embedding",
          OnnxChecker.check(raw));

      try (NDManager step = m.newSubManager();
          TextTokenizer.Batch batch = tokenizer.encode(SENTENCES, step)) {
        long[] lengths = batch.attentionMask().sum(new int[] {1}).toLongArray();
        int t = (int) batch.inputIds().getShape().get(1);
        assertEquals(5, Arrays.stream(lengths).distinct().count(), "five different lengths");
        assertTrue(Arrays.stream(lengths).filter(l -> l < t).count() == 4, "padding present");
        ParameterStore ps = new ParameterStore(step, false);
        NDArray hidden = encoder.forward(ps, batch.toNDList(), false).head();
        NDArray pooled = BertEncoderBlock.maxPool(hidden, batch.attentionMask());
        float[] djl = pooled.toFloatArray();
        float[] djlEmbedder =
            embedder
                .forward(ps, new NDList(batch.inputIds(), batch.attentionMask()), false)
                .head()
                .toFloatArray();
        float[] djlNormalized = pooled.div(pooled.norm(new int[] {1}, true)).toFloatArray();

        long[] ids = batch.inputIds().toLongArray();
        long[] mask = batch.attentionMask().toLongArray();
        long[] types = batch.tokenTypeIds().toLongArray();
        float[] ortRaw = flat(run(raw, ids, mask, types, SENTENCES.size(), t));
        float[] ortNormalized = flat(run(normalized, ids, mask, types, SENTENCES.size(), t));
        float dRaw = maxAbs(djl, ortRaw);
        float dEmbedder = maxAbs(djl, djlEmbedder);
        float dNorm = maxAbs(djlNormalized, ortNormalized);
        System.out.printf(
            "max pooling, MiniLM on %d sentences (%s tokens): |djl - ort| %.3g, normalized %.3g,"
                + " |encoder - embedder block| %.3g%n",
            SENTENCES.size(), Arrays.toString(lengths), dRaw, dNorm, dEmbedder);
        assertTrue(dRaw <= ONNX_TOLERANCE, "max |djl - ort| = " + dRaw);
        assertTrue(dNorm <= ONNX_TOLERANCE, "normalized: max |djl - ort| = " + dNorm);
        assertTrue(dEmbedder <= ONNX_TOLERANCE, "embedder block: " + dEmbedder);

        // padding is ignored: each sentence alone (no padding) gives its row of the batch
        int h = cfg.hiddenSize();
        for (int i = 0; i < SENTENCES.size(); i++) {
          try (TextTokenizer.Batch one = tokenizer.encode(List.of(SENTENCES.get(i)), step)) {
            NDArray alone =
                BertEncoderBlock.maxPool(
                    encoder.forward(ps, one.toNDList(), false).head(), one.attentionMask());
            float[] row = Arrays.copyOfRange(djl, i * h, (i + 1) * h);
            float d = maxAbs(row, alone.toFloatArray());
            assertTrue(d <= ONNX_TOLERANCE, "sentence " + i + " alone vs padded: " + d);
          }
        }
      }
    }
  }

  private static Object run(Path file, long[] ids, long[] mask, long[] types, int b, int t)
      throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] shape = {b, t};
    try (OrtSession s = env.createSession(file.toString(), new OrtSession.SessionOptions());
        OnnxTensor i = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
        OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
        OnnxTensor y = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape);
        OrtSession.Result res =
            s.run(Map.of("input_ids", i, "attention_mask", a, "token_type_ids", y))) {
      return res.get("sentence_embedding").orElseThrow().getValue();
    }
  }

  private static float[] flat(Object value) {
    float[][] rows = (float[][]) value;
    float[] out = new float[rows.length * rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, i * rows[i].length, rows[i].length);
    }
    return out;
  }

  private static float maxAbs(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    float worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
  }

  private static String readQuietly(Path p) {
    try {
      return Files.readString(p);
    } catch (Exception e) {
      return "";
    }
  }
}
