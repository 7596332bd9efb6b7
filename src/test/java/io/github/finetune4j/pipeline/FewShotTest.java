package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeReader;
import io.github.finetune4j.train.Batches;
import io.github.finetune4j.train.TextBatches;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Few-shot (SetFit) phase 1: the pairs follow SetFit's {@code sentence_pairs_generation}; a batch
 * that embeds each distinct text once gives the vectors a forward pass over every text of the pairs
 * gives; the phase changes the encoder, lowers the pair loss and leaves the head bit for bit as it
 * was; bad inputs are named.
 */
class FewShotTest {

  private static final Path RECIPE = Path.of("recipes/spamassassin/setfit.yaml");
  private static final BertConfig TINY = new BertConfig(50, 16, 2, 2, 32, 16, 2, 1e-12);

  // ------------------------------------------------------------------ pair generation

  @Test
  void pairsFollowSetFitsGeneration() {
    int[] labels = {0, 0, 0, 1, 1, 2, 0, 1};
    int iterations = 5;
    FewShot.Pairs p = FewShot.pairs(labels, iterations, 7);
    assertEquals(2 * iterations * labels.length, p.size());
    for (int k = 0; k < p.size(); k++) {
      // iteration after iteration, every example in order: its similar pair, then its other one
      assertEquals((k / 2) % labels.length, p.first()[k], "pair " + k);
      boolean similar = k % 2 == 0;
      assertEquals(similar ? 1f : 0f, p.labels()[k], "pair " + k);
      int a = labels[p.first()[k]];
      int b = labels[p.second()[k]];
      if (similar) {
        assertEquals(a, b, "pair " + k + " is labelled similar across classes");
      } else {
        assertNotEquals(a, b, "pair " + k + " is labelled dissimilar within a class");
      }
    }
    // deterministic for a seed, and the seed matters
    FewShot.Pairs again = FewShot.pairs(labels, iterations, 7);
    assertArrayEquals(p.first(), again.first());
    assertArrayEquals(p.second(), again.second());
    assertArrayEquals(p.labels(), again.labels());
    assertFalse(
        java.util.Arrays.equals(p.second(), FewShot.pairs(labels, iterations, 8).second()),
        "another seed draws other partners");
  }

  @Test
  void partnersAreDrawnUniformlyAnExampleItselfIncluded() {
    // SetFit draws the similar partner from the whole class (np.random.choice over its indexes),
    // so an example is its own partner 1 time in the class size; the dissimilar one from all
    // examples of the other classes
    int[] labels = {0, 0, 0, 0, 1, 1};
    int iterations = 20_000;
    FewShot.Pairs p = FewShot.pairs(labels, iterations, 42);
    Map<Integer, Integer> similarOf0 = new HashMap<>();
    Map<Integer, Integer> otherOf0 = new HashMap<>();
    for (int k = 0; k < p.size(); k++) {
      if (p.first()[k] == 0) {
        (p.labels()[k] == 1f ? similarOf0 : otherOf0).merge(p.second()[k], 1, Integer::sum);
      }
    }
    assertEquals(List.of(0, 1, 2, 3), List.copyOf(new java.util.TreeSet<>(similarOf0.keySet())));
    for (int j = 0; j < 4; j++) {
      // 20,000 draws of 1/4: sd 61; 5 sd is 306
      assertEquals(5000, similarOf0.get(j), 306, "similar partner " + j);
    }
    assertEquals(List.of(4, 5), List.copyOf(new java.util.TreeSet<>(otherOf0.keySet())));
    assertEquals(10_000, otherOf0.get(4), 354, "other partner 4"); // sd 71
  }

  @Test
  void aLoneExampleIsItsOwnSimilarPartnerAndOneClassIsRefused() {
    FewShot.Pairs p = FewShot.pairs(new int[] {0, 1, 1}, 3, 1);
    for (int k = 0; k < p.size(); k += 2) {
      if (p.first()[k] == 0) {
        assertEquals(0, p.second()[k]);
      }
    }
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> FewShot.pairs(new int[] {1, 1}, 1, 1));
    assertTrue(e.getMessage().contains("two classes"), e.getMessage());
  }

  // ------------------------------------------------------------------ checks

  @Test
  void fewerThanTwoClassesWithTwoExamplesOrANonTextBlockIsNamed() throws Exception {
    Recipe recipe = RecipeReader.read(RECIPE, List.of());
    TextClassifierBlock block = new TextClassifierBlock(TINY, 2, "mean", 0.1);
    List<String> classes = List.of("ham", "spam");
    TextBatches oneSpam = texts(new Random(1), new int[] {0, 0, 0, 1});
    assertEquals(
        List.of(
            "task.few_shot: the pairs need two or more classes with at least 2 training examples"
                + " each (a similar pair of two examples, a dissimilar one across classes);"
                + " data.train holds 4 examples: ham 3, spam 1 (raise data.train.limit, or add"
                + " examples)"),
        FewShot.problems(recipe, block, oneSpam, classes));
    TextBatches twoEach = texts(new Random(1), new int[] {0, 1, 0, 1});
    assertEquals(List.of(), FewShot.problems(recipe, block, twoEach, classes));
    assertEquals(
        List.of(
            "task.few_shot: tunes a text encoder with a classifier head (model.type: bert-onnx or"
                + " safetensors), but the block is Linear"),
        FewShot.problems(recipe, Linear.builder().setUnits(2).build(), twoEach, classes));
    // no few_shot section: nothing to check
    Recipe plain = RecipeReader.read(Path.of("recipes/spamassassin/lp-ft.yaml"), List.of());
    assertEquals(List.of(), FewShot.problems(plain, block, oneSpam, classes));
  }

  // ------------------------------------------------------------------ the phase

  @Test
  void eachDistinctTextOnceGivesTheVectorsOfEveryTextOfThePairs() {
    Engine.getInstance().setRandomSeed(5);
    try (Model m = Model.newInstance("fewshot")) {
      TextClassifierBlock block = tinyBlock(m);
      TextBatches train = texts(new Random(2), new int[] {0, 1, 0, 1, 1, 0});
      FewShot.Pairs pairs = FewShot.pairs(new int[] {0, 1, 0, 1, 1, 0}, 3, 3);
      Batches data = FewShot.batches(train, pairs);
      int[] idx = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
      try (NDManager sm = m.getNDManager().newSubManager()) {
        ParameterStore ps = new ParameterStore(sm, false);
        NDList in = data.inputs(sm, idx);
        assertTrue(in.get(0).getShape().get(0) <= 6, "at most the 6 distinct texts");
        assertEquals(new Shape(2 * idx.length), in.get(2).getShape());
        float[] got =
            new FewShot.Pooled(block, FewShot.poolSegment(block))
                .forward(ps, in, false)
                .singletonOrThrow()
                .toFloatArray();
        // reference: every text of the pairs on its own row, firsts then seconds, one pass
        int[] rows = new int[2 * idx.length];
        for (int b = 0; b < idx.length; b++) {
          rows[b] = pairs.first()[idx[b]];
          rows[idx.length + b] = pairs.second()[idx[b]];
        }
        NDList all = train.inputs(sm, rows);
        float[] want =
            block
                .forwardSegments(ps, all, 0, FewShot.poolSegment(block) + 1, false)
                .singletonOrThrow()
                .toFloatArray();
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
          assertEquals(want[i], got[i], 1e-5, "entry " + i);
        }
        assertEquals(2 * idx.length * TINY.hiddenSize(), got.length);
      }
    }
  }

  @Test
  void thePhaseTrainsTheEncoderLowersThePairLossAndLeavesTheHead() throws Exception {
    Engine.getInstance().setRandomSeed(11);
    Recipe recipe =
        RecipeReader.read(
            RECIPE,
            List.of(
                "task.few_shot.pairs_per_example=4",
                "task.few_shot.epochs=4",
                "task.few_shot.lr=3.0e-3",
                "task.few_shot.batch_size=8"));
    try (Model m = Model.newInstance("fewshot")) {
      TextClassifierBlock block = tinyBlock(m);
      m.setBlock(block);
      Map<String, Parameter> params = ParameterNames.trainable(block);
      Map<String, float[]> before = new LinkedHashMap<>();
      params.forEach((n, p) -> before.put(n, p.getArray().toFloatArray()));
      int[] labels = {0, 1, 0, 1, 0, 1, 1, 0};
      TextBatches train = texts(new Random(4), labels);
      Runner.Training t =
          new Runner.Training(
              m,
              block,
              params,
              null,
              null,
              null,
              null,
              new Runner.Splits(train, null, null),
              null,
              null,
              List.of(),
              null,
              null,
              List.of(),
              List.of());
      ByteArrayOutputStream console = new ByteArrayOutputStream();
      FewShot.Outcome o =
          FewShot.run(recipe, t, new PrintStream(console, true, StandardCharsets.UTF_8));
      assertTrue(o.result().succeeded(), () -> o.result().fault().message());

      ObjectNode s = o.summary();
      assertEquals(8, s.get("examples").asInt());
      assertEquals(2 * 4 * 8, s.get("pairs").asInt());
      assertEquals("cosine", s.get("loss").asText());
      assertEquals(4 * 8, s.get("steps").asInt()); // 64 pairs in batches of 8, 4 epochs
      JsonNode losses = s.get("epoch_losses");
      assertEquals(4, losses.size());
      assertEquals(losses.get(3).asDouble(), s.get("final_loss").asDouble());
      assertTrue(
          losses.get(3).asDouble() < 0.8 * losses.get(0).asDouble(),
          "the pair loss falls: " + losses);
      assertTrue(s.get("seconds").asDouble() > 0);
      String out = console.toString(StandardCharsets.UTF_8);
      assertTrue(
          out.startsWith(
              "few-shot phase: 64 pairs from 8 labelled examples (8 per example, half similar),"
                  + " loss cosine, 32 steps of 8 pairs at lr 0.003; the head waits"),
          out);
      assertTrue(out.contains("few-shot phase done: 32 steps"), out);

      int changed = 0;
      for (Map.Entry<String, float[]> e : before.entrySet()) {
        float[] now = params.get(e.getKey()).getArray().toFloatArray();
        if (e.getKey().startsWith("head.")) {
          assertArrayEquals(e.getValue(), now, 0f, e.getKey() + " changed");
        } else if (!java.util.Arrays.equals(e.getValue(), now)) {
          changed++;
        }
      }
      long encoder = before.keySet().stream().filter(n -> !n.startsWith("head.")).count();
      assertEquals(encoder, changed, "every encoder parameter moved");
      assertTrue(before.containsKey("head.weight") && before.containsKey("head.bias"));
    }
  }

  // ------------------------------------------------------------------ helpers

  private static TextClassifierBlock tinyBlock(Model m) {
    TextClassifierBlock block = new TextClassifierBlock(TINY, 2, "mean", 0.1);
    block.initialize(m.getNDManager(), DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
    return block;
  }

  /** Random token ids (3 to 10 of them, from the tiny vocabulary) with these labels. */
  private static TextBatches texts(Random r, int[] labels) {
    long[][] ids = new long[labels.length][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = new long[3 + r.nextInt(8)];
      ids[i][0] = 1;
      for (int j = 1; j < ids[i].length; j++) {
        ids[i][j] = 2 + r.nextInt(48);
      }
    }
    return new TextBatches(ids, labels);
  }
}
