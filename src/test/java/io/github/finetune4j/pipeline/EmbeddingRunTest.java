package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import io.github.finetune4j.TestRecipes;
import io.github.finetune4j.cli.Main;
import io.github.finetune4j.model.TextClassifierFactory;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeReader;
import io.github.finetune4j.train.RetrievalMetrics;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An embedding model tuned end to end (issue #21 item 4): a short MNRL fine-tune of the bundled
 * all-MiniLM-L6-v2 on spam-subjects pairs, evaluated on 50 subject-line queries over their 50 email
 * bodies and 150 other bodies of the validation split; then langchain4j's {@code
 * OnnxEmbeddingModel} on the exported {@code encoder.onnx}, with every body in its {@code
 * InMemoryEmbeddingStore}, gives each query the same top 10 as the toolkit's own exact search, and
 * the metrics of those rankings are the run's. The bodies are cut (in the test) to fit in the run's
 * 128 tokens, so that both sides embed the same, untruncated texts (langchain4j takes up to 510
 * tokens per text).
 */
class EmbeddingRunTest {

  @TempDir static Path dir;
  static Path run;
  static JsonNode summary;
  static List<String> queryIds = new ArrayList<>();
  static List<String> queries = new ArrayList<>();
  static List<String> docIds = new ArrayList<>();
  static List<String> docs = new ArrayList<>();
  static Map<String, Set<String>> relevant = new LinkedHashMap<>();

  @BeforeAll
  static void fineTuneBriefly() throws Exception {
    Path ir = dir.resolve("ir");
    Files.createDirectories(ir);
    for (JsonNode q : lines(Path.of("data/spam-subjects/valid/queries.jsonl"))) {
      if (queries.size() < 50) {
        queryIds.add(q.get("_id").asText());
        queries.add(q.get("text").asText());
      }
    }
    for (String row : Files.readAllLines(Path.of("data/spam-subjects/valid/qrels.tsv"))) {
      String[] f = row.split("\t");
      if (queryIds.contains(f[0])) {
        relevant.computeIfAbsent(f[0], k -> new HashSet<>()).add(f[1]);
      }
    }
    // the 50 queries' bodies and the first other bodies of the split: 200 documents
    Set<String> wanted = new HashSet<>();
    relevant.values().forEach(wanted::addAll);
    int others = 200 - wanted.size();
    try (TextTokenizer tok = TextTokenizer.miniLm(512)) {
      for (JsonNode d : lines(Path.of("data/spam-subjects/valid/corpus.jsonl.gz"))) {
        String id = d.get("_id").asText();
        if (wanted.contains(id) || others-- > 0) {
          docIds.add(id);
          docs.add(fit(tok, d.get("text").asText(), 126));
        }
      }
    }
    assertEquals(200, docs.size());
    StringBuilder qs = new StringBuilder();
    for (int i = 0; i < queries.size(); i++) {
      qs.append(
              TestRecipes.JSON.writeValueAsString(
                  Map.of("_id", queryIds.get(i), "text", queries.get(i))))
          .append('\n');
    }
    Files.writeString(ir.resolve("queries.jsonl"), qs);
    StringBuilder cs = new StringBuilder();
    for (int i = 0; i < docs.size(); i++) {
      cs.append(
              TestRecipes.JSON.writeValueAsString(
                  Map.of("_id", docIds.get(i), "text", docs.get(i))))
          .append('\n');
    }
    Files.writeString(ir.resolve("corpus.jsonl"), cs);
    StringBuilder qrels = new StringBuilder("query-id\tcorpus-id\tscore\n");
    relevant.forEach((q, ds) -> ds.forEach(d -> qrels.append(q + "\t" + d + "\t1\n")));
    Files.writeString(ir.resolve("qrels.tsv"), qrels);

    String recipe =
        """
        description: embedding end to end
        model: {type: bert-onnx, bundled: all-minilm-l6-v2, init: pretrained}
        head: {pooling: mean}
        task: {type: embedding, loss: mnrl}
        data:
          train: {type: pairs, path: data/spam-subjects/train.jsonl.gz, limit: 64}
          test: {type: ir, path: %s}
          batch_size: 16
          max_length: 128
        groups: [{name: all, match: ["*"]}]
        stages: [{epochs: 1, train: [all]}]
        optimizer: {type: adamw, lr: 5.0e-5}
        train: {precision: fp32}
        monitor: {sinks: [jsonl]}
        output: {dir: %s}
        """
            .formatted(ir, dir.resolve("run"));
    Recipe r = RecipeReader.read(TestRecipes.writeText(dir, "e.yaml", recipe), List.of());
    ObjectNode s =
        FineTune.run(
            r,
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            List.of());
    assertEquals("completed", s.get("status").asText(), s::toString);
    summary = s;
    run = dir.resolve("run");
  }

  @Test
  void theSummaryShowsTheUntouchedModelBesideTheTunedOne() {
    assertEquals("embedding", summary.get("task").asText());
    assertEquals("ndcg@10", summary.at("/headline/metric").asText());
    assertTrue(summary.at("/headline/base_value").isNumber(), summary::toString);
    JsonNode base = summary.at("/base_model/test_metrics");
    for (String m : List.of("ndcg@10", "mrr@10", "recall@1", "recall@10", "map@100")) {
      double tuned = summary.at("/test_metrics/" + m).asDouble(-1);
      double untouched = base.path(m).asDouble(-1);
      assertTrue(tuned >= 0 && tuned <= 1 && untouched >= 0 && untouched <= 1, m);
    }
    assertEquals(base.get("ndcg@10").asDouble(), summary.at("/headline/base_value").asDouble(), 0);
  }

  @Test
  void langchain4jInMemoryStoreGivesTheToolkitsTop10On50Queries() throws Exception {
    // the toolkit's vectors (finetune embed's path) and its exact search
    float[][] q;
    float[][] d;
    try (io.github.finetune4j.pipeline.Predictor p =
        io.github.finetune4j.pipeline.Predictor.open(run)) {
      q = p.embed(queries, true);
      d = p.embed(docs, true);
    }
    int[][] ours = RetrievalMetrics.topK(q, d, 100);
    // the run's own evaluator gave the same metrics for these rankings
    List<Set<Integer>> rel = new ArrayList<>();
    for (String id : queryIds) {
      Set<Integer> r = new HashSet<>();
      relevant.get(id).forEach(doc -> r.add(docIds.indexOf(doc)));
      rel.add(r);
    }
    Map<String, Double> metrics =
        RetrievalMetrics.evaluate(java.util.Arrays.asList(ours), rel, RetrievalMetrics.DEFAULTS);
    for (Map.Entry<String, Double> e : metrics.entrySet()) {
      assertEquals(
          summary.at("/test_metrics/" + e.getKey()).asDouble(), e.getValue(), 1e-6, e.getKey());
    }

    Path onnx = run.resolve("model/onnx");
    OnnxEmbeddingModel lc4j =
        new OnnxEmbeddingModel(
            onnx.resolve("encoder.onnx"), onnx.resolve("tokenizer.json"), PoolingMode.MEAN);
    InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
    List<TextSegment> segments = docs.stream().map(TextSegment::from).toList();
    List<Embedding> embedded = lc4j.embedAll(segments).content();
    store.addAll(docIds, embedded, segments);
    int same = 0;
    for (int i = 0; i < queries.size(); i++) {
      List<EmbeddingMatch<TextSegment>> found =
          store
              .search(
                  EmbeddingSearchRequest.builder()
                      .queryEmbedding(lc4j.embed(queries.get(i)).content())
                      .maxResults(10)
                      .build())
              .matches();
      List<String> theirs = found.stream().map(EmbeddingMatch::embeddingId).toList();
      List<String> top = new ArrayList<>();
      for (int k = 0; k < 10; k++) {
        top.add(docIds.get(ours[i][k]));
      }
      assertEquals(top, theirs, "query " + queryIds.get(i));
      same++;
    }
    assertEquals(50, same);
  }

  @Test
  void embedPrintsTheModelsVectorsAndPredictIsRefused() throws Exception {
    Path input =
        TestRecipes.writeText(dir, "texts.txt", queries.get(0) + "\n" + queries.get(1) + "\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(
            new String[] {"embed", run.toString(), "--input", input.toString()},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, code, err::toString);
    String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
    assertEquals(2, lines.length);
    float[][] want;
    try (io.github.finetune4j.pipeline.Predictor p =
        io.github.finetune4j.pipeline.Predictor.open(run)) {
      want = p.embed(queries.subList(0, 2), true);
    }
    JsonNode v = TestRecipes.JSON.readTree(lines[0]).get("embedding");
    assertEquals(384, v.size());
    double norm = 0;
    for (int i = 0; i < v.size(); i++) {
      assertEquals(want[0][i], v.get(i).floatValue(), 1e-7);
      norm += v.get(i).asDouble() * v.get(i).asDouble();
    }
    assertEquals(1.0, norm, 1e-5);

    err.reset();
    code =
        Main.run(
            new String[] {"predict", run.toString(), "--input", input.toString()},
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("finetune embed"), err::toString);
  }

  @Test
  void theHuggingFaceDirectoryIsTheTunedModel() throws Exception {
    // a new run from model/hf: its untouched model (evaluated before its first step) is the tuned
    // model, so its base figures are the first run's test figures
    Path hf = run.resolve("model/hf");
    JsonNode modules = TestRecipes.JSON.readTree(hf.resolve("modules.json").toFile());
    assertEquals(
        List.of(
            "sentence_transformers.models.Transformer",
            "sentence_transformers.models.Pooling",
            "sentence_transformers.models.Normalize"),
        List.of(
            modules.get(0).get("type").asText(),
            modules.get(1).get("type").asText(),
            modules.get(2).get("type").asText()));
    JsonNode pooling = TestRecipes.JSON.readTree(hf.resolve("1_Pooling/config.json").toFile());
    assertTrue(pooling.get("pooling_mode_mean_tokens").asBoolean());
    assertTrue(!pooling.get("pooling_mode_cls_token").asBoolean());
    String recipe =
        Files.readString(dir.resolve("e.yaml"))
            .replace("dir: " + dir.resolve("run"), "dir: " + dir.resolve("again"))
            .replace(
                "model: {type: bert-onnx, bundled: all-minilm-l6-v2, init: pretrained}",
                "model: {type: safetensors, dir: " + hf + "}")
            .replace("limit: 64}", "limit: 2}")
            .replace("batch_size: 16", "batch_size: 2");
    Recipe r = RecipeReader.read(TestRecipes.writeText(dir, "again.yaml", recipe), List.of());
    ObjectNode again =
        FineTune.run(
            r,
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            List.of());
    for (String m : List.of("ndcg@10", "mrr@10", "recall@1", "recall@10", "map@100")) {
      assertEquals(
          summary.at("/test_metrics/" + m).asDouble(),
          again.at("/base_model/test_metrics/" + m).asDouble(),
          1e-6,
          m);
    }
  }

  @Test
  void plainDjlCriteriaGivesTheSameVectorsFromTheModelDirectory() throws Exception {
    float[][] want;
    try (io.github.finetune4j.pipeline.Predictor p =
        io.github.finetune4j.pipeline.Predictor.open(run)) {
      want = p.embed(queries.subList(0, 3), true);
    }
    Criteria<String, float[]> criteria =
        Criteria.builder()
            .setTypes(String.class, float[].class)
            .optModelPath(run.resolve("model"))
            .optTranslatorFactory(new TextClassifierFactory())
            .build();
    try (ZooModel<String, float[]> model = criteria.loadModel();
        Predictor<String, float[]> p = model.newPredictor()) {
      for (int i = 0; i < 3; i++) {
        float[] got = p.predict(queries.get(i));
        for (int j = 0; j < got.length; j++) {
          assertEquals(want[i][j], got[j], 1e-5, "text " + i + " dim " + j);
        }
      }
    }
  }

  @Test
  void theReadmesLangchain4jLinesFindTheToolkitsTop10() throws Exception {
    float[][] q;
    float[][] d;
    try (io.github.finetune4j.pipeline.Predictor p =
        io.github.finetune4j.pipeline.Predictor.open(run)) {
      q = p.embed(queries.subList(0, 5), true);
      d = p.embed(docs, true);
    }
    int[][] ours = RetrievalMetrics.topK(q, d, 10);
    Path onnx = run.resolve("model/onnx");
    List<String> bodies = docs;
    for (int i = 0; i < 5; i++) {
      String subject = queries.get(i);
      // README: langchain4j store
      EmbeddingModel model =
          new OnnxEmbeddingModel(
              onnx.resolve("encoder.onnx"), onnx.resolve("tokenizer.json"), PoolingMode.MEAN);
      InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
      for (String body : bodies) {
        TextSegment segment = TextSegment.from(body);
        store.add(model.embed(segment).content(), segment);
      }
      List<EmbeddingMatch<TextSegment>> top10 =
          store
              .search(
                  EmbeddingSearchRequest.builder()
                      .queryEmbedding(model.embed(subject).content())
                      .maxResults(10)
                      .build())
              .matches();
      // end README
      List<String> want = new ArrayList<>();
      for (int k = 0; k < 10; k++) {
        want.add(docs.get(ours[i][k]));
      }
      assertEquals(want, top10.stream().map(m -> m.embedded().text()).toList(), subject);
    }
    String source =
        Files.readString(
            Path.of("src/test/java/io/github/finetune4j/pipeline/EmbeddingRunTest.java"));
    String begin = "// README: langchain4j store\n";
    String block =
        source.substring(
            source.indexOf(begin) + begin.length(), source.indexOf("      // end README"));
    String snippet =
        block
            .lines()
            .map(l -> l.length() >= 6 ? l.substring(6) : l.strip())
            .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
    assertTrue(
        Files.readString(Path.of("README.md")).contains(snippet),
        "README.md lacks, verbatim:\n" + snippet);
  }

  /**
   * The longest prefix of whole words whose token ids (with [CLS] and [SEP]) fit in {@code max}.
   */
  private static String fit(TextTokenizer tok, String text, int max) {
    String[] words = text.split("\\s+");
    int lo = 1;
    int hi = words.length;
    while (lo < hi) {
      int mid = (lo + hi + 1) / 2;
      if (tok.ids(String.join(" ", List.of(words).subList(0, mid))).length <= max) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return String.join(" ", List.of(words).subList(0, lo));
  }

  private static List<JsonNode> lines(Path file) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                file.toString().endsWith(".gz")
                    ? new GZIPInputStream(Files.newInputStream(file))
                    : Files.newInputStream(file),
                StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        if (!line.isBlank()) {
          out.add(TestRecipes.JSON.readTree(line));
        }
      }
    }
    return out;
  }
}
