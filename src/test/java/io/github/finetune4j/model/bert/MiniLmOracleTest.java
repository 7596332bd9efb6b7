package io.github.finetune4j.model.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import io.github.finetune4j.model.onnx.OnnxGraph;
import io.github.finetune4j.model.onnx.OnnxTensor;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.params.ParameterNames;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The imported encoder against an independent implementation: langchain4j's all-MiniLM-L6-v2 run by
 * ONNX Runtime on the same ONNX file. Sentence embeddings must agree to 1e-4 per component.
 *
 * <p>langchain4j keeps the truncation configured in the bundled {@code tokenizer.json}, 128 tokens
 * (sentence-transformers uses 256 for this model), so the comparison tokenizes at 128 too and the
 * long sentence exercises truncation.
 */
class MiniLmOracleTest {

  private static final List<String> SENTENCES =
      List.of(
          "Hello world.",
          "The quick brown fox jumps over the lazy dog.",
          "Fine-tuning a pre-trained encoder usually needs a much smaller learning rate"
              + " than training the classification head from scratch.",
          "Is this review positive or negative? I loved every minute of it!",
          "Paris is the capital of France; Berlin is the capital of Germany.",
          "42",
          "Transfer learning reuses what a network learned on one task, such as predicting"
              + " masked words in a very large corpus of books and web pages, to solve another"
              + " task with far less labelled data. In natural language processing this usually"
              + " means taking an encoder like BERT or one of its distilled descendants, adding a"
              + " small head on top of the pooled sentence representation, and training the whole"
              + " stack for a few epochs with a low learning rate, warm-up, and weight decay, while"
              + " watching the validation loss closely so that the pre-trained features are not"
              + " destroyed by large early updates from a randomly initialised head; layer-wise"
              + " learning-rate decay and gradual unfreezing are two popular ways to do this.",
          "Café au lait, naïve résumé — and 3.14159 reasons why tokenizers are tricky.");

  /** The truncation length langchain4j inherits from the bundled tokenizer.json. */
  private static final int ORACLE_MAX_LENGTH = 128;

  private static NDManager manager;
  private static OnnxGraph graph;
  private static BertEncoderBlock encoder;
  private static TextTokenizer tokenizer;

  @BeforeAll
  static void load() throws IOException {
    manager = NDManager.newBaseManager();
    long t0 = System.nanoTime();
    graph = MiniLmImporter.readBundledGraph();
    encoder = MiniLmImporter.importEncoder(manager, graph, BertConfig.miniLmL6());
    System.out.printf("Imported all-MiniLM-L6-v2 in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    tokenizer = TextTokenizer.miniLm(ORACLE_MAX_LENGTH);
  }

  @AfterAll
  static void close() {
    tokenizer.close();
    manager.close();
  }

  @Test
  void embeddingsMatchOnnxRuntime() {
    AllMiniLmL6V2EmbeddingModel oracle = new AllMiniLmL6V2EmbeddingModel();
    float[][] expected = new float[SENTENCES.size()][];
    for (int i = 0; i < SENTENCES.size(); i++) {
      expected[i] = oracle.embed(SENTENCES.get(i)).content().vector();
    }

    try (NDManager step = manager.newSubManager();
        TextTokenizer.Batch batch = tokenizer.encode(SENTENCES, step)) {
      long[] lengths = batch.attentionMask().sum(new int[] {1}).toLongArray();
      long longest = batch.inputIds().getShape().get(1);
      assertEquals(ORACLE_MAX_LENGTH, longest, "the long sentence is truncated");
      assertTrue(lengths[0] < longest, "the batch is padded");

      NDArray hidden =
          encoder
              .forward(new ParameterStore(step, false), batch.toNDList(), false)
              .singletonOrThrow();
      NDArray pooled = BertEncoderBlock.meanPool(hidden, batch.attentionMask());
      NDArray normalized = pooled.div(pooled.norm(new int[] {1}, true));
      float[][] actual = new float[SENTENCES.size()][];
      double maxError = 0;
      for (int i = 0; i < SENTENCES.size(); i++) {
        actual[i] = normalized.get(i).toFloatArray();
        assertEquals(384, actual[i].length);
        for (int j = 0; j < 384; j++) {
          maxError = Math.max(maxError, Math.abs(actual[i][j] - expected[i][j]));
        }
      }
      System.out.printf(
          "all-MiniLM-L6-v2 oracle: %d sentences, %d..%d tokens, max abs error %.3g%n",
          SENTENCES.size(), Arrays.stream(lengths).min().orElseThrow(), longest, maxError);
      for (int i = 0; i < SENTENCES.size(); i++) {
        assertArrayEquals(expected[i], actual[i], 1e-4f, "sentence " + i);
      }
    }
  }

  @Test
  void linearWeightsAreTransposedMatMulInputs() {
    Map<String, WeightTensor> weights = MiniLmImporter.weights(graph);
    assertEquals(ParameterNamesHolder.names(encoder), weights.keySet());
    WeightTensor w = weights.get("encoder.layer.2.intermediate.dense.weight");
    assertArrayEquals(new long[] {1536, 384}, w.shape());
    OnnxTensor source =
        graph
            .initializers()
            .get(
                graph.nodes().stream()
                    .filter(n -> n.name().equals("/encoder/layer.2/intermediate/dense/MatMul"))
                    .findFirst()
                    .orElseThrow()
                    .inputs()
                    .get(1));
    assertArrayEquals(new long[] {384, 1536}, source.dims());
    FloatBuffer src = source.floats();
    FloatBuffer dst = w.data();
    for (int[] rc : new int[][] {{0, 0}, {5, 17}, {383, 1535}, {100, 1000}}) {
      assertEquals(src.get(rc[0] * 1536 + rc[1]), dst.get(rc[1] * 384 + rc[0]));
    }
    // Kept names are views of the file: the same values, not transposed.
    assertEquals(
        graph.initializers().get("embeddings.word_embeddings.weight").floats().get(12345),
        weights.get("embeddings.word_embeddings.weight").data().get(12345));
  }

  @Test
  void mismatchedConfigIsReportedByName() {
    try (NDManager m = manager.newSubManager()) {
      BertConfig wrong = new BertConfig(30522, 384, 1, 12, 1024, 512, 2, 1e-12);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> MiniLmImporter.importEncoder(m, graph, wrong));
      // The sizes that differ, each in one sentence with both numbers (not the tensors they
      // imply).
      assertEquals(
          "the configuration says 1 layer (num_hidden_layers), the ONNX model has 6; the"
              + " configuration says a feed-forward size of 1024 (intermediate_size), the ONNX"
              + " model has 1536",
          e.getMessage());

      BertConfig deeper = BertConfig.miniLmL6().withNumLayers(7);
      e =
          assertThrows(
              IllegalArgumentException.class, () -> MiniLmImporter.importEncoder(m, graph, deeper));
      assertEquals(
          "the configuration says 7 layers (num_hidden_layers), the ONNX model has 6",
          e.getMessage());
    }
  }

  /** Parameter names of a block, as a set. */
  private static final class ParameterNamesHolder {
    static Set<String> names(BertEncoderBlock block) {
      return ParameterNames.of(block).keySet();
    }
  }
}
