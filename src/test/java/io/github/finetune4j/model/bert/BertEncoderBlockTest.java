package io.github.finetune4j.model.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.params.ParameterNames;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BertEncoderBlockTest {

  /** A tiny BERT: 2 layers, 2 heads of 4. */
  private static final BertConfig TINY = new BertConfig(50, 8, 2, 2, 16, 16, 2, 1e-12);

  private static List<String> expectedNames(int layers) {
    List<String> names = new ArrayList<>();
    for (String e : List.of("word_embeddings", "position_embeddings", "token_type_embeddings")) {
      names.add("embeddings." + e + ".weight");
    }
    names.add("embeddings.LayerNorm.weight");
    names.add("embeddings.LayerNorm.bias");
    for (int i = 0; i < layers; i++) {
      String p = "encoder.layer." + i + ".";
      for (String m :
          List.of(
              "attention.self.query",
              "attention.self.key",
              "attention.self.value",
              "attention.output.dense",
              "attention.output.LayerNorm",
              "intermediate.dense",
              "output.dense",
              "output.LayerNorm")) {
        names.add(p + m + ".weight");
        names.add(p + m + ".bias");
      }
    }
    return names;
  }

  private static BertEncoderBlock tinyBlock(NDManager manager) {
    BertEncoderBlock block = new BertEncoderBlock(TINY);
    block.initialize(manager, DataType.FLOAT32, new Shape(2, 5), new Shape(2, 5));
    return block;
  }

  private static NDArray ids(NDManager m, long[][] rows) {
    return m.create(rows);
  }

  @Test
  void parameterNamesAreHuggingFaceNames() {
    BertEncoderBlock block = new BertEncoderBlock(TINY);
    assertEquals(expectedNames(2), List.copyOf(ParameterNames.of(block).keySet()));
    assertEquals(
        expectedNames(6).size(),
        ParameterNames.of(new BertEncoderBlock(BertConfig.miniLmL6())).size());
  }

  @Test
  void randomInitRunsForwardWithExpectedShapes() {
    try (NDManager m = NDManager.newBaseManager()) {
      BertEncoderBlock block = tinyBlock(m);
      Map<String, Parameter> p = ParameterNames.of(block);
      assertEquals(
          new Shape(50, 8), p.get("embeddings.word_embeddings.weight").getArray().getShape());
      assertEquals(
          new Shape(16, 8),
          p.get("encoder.layer.1.intermediate.dense.weight").getArray().getShape());
      assertEquals(
          new Shape(8, 16), p.get("encoder.layer.1.output.dense.weight").getArray().getShape());
      NDArray q = p.get("encoder.layer.0.attention.self.query.weight").getArray();
      float std = (float) Math.sqrt(q.sub(q.mean()).square().mean().getFloat());
      assertTrue(std > 0.005 && std < 0.03, "truncated normal 0.02, got std " + std);
      assertEquals(1f, p.get("embeddings.LayerNorm.weight").getArray().mean().getFloat());

      NDArray ids = ids(m, new long[][] {{1, 7, 9, 2, 0, 0}, {1, 3, 4, 5, 6, 2}});
      NDArray mask = ids(m, new long[][] {{1, 1, 1, 1, 0, 0}, {1, 1, 1, 1, 1, 1}});
      NDArray out =
          block
              .forward(new ParameterStore(m, false), new NDList(ids, mask), false)
              .singletonOrThrow();
      assertEquals(new Shape(2, 6, 8), out.getShape());
      assertFalse(out.isNaN().any().getBoolean());
      // LayerNorm output: each token vector has mean ~0.
      assertEquals(0f, out.mean(new int[] {2}).abs().max().getFloat(), 1e-5f);
      assertArrayEquals(
          new Shape[] {new Shape(2, 6, 8)}, block.getOutputShapes(new Shape[] {new Shape(2, 6)}));

      // Training mode applies dropout, so outputs differ from inference.
      NDArray trained =
          block
              .forward(new ParameterStore(m, false), new NDList(ids, mask), true)
              .singletonOrThrow();
      assertNotEquals(0f, trained.sub(out).abs().max().getFloat());
    }
  }

  @Test
  void paddingDoesNotChangeRealTokens() {
    try (NDManager m = NDManager.newBaseManager()) {
      BertEncoderBlock block = tinyBlock(m);
      ParameterStore ps = new ParameterStore(m, false);
      NDArray alone = ids(m, new long[][] {{1, 7, 9, 2}});
      NDArray aloneOut =
          block.forward(ps, new NDList(alone, alone.onesLike()), false).singletonOrThrow();
      NDArray padded = ids(m, new long[][] {{1, 7, 9, 2, 0, 0}, {1, 3, 4, 5, 6, 2}});
      NDArray mask = ids(m, new long[][] {{1, 1, 1, 1, 0, 0}, {1, 1, 1, 1, 1, 1}});
      NDArray types = padded.zerosLike();
      NDArray paddedOut =
          block.forward(ps, new NDList(padded, mask, types), false).singletonOrThrow();
      NDArray firstRow = paddedOut.get("0:1, 0:4, :");
      assertEquals(0f, firstRow.sub(aloneOut).abs().max().getFloat(), 1e-5f);

      NDArray pooled = BertEncoderBlock.meanPool(paddedOut, mask);
      NDArray alonePooled = BertEncoderBlock.meanPool(aloneOut, alone.onesLike());
      assertEquals(new Shape(2, 8), pooled.getShape());
      assertEquals(0f, pooled.get("0:1").sub(alonePooled).abs().max().getFloat(), 1e-5f);
    }
  }

  @Test
  void meanPoolAveragesOnlyMaskedTokens() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray hidden =
          m.create(new float[] {1, 2, 3, 4, 100, 100, 5, 6, 7, 8, 9, 10}, new Shape(2, 3, 2));
      NDArray mask = m.create(new long[][] {{1, 1, 0}, {1, 1, 1}});
      float[] pooled = BertEncoderBlock.meanPool(hidden, mask).toFloatArray();
      assertArrayEquals(new float[] {2, 3, 7, 8}, pooled, 1e-6f);
    }
  }

  @Test
  void loadWeightsSetsValuesAndChecksShapes() {
    try (NDManager m = NDManager.newBaseManager()) {
      BertEncoderBlock block = tinyBlock(m);
      Map<String, WeightTensor> weights = new LinkedHashMap<>();
      Random random = new Random(7);
      ParameterNames.of(block)
          .forEach(
              (name, p) -> {
                long[] shape = p.getArray().getShape().getShape();
                float[] v = new float[Math.toIntExact(p.getArray().size())];
                for (int i = 0; i < v.length; i++) {
                  v[i] = (float) random.nextGaussian() * 0.1f;
                }
                weights.put(name, WeightTensor.of(v, shape));
              });
      block.loadWeights(weights);
      Parameter q = ParameterNames.of(block).get("encoder.layer.1.attention.self.query.weight");
      WeightTensor given = weights.get("encoder.layer.1.attention.self.query.weight");
      assertEquals(given.data().get(3 * 8 + 2), q.getArray().getFloat(3, 2));
      // Values written in place keep the parameter trainable: a backward pass reaches it.
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray ids = m.create(new long[][] {{1, 7, 9, 2}});
        NDArray out =
            block
                .forward(new ParameterStore(m, false), new NDList(ids, ids.onesLike()), true)
                .head();
        gc.backward(out.square().sum());
      }
      assertTrue(q.getArray().getGradient().abs().sum().getFloat() > 0);

      Map<String, WeightTensor> bad = new LinkedHashMap<>(weights);
      bad.put(
          "encoder.layer.1.attention.self.query.weight", WeightTensor.of(new float[8 * 16], 8, 16));
      bad.put("encoder.layer.9.output.dense.bias", WeightTensor.of(new float[8], 8));
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> block.loadWeights(bad));
      assertTrue(
          e.getMessage()
              .contains(
                  "encoder.layer.1.attention.self.query.weight: expected (8, 8), got (8, 16)"),
          e.getMessage());
      assertTrue(e.getMessage().contains("encoder.layer.9.output.dense.bias: no such parameter"));

      Map<String, WeightTensor> partial = new LinkedHashMap<>(weights);
      partial.remove("embeddings.LayerNorm.bias");
      e = assertThrows(IllegalArgumentException.class, () -> block.loadWeights(partial));
      assertTrue(e.getMessage().contains("embeddings.LayerNorm.bias"), e.getMessage());
    }
  }

  @Test
  void parametersSurviveDjlSaveAndLoad() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      BertEncoderBlock block = tinyBlock(m);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      block.saveParameters(new DataOutputStream(bytes));
      BertEncoderBlock copy = new BertEncoderBlock(TINY);
      copy.loadParameters(m, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      NDArray ids = m.create(new long[][] {{1, 7, 9, 2, 5}});
      NDList in = new NDList(ids, ids.onesLike());
      ParameterStore ps = new ParameterStore(m, false);
      assertEquals(block.forward(ps, in, false).head(), copy.forward(ps, in, false).head());
    }
  }

  @Test
  void loadingBeforeInitializeIsRejected() {
    BertEncoderBlock block = new BertEncoderBlock(TINY);
    Map<String, WeightTensor> one =
        Map.of("embeddings.LayerNorm.bias", WeightTensor.of(new float[8], 8));
    assertThrows(IllegalStateException.class, () -> block.loadWeights(one));
  }

  @Test
  void configRoundTripsThroughJackson() throws Exception {
    ObjectMapper json = new ObjectMapper();
    BertConfig c = BertConfig.miniLmL6();
    String text = json.writeValueAsString(c);
    assertTrue(text.contains("\"hiddenSize\":384"), text);
    assertEquals(c, json.readValue(text, BertConfig.class));
    assertEquals(32, c.headSize());
    assertEquals(0.1, c.hiddenDropout());
    assertThrows(
        IllegalArgumentException.class, () -> new BertConfig(10, 10, 1, 3, 4, 4, 2, 1e-12));
  }

  /** A stand-in for a classifier: adopts the halves as its own children next to a head. */
  private static final class Classifier extends AbstractBlock {
    private final Block embeddings;
    private final Block encoder;
    private final Block head;

    Classifier(BertEncoderBlock bert) {
      embeddings = addChildBlock("embeddings", bert.getEmbeddings());
      encoder = addChildBlock("encoder", bert.getEncoder());
      head = addChildBlock("head", Linear.builder().setUnits(3).build());
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
      NDArray h =
          BertEncoderBlock.encode(ps, embeddings, encoder, in.get(0), in.get(1), null, training)
              .head();
      NDArray cls = h.get(":, 0, :");
      return head.forward(ps, new NDList(cls), training);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType type, Shape... shapes) {
      BertEncoderBlock.initializeParts(manager, type, embeddings, encoder, shapes[0]);
      head.initialize(manager, type, new Shape(shapes[0].get(0), TINY.hiddenSize()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] shapes) {
      return new Shape[] {new Shape(shapes[0].get(0), 3)};
    }
  }

  @Test
  void halvesCanBeAdoptedByAnotherBlock() {
    try (NDManager m = NDManager.newBaseManager()) {
      BertEncoderBlock bert = tinyBlock(m);
      NDArray before =
          ParameterNames.of(bert).get("encoder.layer.0.output.dense.weight").getArray().duplicate();
      Classifier classifier = new Classifier(bert);
      classifier.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
      classifier.initialize(m, DataType.FLOAT32, new Shape(2, 5), new Shape(2, 5));

      List<String> names = List.copyOf(ParameterNames.of(classifier).keySet());
      List<String> expected = new ArrayList<>(expectedNames(2));
      expected.add("head.weight");
      expected.add("head.bias");
      assertEquals(expected, names);
      // Initializing the adopter keeps the arrays the encoder already had.
      assertEquals(
          before,
          ParameterNames.of(classifier).get("encoder.layer.0.output.dense.weight").getArray());

      NDArray ids = m.create(new long[][] {{1, 7, 9, 2}});
      NDArray mask = ids.onesLike();
      ParameterStore ps = new ParameterStore(m, false);
      NDArray logits = classifier.forward(ps, new NDList(ids, mask), false).head();
      assertEquals(new Shape(1, 3), logits.getShape());
      NDArray direct = bert.forward(ps, new NDList(ids, mask), false).head().get(":, 0, :");
      NDArray viaHalves =
          BertEncoderBlock.encode(
                  ps, bert.getEmbeddings(), bert.getEncoder(), ids, mask, null, false)
              .head()
              .get(":, 0, :");
      assertEquals(direct, viaHalves);
    }
  }
}
