package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import io.github.finetune4j.TestRecipes;
import io.github.finetune4j.consumers.ConsumerHarness;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.bert.BertOnnx;
import io.github.finetune4j.model.bert.MiniLmImporter;
import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.model.onnx.OnnxChecker;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ONNX export of a fine-tuned text classifier, read by the consumers Java teams run: ONNX
 * Runtime gives {@code finetune predict}'s label for every one of the quickstart's test emails
 * compared ({@link #EMAILS}) and its probabilities within 1e-4; langchain4j's {@code
 * OnnxEmbeddingModel} (mean pooling) loads the encoder graph and agrees with the toolkit's own
 * pooled embeddings to cosine 0.9999; and the untouched all-MiniLM-L6-v2, written by the same code,
 * agrees with langchain4j's own bundled copy of that model.
 */
class OnnxTextExportTest {

  /**
   * How many of the quickstart's 1,000 test emails are compared: 200 in the default run (the
   * suite's time budget), all 1,000 with {@code -Dfinetune4j.onnxEmails=1000} (the check;
   * docs/exports.md).
   */
  static final int EMAILS = Integer.getInteger("finetune4j.onnxEmails", 200);

  @TempDir static Path dir;
  static Path run;
  static List<String> tests;
  static List<Prediction> predicted;

  @BeforeAll
  static void fineTuneBriefly() throws Exception {
    ObjectNode tree = TestRecipes.quickstart();
    ObjectNode data = (ObjectNode) tree.get("data");
    ((ObjectNode) data.get("train")).put("limit", 64);
    ((ObjectNode) data.get("valid")).put("limit", 16);
    ((ObjectNode) data.get("test")).put("limit", 16); // the test emails are read below
    ArrayNode stages = tree.putArray("stages");
    stages.addObject().put("epochs", 1).putArray("train").add("head");
    stages.addObject().put("epochs", 1).putArray("train").add("upper").add("head");
    ((ObjectNode) tree.get("train")).put("precision", "fp32");
    ((ObjectNode) tree.get("monitor")).putArray("sinks").add("jsonl");
    ((ObjectNode) tree.get("output")).put("dir", dir.resolve("run").toString());
    Recipe recipe = RecipeReader.read(TestRecipes.write(dir, "q.yaml", tree), List.of());
    ObjectNode summary =
        FineTune.run(
            recipe,
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            List.of());
    assertEquals("completed", summary.get("status").asText());
    assertEquals("[\"onnx\",\"hf\",\"djl\"]", summary.get("formats").toString());
    run = dir.resolve("run");
    tests = new ArrayList<>();
    try (var in =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(
                new java.util.zip.GZIPInputStream(
                    Files.newInputStream(Path.of("data/spamassassin/test.jsonl.gz"))),
                StandardCharsets.UTF_8))) {
      for (String line; tests.size() < EMAILS && (line = in.readLine()) != null; ) {
        tests.add(TestRecipes.JSON.readTree(line).get("text").asText());
      }
    }
    try (Predictor p = Predictor.open(run)) {
      predicted = p.predict(tests);
    }
  }

  @Test
  void onnxRuntimeGivesPredictsLabelsAndProbabilitiesOnTheTestEmails() throws Exception {
    Path onnx = run.resolve("model/onnx");
    assertEquals(
        "ir 8 opset 17 inputs input_ids,attention_mask,token_type_ids outputs logits",
        OnnxChecker.check(onnx.resolve("model.onnx")));
    JsonNode manifest = TestRecipes.JSON.readTree(run.resolve("model/manifest.json").toFile());
    List<String> listed = new ArrayList<>();
    manifest.get("files").forEach(f -> listed.add(f.get("name").asText()));
    assertTrue(
        listed.containsAll(
            List.of(
                "onnx/model.onnx",
                "onnx/encoder.onnx",
                "onnx/tokenizer.json",
                "onnx/config.json",
                "onnx/serving.properties")),
        listed::toString);

    JsonNode config = TestRecipes.JSON.readTree(onnx.resolve("config.json").toFile());
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    float worst = 0;
    try (TextTokenizer tok = TextTokenizer.fromFile(onnx.resolve("tokenizer.json"), 64);
        NDManager m = NDManager.newBaseManager();
        OrtSession s =
            env.createSession(
                onnx.resolve("model.onnx").toString(), new OrtSession.SessionOptions())) {
      for (int from = 0; from < tests.size(); from += 50) {
        List<String> batch = tests.subList(from, Math.min(tests.size(), from + 50));
        float[][] logits;
        try (TextTokenizer.Batch b = tok.encode(batch, m)) {
          long[] shape = b.inputIds().getShape().getShape();
          try (OnnxTensor ids = tensor(env, b.inputIds().toLongArray(), shape);
              OnnxTensor mask = tensor(env, b.attentionMask().toLongArray(), shape);
              OnnxTensor types = tensor(env, b.tokenTypeIds().toLongArray(), shape);
              OrtSession.Result r =
                  s.run(
                      Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
            logits = (float[][]) r.get("logits").orElseThrow().getValue();
          }
        }
        for (int i = 0; i < batch.size(); i++) {
          float[] p = softmax(logits[i]);
          Prediction want = predicted.get(from + i);
          int best = p[1] > p[0] ? 1 : 0;
          assertEquals(
              want.label(), config.at("/id2label/" + best).asText(), "email " + (from + i));
          for (int c = 0; c < 2; c++) {
            String label = config.at("/id2label/" + c).asText();
            worst = Math.max(worst, (float) Math.abs(want.probabilities().get(label) - p[c]));
          }
        }
      }
    }
    System.out.println(EMAILS + " emails: max |predict - ONNX Runtime| probability = " + worst);
    assertTrue(worst <= 1e-4, "max |predict - onnxruntime| probability = " + worst);
  }

  @Test
  void langchain4jEmbedsWithTheExportedEncoderAsTheToolkitDoes() throws Exception {
    Path onnx = run.resolve("model/onnx");
    assertEquals(
        "ir 8 opset 17 inputs input_ids,attention_mask,token_type_ids outputs"
            + " last_hidden_state,sentence_embedding",
        OnnxChecker.check(onnx.resolve("encoder.onnx")));
    OnnxEmbeddingModel lc4j =
        new OnnxEmbeddingModel(
            onnx.resolve("encoder.onnx"), onnx.resolve("tokenizer.json"), PoolingMode.MEAN);
    List<String> texts = shortTexts();
    List<float[]> own = ownEmbeddings(texts);
    for (int i = 0; i < texts.size(); i++) {
      Embedding e = lc4j.embed(texts.get(i)).content();
      double c = cosine(own.get(i), e.vector());
      assertTrue(c >= 0.9999, texts.get(i) + ": " + c);
    }
  }

  @Test
  void stockDjlWithNoToolkitClassClassifiesFromTheOnnxDirectory() throws Exception {
    Path onnx = run.resolve("model/onnx");
    List<String> texts = tests.subList(0, 50);
    List<Map<String, Double>> djl =
        ConsumerHarness.classifications(ConsumerHarness.djlIsolated(onnx, "classify", texts));
    double worst = 0;
    for (int i = 0; i < texts.size(); i++) {
      Map<String, Double> d = djl.get(i);
      assertEquals(predicted.get(i).label(), d.keySet().iterator().next(), "email " + i);
      for (Map.Entry<String, Double> e : predicted.get(i).probabilities().entrySet()) {
        worst = Math.max(worst, Math.abs(e.getValue() - d.get(e.getKey())));
      }
    }
    System.out.println("50 emails: max |predict - stock DJL OnnxRuntime| probability = " + worst);
    assertTrue(worst <= 1e-4, "max |predict - DJL OnnxRuntime| probability = " + worst);
  }

  @Test
  void springAiAndStockDjlEmbedWithTheExportedEncoderAsTheToolkitDoes() throws Exception {
    Path onnx = run.resolve("model/onnx");
    List<String> texts = shortTexts();
    List<float[]> own = ownEmbeddings(texts);
    List<float[]> spring =
        ConsumerHarness.springAiEmbed(
            onnx.resolve("encoder.onnx"),
            onnx.resolve("tokenizer.json"),
            "last_hidden_state",
            texts);
    List<float[]> djl =
        ConsumerHarness.embeddings(
            ConsumerHarness.djlIsolated(
                onnx,
                "embed",
                texts,
                "--model-name",
                "encoder",
                "--factory",
                "ai.djl.huggingface.translator.TextEmbeddingTranslatorFactory",
                "--arg",
                "pooling=mean",
                "--arg",
                "normalize=true"));
    for (int i = 0; i < texts.size(); i++) {
      double a = ConsumerHarness.cosine(own.get(i), spring.get(i));
      double b = ConsumerHarness.cosine(own.get(i), djl.get(i));
      assertTrue(a >= 0.9999 && b >= 0.9999, texts.get(i) + ": Spring AI " + a + ", DJL " + b);
    }
  }

  /**
   * Short texts: langchain4j and Spring AI embed up to 510 tokens, the toolkit up to max_length.
   */
  private static List<String> shortTexts() {
    List<String> texts = new ArrayList<>();
    for (String t : tests.subList(0, 20)) {
      texts.add(t.substring(0, Math.min(60, t.length())));
    }
    return texts;
  }

  /** The fine-tuned model's own pooled vectors, from the toolkit's block. */
  private static List<float[]> ownEmbeddings(List<String> texts) throws Exception {
    Path model = run.resolve("model");
    List<float[]> out = new ArrayList<>();
    try (TextReader p = TextReader.open(model, model.resolve(Exporter.MODEL_CONFIG));
        TextTokenizer tok = TextTokenizer.fromFile(model.resolve("tokenizer.json"), 512);
        NDManager m = NDManager.newBaseManager()) {
      TextClassifierBlock block = p.block();
      int pool = block.segments().size() - 1; // embeddings, layers, pool: up to the head
      for (String text : texts) {
        try (TextTokenizer.Batch b = tok.encode(List.of(text), m)) {
          assertTrue(b.inputIds().getShape().get(1) < 64, "short enough for max_length");
          out.add(
              block
                  .forwardSegments(
                      new ParameterStore(m, false),
                      new NDList(b.inputIds(), b.attentionMask()),
                      0,
                      pool,
                      false)
                  .head()
                  .toFloatArray());
        }
      }
    }
    return out;
  }

  @Test
  void theUntouchedMiniLmExportedThisWayIsLangchain4jsBundledModel() throws Exception {
    Map<String, WeightTensor> weights = MiniLmImporter.weights(MiniLmImporter.readBundledGraph());
    Path file = dir.resolve("minilm-encoder.onnx");
    new BertOnnx(BertConfig.miniLmL6(), weights, "mean").writeEncoder(file, true, Map.of());
    Path tokenizer = dir.resolve("minilm-tokenizer.json");
    try (TextTokenizer tok = TextTokenizer.miniLm(256)) {
      Files.writeString(tokenizer, tok.json());
    }
    OnnxEmbeddingModel ours = new OnnxEmbeddingModel(file, tokenizer, PoolingMode.MEAN);
    AllMiniLmL6V2EmbeddingModel bundled = new AllMiniLmL6V2EmbeddingModel();
    for (String text :
        List.of(
            "The quick brown fox jumps over the lazy dog.",
            "Fine-tuning adapts a pre-trained network to new data.",
            "Claim your FREE prize now!!! Click http://example.com",
            "Überprüfen Sie die Rechnung vom 3. März.",
            "a")) {
      float[] a = ours.embed(text).content().vector();
      float[] b = bundled.embed(text).content().vector();
      assertTrue(cosine(a, b) >= 0.9999, text + ": cosine " + cosine(a, b));
    }
  }

  private static OnnxTensor tensor(OrtEnvironment env, long[] values, long[] shape)
      throws Exception {
    return OnnxTensor.createTensor(env, LongBuffer.wrap(values), shape);
  }

  private static float[] softmax(float[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : z) {
      max = Math.max(max, v);
    }
    double sum = 0;
    double[] e = new double[z.length];
    for (int i = 0; i < z.length; i++) {
      e[i] = Math.exp(z[i] - max);
      sum += e[i];
    }
    float[] p = new float[z.length];
    for (int i = 0; i < z.length; i++) {
      p[i] = (float) (e[i] / sum);
    }
    return p;
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * (double) b[i];
      na += a[i] * (double) a[i];
      nb += b[i] * (double) b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
