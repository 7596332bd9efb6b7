package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2.E5SmallV2EmbeddingModel;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.bert.BertEncoderBlock;
import io.github.finetune4j.model.bert.BertWeights;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.recipe.BertOnnxModel;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The models unpacked from langchain4j's jars (issue #21 item 7) through a recipe's {@code model:
 * {type: bert-onnx, path, config, tokenizer}}, against langchain4j's own classes from the same jars
 * run by ONNX Runtime: {@link BgeSmallEnV15EmbeddingModel} ([CLS] pooling) and {@link
 * E5SmallV2EmbeddingModel} (mean pooling), both normalized.
 *
 * <p>The toolkit's side is the recipe's path: the shipped {@code
 * recipes/embeddings/debian-bge-small.yaml} read as a user's, its model source ({@link
 * OnnxBertSource}: the committed config.json checked against the ONNX file's shapes, the weights by
 * name), the embedding model's block ({@link TextFamily#newBlock}: the encoder with the recipe's
 * {@code head.pooling} and no head) and the recipe's tokenizer at its {@code max_length}; then unit
 * length, as the embedding task's {@code normalize} does. e5-small-v2 is the same recipe with its
 * model files and {@code head.pooling=mean} given as overrides.
 */
class BgeImportTest {

  private static final Path RECIPE = Path.of("recipes/embeddings/debian-bge-small.yaml");

  private static final List<String> SENTENCES =
      List.of(
          "Set of scripts to remaster Debian iso images.",
          "Compiler for Raku language",
          "The quick brown fox jumps over the lazy dog.",
          "parse common (terminal) ANSI codes and remove or convert them",
          "Paris is the capital of France; Berlin is the capital of Germany.",
          "42",
          "Café au lait, naïve résumé — and 3.14159 reasons why tokenizers are tricky.",
          "Fine-tuning a pre-trained encoder usually needs a much smaller learning rate than"
              + " training the classification head from scratch, and a retrieval model is best"
              + " judged on queries it has never seen.");

  @Test
  void bgeSmallFromTheRecipeEqualsLangchain4jsBgeSmallEnV15EmbeddingModel() throws Exception {
    Recipe recipe = RecipeReader.read(RECIPE, List.of());
    assertEquals("cls", recipe.head().pooling());
    BertOnnxModel model = (BertOnnxModel) recipe.model();
    String doc = Files.readString(Path.of("docs/models.md"));
    for (String line :
        List.of(
            "path: " + model.path(),
            "config: " + model.config(),
            "tokenizer: " + model.tokenizer())) {
      assertTrue(doc.contains("  " + line + "\n"), "docs/models.md lacks " + line);
    }
    float[][] ours = embed(recipe, "cls");
    float[][] theirs = oracle(new BgeSmallEnV15EmbeddingModel());
    double worst = compare("bge-small-en-v1.5", ours, theirs);
    assertTrue(worst >= 0.9999, "lowest cosine " + worst);

    // The comparison tells poolings apart: the mean of the same token states is another vector.
    float[][] mean = embed(recipe, "mean");
    double meanWorst = 1;
    for (int i = 0; i < SENTENCES.size(); i++) {
      meanWorst = Math.min(meanWorst, cosine(mean[i], theirs[i]));
    }
    System.out.printf("bge-small-en-v1.5 mean-pooled instead: lowest cosine %.4f%n", meanWorst);
    assertTrue(meanWorst < 0.99, "mean pooling would pass too: " + meanWorst);
  }

  @Test
  void e5SmallFromTheSameRecipeEqualsLangchain4jsE5SmallV2EmbeddingModel() throws Exception {
    List<String> overrides =
        List.of(
            "model.path=target/models/e5-small-v2/e5-small-v2.onnx",
            "model.config=models/e5-small-v2/config.json",
            "model.tokenizer=target/models/e5-small-v2/e5-small-v2-tokenizer.json",
            "head.pooling=mean");
    // docs/models.md shows these lines (and the bge recipe's) for a recipe's model section
    String doc = Files.readString(Path.of("docs/models.md"));
    for (String o : overrides) {
      String line = o.substring(o.indexOf('.') + 1).replace("=", ": ");
      assertTrue(doc.contains("  " + line + "\n"), "docs/models.md lacks " + line);
    }
    Recipe recipe = RecipeReader.read(RECIPE, overrides);
    float[][] ours = embed(recipe, "mean");
    float[][] theirs = oracle(new E5SmallV2EmbeddingModel());
    double worst = compare("e5-small-v2", ours, theirs);
    assertTrue(worst >= 0.9999, "lowest cosine " + worst);
  }

  /**
   * The recipe's encoder and tokenizer embed the sentences; {@code pooling} is the recipe's or, to
   * show the comparison's power, another one applied to the same token states.
   */
  private static float[][] embed(Recipe recipe, String pooling) throws Exception {
    TextEncoderSource source = (TextEncoderSource) ModelSources.of(recipe.model());
    BertConfig config = source.config();
    assertEquals(new BertConfig(30522, 384, 12, 12, 1536, 512, 2, 1e-12), config);
    try (NDManager manager = NDManager.newBaseManager();
        TextTokenizer tokenizer = source.tokenizer(recipe.data().maxLength())) {
      TextClassifierBlock block = TextFamily.newBlock(recipe, config);
      assertEquals(0, block.numClasses(), "an embedding model has no head");
      block.initialize(manager, DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
      assertTrue(BertWeights.load(block, source.weights()).isEmpty(), "every parameter loaded");
      try (TextTokenizer.Batch batch = tokenizer.encode(SENTENCES, manager)) {
        long longest = batch.inputIds().getShape().get(1);
        assertTrue(longest < recipe.data().maxLength(), "no sentence is truncated: " + longest);
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray pooled;
        if (pooling.equals(recipe.head().pooling())) {
          pooled = block.forward(ps, batch.toNDList(), false).singletonOrThrow();
        } else {
          NDList states =
              block.forwardSegments(ps, batch.toNDList(), 0, block.segments().size() - 1, false);
          pooled = BertEncoderBlock.pool(pooling, states.get(0), states.get(1));
        }
        assertEquals(new Shape(SENTENCES.size(), 384), pooled.getShape());
        NDArray unit = pooled.div(pooled.norm(new int[] {1}, true));
        float[][] out = new float[SENTENCES.size()][];
        for (int i = 0; i < out.length; i++) {
          out[i] = unit.get(i).toFloatArray();
        }
        return out;
      }
    }
  }

  private static float[][] oracle(EmbeddingModel model) {
    float[][] out = new float[SENTENCES.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = model.embed(SENTENCES.get(i)).content().vector();
    }
    return out;
  }

  /** Prints and returns the lowest cosine; every component agrees to 2e-6. */
  private static double compare(String model, float[][] ours, float[][] theirs) {
    double worst = 1;
    double maxAbs = 0;
    for (int i = 0; i < SENTENCES.size(); i++) {
      assertEquals(384, theirs[i].length);
      worst = Math.min(worst, cosine(ours[i], theirs[i]));
      for (int j = 0; j < 384; j++) {
        maxAbs = Math.max(maxAbs, Math.abs(ours[i][j] - theirs[i][j]));
      }
    }
    System.out.printf(
        "%s vs langchain4j: %d sentences, lowest cosine %.9f, max abs difference %.3g%n",
        model, SENTENCES.size(), worst, maxAbs);
    assertTrue(maxAbs < 2e-6, model + ": max abs difference " + maxAbs);
    return worst;
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
