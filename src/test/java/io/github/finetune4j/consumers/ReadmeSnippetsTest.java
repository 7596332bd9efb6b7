package io.github.finetune4j.consumers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.Classifications;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.DeferredTranslatorFactory;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import io.github.finetune4j.pipeline.FineTune;
import io.github.finetune4j.pipeline.TinyExport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.transformers.TransformersEmbeddingModel;

/**
 * The README's code for loading an export in langchain4j, Spring AI and DJL: each snippet is a
 * block of this file between {@code // snippet:NAME} and {@code // end}, compiled with the tests,
 * run here on a real export, and found verbatim in README.md.
 */
class ReadmeSnippetsTest {

  @TempDir static Path tmp;
  static Path onnx;

  @BeforeAll
  static void export() throws Exception {
    Path run = TinyExport.write(tmp.resolve("run"));
    FineTune.export(
        run,
        List.of("onnx"),
        null,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    onnx = run.resolve("model/onnx");
  }

  static float[] langchain4j(Path onnx) {
    // snippet:langchain4j
    EmbeddingModel model =
        new OnnxEmbeddingModel(
            onnx.resolve("encoder.onnx"), onnx.resolve("tokenizer.json"), PoolingMode.MEAN);
    float[] vector = model.embed("Cheap meds, click now").content().vector();
    // end
    return vector;
  }

  static float[] springAi(Path onnx) throws Exception {
    // snippet:spring-ai
    TransformersEmbeddingModel model = new TransformersEmbeddingModel();
    model.setModelResource(onnx.resolve("encoder.onnx").toUri().toString());
    model.setTokenizerResource(onnx.resolve("tokenizer.json").toUri().toString());
    model.afterPropertiesSet();
    float[] vector = model.embed("Cheap meds, click now");
    // end
    return vector;
  }

  static Classifications djl(Path onnx) throws Exception {
    // snippet:djl
    Criteria<String, Classifications> criteria =
        Criteria.builder()
            .setTypes(String.class, Classifications.class)
            .optModelPath(onnx) // serving.properties: OnnxRuntime, stock HF translator
            .optTranslatorFactory(new DeferredTranslatorFactory())
            .build();
    try (ZooModel<String, Classifications> model = criteria.loadModel();
        var predictor = model.newPredictor()) {
      Classifications c = predictor.predict("Cheap meds, click now");
      // end
      return c;
    }
  }

  @Test
  void theSnippetsLoadARealExport() throws Exception {
    float[] a = langchain4j(onnx);
    float[] b = springAi(onnx);
    assertEquals(TinyExport.BERT.hiddenSize(), a.length);
    assertTrue(ConsumerHarness.cosine(a, b) >= 0.9999, "langchain4j and Spring AI agree");
    // DJL's OnnxRuntime engine refuses to start in a JVM where ONNX Runtime already runs (as
    // langchain4j and Spring AI, and the other tests, make it): its snippet runs in a fresh JVM.
    Process p =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-Dai.djl.offline=true",
                "-cp",
                System.getProperty("java.class.path"),
                DjlSnippet.class.getName(),
                onnx.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    String last = out.strip().lines().reduce((x, y) -> y).orElse("");
    assertTrue(last.matches("classes=\\[(ham, spam|spam, ham)\\] sum=1\\.0000\\d*"), out);
  }

  /** Runs the DJL snippet in a JVM of its own; prints the classes and their probabilities' sum. */
  public static final class DjlSnippet {
    private DjlSnippet() {}

    /**
     * Loads the export.
     *
     * @param args the onnx directory
     * @throws Exception when loading fails
     */
    public static void main(String[] args) throws Exception {
      Classifications c = djl(Path.of(args[0]));
      double sum =
          c.items().stream().mapToDouble(Classifications.Classification::getProbability).sum();
      System.out.printf(java.util.Locale.ROOT, "classes=%s sum=%.5f%n", c.getClassNames(), sum);
    }
  }

  @Test
  void readmeShowsEachSnippetVerbatim() throws Exception {
    String source =
        Files.readString(
            Path.of("src/test/java/io/github/finetune4j/consumers/ReadmeSnippetsTest.java"));
    String readme = Files.readString(Path.of("README.md"));
    for (String name : List.of("langchain4j", "spring-ai", "djl")) {
      String snippet = snippet(source, name);
      assertTrue(readme.contains(snippet), "README.md lacks the " + name + " snippet:\n" + snippet);
    }
  }

  /** The lines between the markers, their common indentation removed. */
  static String snippet(String source, String name) {
    List<String> lines = source.lines().toList();
    int from = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).trim().equals("// snippet:" + name)) {
        from = i + 1;
      }
    }
    assertTrue(from > 0, "no snippet " + name);
    List<String> body = new ArrayList<>();
    for (int i = from; !lines.get(i).trim().equals("// end"); i++) {
      body.add(lines.get(i));
    }
    int indent =
        body.stream()
            .filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    StringBuilder out = new StringBuilder();
    body.forEach(l -> out.append(l.length() >= indent ? l.substring(indent) : l).append('\n'));
    return out.toString();
  }
}
