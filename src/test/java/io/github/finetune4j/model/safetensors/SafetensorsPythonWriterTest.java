package io.github.finetune4j.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.bert.BertEncoderBlock;
import io.github.finetune4j.model.bert.MiniLmImporter;
import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.params.ParameterNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader against an independent writer: {@code src/test/python/write_safetensors.py} (struct +
 * json, numpy optional) writes the bundled all-MiniLM-L6-v2 weights as a Hugging Face checkpoint in
 * F32, F16 and BF16, and {@link BertCheckpoint} reads them back into an encoder.
 *
 * <ul>
 *   <li>F32: every weight and the sentence embeddings are bit-identical to those of the weights
 *       exported.
 *   <li>F16 and BF16: every weight is bit-identical to the exported float32 rounded to the format
 *       in Java (round to nearest, ties to even, computed here in double arithmetic, not with the
 *       reader's bit conversions), and so are the embeddings of the encoder holding those rounded
 *       weights. Against float32, the unit-normalized embeddings differ by at most {@value
 *       #F16_TOLERANCE} (F16) and {@value #BF16_TOLERANCE} (BF16) per component.
 * </ul>
 *
 * <p>Needs {@code /usr/bin/python3}: skipped with a message without it, failed when {@code CI} is
 * {@code true}.
 */
class SafetensorsPythonWriterTest {

  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final Path SCRIPT = Path.of("src/test/python/write_safetensors.py");
  private static final double F16_TOLERANCE = 1e-3;
  private static final double BF16_TOLERANCE = 1e-2;
  private static final int MAX_LENGTH = 128;
  private static final List<String> SENTENCES =
      List.of(
          "Hello world.",
          "The quick brown fox jumps over the lazy dog.",
          "Fine-tuning a pre-trained encoder usually needs a much smaller learning rate.",
          "Café au lait, naïve résumé — and 3.14159 reasons why tokenizers are tricky.");

  @TempDir static Path shared;
  @TempDir Path dir;

  private static NDManager manager;
  private static Map<String, WeightTensor> weights;

  /** The .bin file holding each weight's float32 values, by block name. */
  private static Map<String, Path> bins;

  /** One encoder, reloaded by each test. */
  private static BertEncoderBlock block;

  private static TextTokenizer tokenizer;
  private static float[][] reference;

  @BeforeAll
  static void setUp() throws IOException {
    if (!Files.isExecutable(PYTHON)) {
      return; // each test is skipped (or failed on CI) by requirePython
    }
    manager = NDManager.newBaseManager();
    weights = MiniLmImporter.weights(MiniLmImporter.readBundledGraph());
    bins = new LinkedHashMap<>();
    int i = 0;
    for (Map.Entry<String, WeightTensor> e : weights.entrySet()) {
      bins.put(
          e.getKey(),
          MiniLmCheckpoint.writeFloats(shared.resolve("t" + i++ + ".bin"), e.getValue().data()));
    }
    block = new BertEncoderBlock(BertConfig.miniLmL6());
    block.setInitializer(Initializer.ZEROS, Parameter.Type.WEIGHT); // overwritten: skip sampling
    block.initialize(manager, DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
    tokenizer = TextTokenizer.miniLm(MAX_LENGTH);
    block.loadWeights(weights);
    reference = embed(tokenizer);
  }

  @AfterAll
  static void tearDown() {
    if (tokenizer != null) {
      tokenizer.close();
    }
    if (manager != null) {
      manager.close();
    }
  }

  @BeforeEach
  void requirePython() {
    if (Files.isExecutable(PYTHON)) {
      return;
    }
    String message =
        PYTHON + " not found; it runs " + SCRIPT + ", the independent safetensors writer";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message + " (CI=true, so this is a failure, not a skip)");
    }
    Assumptions.abort("Skipped: " + message);
  }

  @Test
  void f32CheckpointIsBitIdentical() throws IOException {
    Map<String, Object> index = index(name -> "bert." + name);
    Random random = new Random(3);
    float[] pooler = new float[384 * 384];
    for (int i = 0; i < pooler.length; i++) {
      pooler[i] = (float) random.nextGaussian();
    }
    addTensor(index, "bert.pooler.dense.weight", new long[] {384, 384}, pooler);
    addTensor(index, "cls.predictions.bias", new long[] {30522}, new float[30522]);
    ByteBuffer ids = ByteBuffer.allocate(512 * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long p = 0; p < 512; p++) {
      ids.putLong(p);
    }
    Path idsFile = Files.write(dir.resolve("position_ids.bin"), ids.array());
    tensors(index)
        .add(
            Map.of(
                "name",
                "bert.embeddings.position_ids",
                "shape",
                List.of(1, 512),
                "file",
                idsFile.toString(),
                "raw_dtype",
                "I64"));

    Path checkpoint = writeCheckpoint(index, "F32");
    try (BertCheckpoint c = BertCheckpoint.open(checkpoint);
        SafetensorsReader r = SafetensorsReader.open(checkpoint.resolve("model.safetensors"))) {
      assertEquals(BertConfig.miniLmL6(), c.config());
      assertEquals(
          List.of(
              "bert.embeddings.position_ids", "bert.pooler.dense.weight", "cls.predictions.bias"),
          c.skippedTensors());
      assertEquals(Map.of("format", "pt"), r.metadata());
      assertEquals(SafetensorsDtype.I64, r.tensors().get("bert.embeddings.position_ids").dtype());
      Map<String, WeightTensor> read = c.weights();
      for (Map.Entry<String, WeightTensor> e : weights.entrySet()) {
        assertBitIdentical(e.getKey(), e.getValue(), read.get(e.getKey()));
      }
      assertTrue(read.get("embeddings.word_embeddings.weight").data().isDirect(), "mapped");

      c.loadInto(block);
      try (TextTokenizer t = c.tokenizer(MAX_LENGTH)) {
        float[][] got = embed(t);
        for (int i = 0; i < SENTENCES.size(); i++) {
          assertArrayEquals(reference[i], got[i], "sentence " + i);
        }
      }
    }
  }

  @Test
  void f16CheckpointHoldsTheRoundedWeights() throws IOException {
    checkRounded("F16", SafetensorsPythonWriterTest::roundToHalf, F16_TOLERANCE);
  }

  @Test
  void bf16CheckpointHoldsTheRoundedWeights() throws IOException {
    checkRounded("BF16", SafetensorsPythonWriterTest::roundToBfloat16, BF16_TOLERANCE);
  }

  private void checkRounded(String dtype, FloatRounding rounding, double tolerance)
      throws IOException {
    Path checkpoint = writeCheckpoint(index(UnaryOperator.identity()), dtype);
    Map<String, WeightTensor> rounded = new LinkedHashMap<>();
    weights.forEach((name, w) -> rounded.put(name, round(w, rounding)));
    try (BertCheckpoint c = BertCheckpoint.open(checkpoint)) {
      assertTrue(c.skippedTensors().isEmpty());
      c.loadInto(block);
      Map<String, Parameter> params = ParameterNames.of(block);
      for (Map.Entry<String, WeightTensor> e : rounded.entrySet()) {
        NDArray loaded = params.get(e.getKey()).getArray();
        assertBitIdentical(
            e.getKey(),
            e.getValue(),
            WeightTensor.of(loaded.toFloatArray(), loaded.getShape().getShape()));
      }
      float[][] fromFile = embed(tokenizer);
      block.loadWeights(rounded);
      float[][] fromJava = embed(tokenizer);
      double maxError = 0;
      for (int i = 0; i < SENTENCES.size(); i++) {
        assertArrayEquals(fromJava[i], fromFile[i], "sentence " + i);
        float[] a = normalized(fromFile[i]);
        float[] b = normalized(reference[i]);
        for (int j = 0; j < a.length; j++) {
          maxError = Math.max(maxError, Math.abs(a[j] - b[j]));
        }
      }
      System.out.printf("%s checkpoint: max abs error against F32 %.3g%n", dtype, maxError);
      assertTrue(maxError < tolerance, dtype + " error " + maxError + " over " + tolerance);
    }
  }

  /**
   * Values where rounding is delicate (ties, subnormals, overflow, the largest and smallest values)
   * and random values of every magnitude, through the writer's numpy and pure-Python paths, in F16
   * and BF16.
   */
  @Test
  void edgeValuesRoundTheSameInPythonAndJava() throws IOException {
    List<Float> values =
        new ArrayList<>(
            List.of(
                0f,
                -0f,
                1f,
                -1f,
                65504f,
                65519.99f,
                65520f,
                -65520f,
                70000f,
                1e-8f,
                0x1p-25f,
                0x1.000002p-25f,
                0x1.8p-24f,
                0x1p-24f,
                0x1p-14f,
                0x1.ffcp-15f,
                6.1e-5f,
                1 + 0x1p-11f,
                1 + 0x3p-11f,
                1 + 0x1p-8f,
                1 + 0x3p-8f,
                1 / 3f,
                (float) Math.PI,
                Float.MAX_VALUE,
                -Float.MAX_VALUE,
                Float.MIN_VALUE,
                Float.MIN_NORMAL,
                0x1.fffffep-127f,
                Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY,
                Float.NaN));
    Random random = new Random(11);
    for (int i = 0; i < 2000; i++) {
      values.add((float) (random.nextGaussian() * Math.pow(10, random.nextInt(13) - 9)));
      values.add(Float.intBitsToFloat(random.nextInt()));
    }
    float[] data = new float[values.size()];
    for (int i = 0; i < data.length; i++) {
      data[i] = values.get(i);
    }
    Map<String, Object> index = new LinkedHashMap<>();
    index.put("tensors", new ArrayList<>());
    addTensor(index, "edge", new long[] {data.length}, data);
    Path indexFile = dir.resolve("edge.json");
    new ObjectMapper().writeValue(indexFile.toFile(), index);
    for (String dtype : List.of("F16", "BF16")) {
      FloatRounding rounding =
          dtype.equals("F16")
              ? SafetensorsPythonWriterTest::roundToHalf
              : SafetensorsPythonWriterTest::roundToBfloat16;
      for (boolean pure : new boolean[] {false, true}) {
        Path out = dir.resolve("edge-" + dtype + (pure ? "-pure" : "") + ".safetensors");
        MiniLmCheckpoint.runWriter(indexFile, out, dtype, pure);
        try (SafetensorsReader r = SafetensorsReader.open(out)) {
          FloatBuffer got = r.read("edge").data();
          for (int i = 0; i < data.length; i++) {
            float expected = rounding.round(data[i]);
            float actual = got.get(i);
            String what = dtype + (pure ? " pure" : " numpy") + " of " + data[i];
            if (Float.isNaN(expected)) {
              assertTrue(Float.isNaN(actual), what);
            } else {
              assertEquals(
                  Float.floatToRawIntBits(expected),
                  Float.floatToRawIntBits(actual),
                  () -> what + ": expected " + expected + ", got " + actual);
            }
          }
        }
      }
    }
  }

  /** Same shape, and the same bits in every element (FloatBuffer.equals takes -0 for 0). */
  private static void assertBitIdentical(String name, WeightTensor expected, WeightTensor actual) {
    assertArrayEquals(expected.shape(), actual.shape(), name);
    FloatBuffer a = expected.data();
    FloatBuffer b = actual.data();
    assertEquals(a.remaining(), b.remaining(), name);
    for (int i = 0; i < a.remaining(); i++) {
      if (Float.floatToRawIntBits(a.get(i)) != Float.floatToRawIntBits(b.get(i))) {
        fail(name + "[" + i + "]: expected " + a.get(i) + ", got " + b.get(i));
      }
    }
  }

  /** Rounds a float to the nearest half (ties to even), as a float; overflow gives infinity. */
  static float roundToHalf(float x) {
    if (!Float.isFinite(x) || x == 0) {
      return x;
    }
    double a = Math.abs((double) x);
    // Spacing of halves near a: 2^(e - 10) for normal halves, 2^-24 below 2^-14.
    double ulp = Math.scalb(1.0, Math.max(Math.getExponent(a), -14) - 10);
    double r = Math.rint(a / ulp) * ulp;
    return (float) Math.copySign(r > 65504 ? Double.POSITIVE_INFINITY : r, x);
  }

  /** Rounds a float to the nearest bfloat16 (ties to even), as a float. */
  static float roundToBfloat16(float x) {
    if (!Float.isFinite(x) || x == 0) {
      return x;
    }
    double a = Math.abs((double) x);
    // Spacing of bfloat16 values near a: 2^(e - 7), and 2^-133 among subnormals.
    double ulp = Math.scalb(1.0, Math.max(Math.getExponent(a), -126) - 7);
    double r = Math.rint(a / ulp) * ulp;
    return (float) Math.copySign(r, x);
  }

  /** A float-to-float rounding. */
  @FunctionalInterface
  interface FloatRounding {
    float round(float x);
  }

  private static WeightTensor round(WeightTensor w, FloatRounding rounding) {
    FloatBuffer src = w.data();
    float[] out = new float[src.remaining()];
    for (int i = 0; i < out.length; i++) {
      out[i] = rounding.round(src.get(i));
    }
    return WeightTensor.of(out, w.shape());
  }

  /** Mean-pooled last hidden states of {@link #SENTENCES} through {@link #block}. */
  private static float[][] embed(TextTokenizer t) {
    try (NDManager step = manager.newSubManager();
        TextTokenizer.Batch batch = t.encode(SENTENCES, step)) {
      NDArray hidden =
          block
              .forward(new ParameterStore(step, false), batch.toNDList(), false)
              .singletonOrThrow();
      NDArray pooled = BertEncoderBlock.meanPool(hidden, batch.attentionMask());
      float[][] out = new float[SENTENCES.size()][];
      for (int i = 0; i < out.length; i++) {
        out[i] = pooled.get(i).toFloatArray();
      }
      return out;
    }
  }

  private static float[] normalized(float[] v) {
    double norm = 0;
    for (float x : v) {
      norm += (double) x * x;
    }
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) (v[i] / Math.sqrt(norm));
    }
    return out;
  }

  /** The writer's index of the exported weights, under the names {@code rename} gives. */
  private static Map<String, Object> index(UnaryOperator<String> rename) {
    List<Object> tensors = new ArrayList<>();
    weights.forEach(
        (name, w) ->
            tensors.add(
                Map.of(
                    "name", rename.apply(name),
                    "shape", w.shape(),
                    "file", bins.get(name).toString())));
    Map<String, Object> index = new LinkedHashMap<>();
    index.put("metadata", Map.of("format", "pt"));
    index.put("tensors", tensors);
    return index;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> tensors(Map<String, Object> index) {
    return (List<Object>) index.get("tensors");
  }

  private void addTensor(Map<String, Object> index, String name, long[] shape, float[] values)
      throws IOException {
    Path bin = MiniLmCheckpoint.writeFloats(dir.resolve(name + ".bin"), FloatBuffer.wrap(values));
    tensors(index).add(Map.of("name", name, "shape", shape, "file", bin.toString()));
  }

  /** A checkpoint directory: MiniLM's config.json and tokenizer.json, the writer's weights. */
  private Path writeCheckpoint(Map<String, Object> index, String dtype) throws IOException {
    Path checkpoint = Files.createDirectories(dir.resolve("checkpoint-" + dtype));
    Path indexFile = dir.resolve("index-" + dtype + ".json");
    new ObjectMapper().writeValue(indexFile.toFile(), index);
    MiniLmCheckpoint.runWriter(indexFile, checkpoint.resolve("model.safetensors"), dtype, false);
    Files.writeString(checkpoint.resolve("config.json"), MiniLmCheckpoint.MINILM_CONFIG);
    try (InputStream in =
        SafetensorsPythonWriterTest.class
            .getClassLoader()
            .getResourceAsStream(MiniLmImporter.TOKENIZER_RESOURCE)) {
      Files.write(checkpoint.resolve("tokenizer.json"), in.readAllBytes());
    }
    return checkpoint;
  }
}
