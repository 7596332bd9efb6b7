package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.scoring.ScoringModel;
import dev.langchain4j.model.scoring.onnx.OnnxScoringModel;
import io.github.finetune4j.TestRecipes;
import io.github.finetune4j.cli.Main;
import io.github.finetune4j.model.onnx.OnnxChecker;
import io.github.finetune4j.model.text.TextTokenizer;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cross-encoder (reranker) fine-tuned briefly from the bundled MiniLM by the shipped recipe
 * {@code recipes/spamassassin/reranker.yaml} (pairs of texts, one output), exported to ONNX and
 * loaded by langchain4j's {@code OnnxScoringModel} with no toolkit class: its scores agree with
 * {@code finetune predict} within 1e-4 on 46 pairs, long ones (truncated longest first) included,
 * and they do so only because the export's graph reads the pairs' segment ids.
 */
class PairRerankerExportTest {

  private static final int MAX_LENGTH = 64;

  @TempDir static Path dir;
  static Path run;

  /** query -> its passages, in order. */
  static Map<String, List<String>> pairs;

  /** {@code finetune predict}'s probability of "relevant", per query, per passage. */
  static Map<String, List<Double>> predicted;

  @BeforeAll
  static void fineTuneBrieflyAndPredictWithTheCli() throws Exception {
    run = dir.resolve("run");
    String[] args = {
      "run",
      "recipes/spamassassin/reranker.yaml",
      "data.train.limit=96",
      "data.valid.limit=16",
      "data.test.limit=24",
      "data.max_length=" + MAX_LENGTH,
      "stages=[{epochs: 1, train: [head]}, {epochs: 1, train: [upper, head]}]",
      "train.precision=fp32",
      "monitor.sinks=[jsonl]",
      "output.dir=" + run
    };
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(
        0,
        Main.run(
            args,
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8)),
        err.toString(StandardCharsets.UTF_8));

    pairs = new LinkedHashMap<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                new GZIPInputStream(
                    Files.newInputStream(Path.of("data/spamassassin-pairs/test.jsonl.gz"))),
                StandardCharsets.UTF_8))) {
      for (int n = 0; n < 40; n++) { // 20 subjects, each with its own body and another one
        JsonNode line = TestRecipes.JSON.readTree(in.readLine());
        pairs
            .computeIfAbsent(line.get("query").asText(), q -> new ArrayList<>())
            .add(line.get("passage").asText());
      }
    }
    pairs.put(
        "Cheap meds online",
        List.of("Buy cheap pills now, no prescription!", "The meeting moved to Tuesday."));
    pairs.put(
        "Re: kernel build fails",
        List.of("Try make clean first; the config changed.", "WIN a FREE cruise today"));
    pairs.put("Lunch?", List.of("Sure, noon at the usual place.", "Your invoice is attached."));

    Path input = dir.resolve("pairs.jsonl");
    StringBuilder b = new StringBuilder();
    pairs.forEach(
        (q, ps) ->
            ps.forEach(
                p ->
                    b.append(
                            TestRecipes.JSON
                                .createObjectNode()
                                .put("query", q)
                                .put("passage", p)
                                .toString())
                        .append('\n')));
    Files.writeString(input, b);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(
        0,
        Main.run(
            new String[] {
              "predict", run.toString(), "--input", input.toString(), "--format", "jsonl"
            },
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    predicted = new LinkedHashMap<>();
    int i = 0;
    for (Map.Entry<String, List<String>> e : pairs.entrySet()) {
      for (String passage : e.getValue()) {
        JsonNode p = TestRecipes.JSON.readTree(lines.get(i++));
        assertEquals(e.getKey(), p.get("text").asText());
        assertEquals(passage, p.get("text_pair").asText());
        predicted
            .computeIfAbsent(e.getKey(), q -> new ArrayList<>())
            .add(p.at("/probabilities/relevant").asDouble());
      }
    }
    assertEquals(lines.size(), i);
  }

  @Test
  void langchain4jsOnnxScoringModelGivesPredictsScores() throws Exception {
    Path onnx = run.resolve("model/onnx");
    assertEquals(
        "ir 8 opset 17 inputs input_ids,attention_mask,token_type_ids outputs logits",
        OnnxChecker.check(onnx.resolve("model.onnx")));
    String model = onnx.resolve("model.onnx").toString();
    String tokenizer = onnx.resolve("tokenizer.json").toString();
    double worst = 0;
    double worstRaw = 0;
    double lowest = 1;
    double highest = 0;
    int count = 0;
    // modelMaxLength is the toolkit's max_length + 2: OnnxScoringModel truncates at 2 below it
    try (OnnxScoringModel normalized =
            new OnnxScoringModel(
                model, new OrtSession.SessionOptions(), tokenizer, MAX_LENGTH + 2, true);
        OnnxScoringModel raw =
            new OnnxScoringModel(
                model, new OrtSession.SessionOptions(), tokenizer, MAX_LENGTH + 2, false)) {
      for (Map.Entry<String, List<String>> e : pairs.entrySet()) {
        List<TextSegment> docs = e.getValue().stream().map(TextSegment::from).toList();
        List<Double> scores = normalized.scoreAll(docs, e.getKey()).content();
        List<Double> logits = raw.scoreAll(docs, e.getKey()).content();
        List<Double> want = predicted.get(e.getKey());
        for (int i = 0; i < docs.size(); i++) {
          worst = Math.max(worst, Math.abs(scores.get(i) - want.get(i)));
          // unnormalized, the score is the logit whose sigmoid predict reports
          worstRaw = Math.max(worstRaw, Math.abs(sigmoid(logits.get(i)) - want.get(i)));
          lowest = Math.min(lowest, want.get(i));
          highest = Math.max(highest, want.get(i));
          count++;
        }
      }
    }
    System.out.printf(
        "%d pairs: max |predict - OnnxScoringModel| = %.2e (raw logits: %.2e); predict's"
            + " scores span %.4f..%.4f%n",
        count, worst, worstRaw, lowest, highest);
    assertEquals(46, count);
    assertTrue(worst <= 1e-4, "max |predict - OnnxScoringModel| = " + worst);
    assertTrue(worstRaw <= 1e-4, "max |predict - sigmoid(raw score)| = " + worstRaw);
    assertTrue(highest - lowest > 1e-3, "the scores differ from pair to pair");
  }

  @Test
  void theAgreementNeedsTheSegmentIds() throws Exception {
    // The same graph fed all-zero segment ids (single-text style) scores differently: the
    // agreement above holds because training, predict and the export all read the pairs' ids.
    Path onnx = run.resolve("model/onnx");
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    double largest = 0;
    int truncated = 0;
    try (TextTokenizer tok = TextTokenizer.fromFile(onnx.resolve("tokenizer.json"), MAX_LENGTH);
        OrtSession s =
            env.createSession(
                onnx.resolve("model.onnx").toString(), new OrtSession.SessionOptions())) {
      for (Map.Entry<String, List<String>> e : pairs.entrySet()) {
        for (int i = 0; i < e.getValue().size(); i++) {
          TextTokenizer.Tokens t = tok.pair(e.getKey(), e.getValue().get(i));
          long[][] ids = {t.ids()};
          long[][] mask = {ones(t.ids().length)};
          long[][] zeros = {new long[t.ids().length]};
          long[][] types = {t.typeIds()};
          double withTypes = score(env, s, ids, mask, types);
          double without = score(env, s, ids, mask, zeros);
          assertEquals(predicted.get(e.getKey()).get(i), withTypes, 1e-4);
          largest = Math.max(largest, Math.abs(without - withTypes));
          truncated += t.ids().length == MAX_LENGTH ? 1 : 0;
        }
      }
    }
    System.out.printf(
        "%d pairs cut to max_length; zero segment ids change the scores by up to %.4f%n",
        truncated, largest);
    assertTrue(largest > 1e-3, "segment ids change the scores by up to " + largest);
    assertTrue(truncated >= 20, "pairs cut to max_length, longest first: " + truncated);
  }

  @Test
  void theExportedTokenizerTokenizesPairsWithSegmentIds() throws Exception {
    JsonNode tok = TestRecipes.JSON.readTree(run.resolve("model/onnx/tokenizer.json").toFile());
    JsonNode post = tok.get("post_processor");
    assertEquals("TemplateProcessing", post.get("type").asText());
    assertEquals(
        "[CLS]:0 A:0 [SEP]:0 B:1 [SEP]:1",
        template(post.get("pair")),
        "the pair template: [CLS] a [SEP] b [SEP], segment ids 0 then 1");
    JsonNode meta = TestRecipes.JSON.readTree(run.resolve("model/finetune4j-model.json").toFile());
    assertEquals("query", meta.get("text_field").asText());
    assertEquals("passage", meta.get("text_pair").asText());
    JsonNode config = TestRecipes.JSON.readTree(run.resolve("model/onnx/config.json").toFile());
    assertEquals("passage", config.at("/finetune4j/text_pair").asText());
    assertEquals("relevant", config.at("/id2label/0").asText());
    assertTrue(config.at("/id2label/1").isMissingNode(), "one output");
  }

  static List<Double> rerank(Path onnx, int maxLength) throws Exception {
    // snippet:reranker
    ScoringModel reranker =
        new OnnxScoringModel(
            onnx.resolve("model.onnx").toString(),
            new OrtSession.SessionOptions(),
            onnx.resolve("tokenizer.json").toString(),
            maxLength + 2, // it truncates pairs 2 tokens below this
            true); // the sigmoid: the probability finetune predict gives
    List<Double> scores =
        reranker
            .scoreAll(
                List.of(
                    TextSegment.from("Buy cheap pills now"), TextSegment.from("Lunch at noon?")),
                "Cheap meds online")
            .content();
    // end
    ((AutoCloseable) reranker).close();
    return scores;
  }

  @Test
  void theDocsSnippetScoresAsPredictDoes() throws Exception {
    List<Double> scores = rerank(run.resolve("model/onnx"), MAX_LENGTH);
    try (Predictor p = Predictor.open(run)) {
      List<Prediction> want =
          p.predictPairs(
              List.of("Cheap meds online", "Cheap meds online"),
              List.of("Buy cheap pills now", "Lunch at noon?"));
      for (int i = 0; i < 2; i++) {
        assertEquals(want.get(i).probabilities().get("relevant"), scores.get(i), 1e-4);
      }
    }
    String source =
        Files.readString(
            Path.of("src/test/java/io/github/finetune4j/pipeline/PairRerankerExportTest.java"));
    String snippet = snippet(source, "reranker");
    assertTrue(
        Files.readString(Path.of("docs/exports.md")).contains(snippet),
        "docs/exports.md lacks the snippet:\n" + snippet);
  }

  /** The lines between {@code // snippet:NAME} and {@code // end}, their indentation removed. */
  private static String snippet(String source, String name) {
    List<String> lines = source.lines().toList();
    int from =
        lines.indexOf(
                lines.stream()
                    .filter(l -> l.trim().equals("// snippet:" + name))
                    .findFirst()
                    .orElseThrow())
            + 1;
    List<String> body = new ArrayList<>();
    for (int i = from; !lines.get(i).trim().equals("// end"); i++) {
      body.add(lines.get(i));
    }
    int indent = body.get(0).length() - body.get(0).stripLeading().length();
    StringBuilder out = new StringBuilder();
    body.forEach(l -> out.append(l.substring(Math.min(indent, l.length()))).append('\n'));
    return out.toString();
  }

  @Test
  void predictRefusesSingleTextsForAModelOfPairs() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertEquals(2, Main.run(new String[] {"predict", run.toString(), "cheap meds"}, o, e));
    assertTrue(
        err.toString(StandardCharsets.UTF_8)
            .contains(
                "holds a model of text pairs (a cross-encoder), which reads JSON Lines with both"
                    + " texts in the fields \"query\" and \"passage\"; give them with --input"),
        err.toString(StandardCharsets.UTF_8));
    err.reset();
    Path lines = Files.writeString(dir.resolve("lines.txt"), "cheap meds\nlunch?\n");
    assertEquals(
        2, Main.run(new String[] {"predict", run.toString(), "--input", lines.toString()}, o, e));
    assertTrue(
        err.toString(StandardCharsets.UTF_8)
            .contains(lines + ": read one text per line, but " + run + " holds a model of text"),
        err.toString(StandardCharsets.UTF_8));
    err.reset();
    Path empty =
        Files.writeString(
            dir.resolve("empty.jsonl"),
            "{\"query\":\"a\",\"passage\":\"b\"}\n{\"query\":\"c\",\"passage\":\"\"}\n");
    assertEquals(
        2, Main.run(new String[] {"predict", run.toString(), "--input", empty.toString()}, o, e));
    assertTrue(
        err.toString(StandardCharsets.UTF_8)
            .contains(empty + ":2: the pair's second text \"passage\" is empty"),
        err.toString(StandardCharsets.UTF_8));
    try (Predictor p = Predictor.open(run)) {
      assertEquals("passage", p.textPair());
      BadInputException x =
          org.junit.jupiter.api.Assertions.assertThrows(
              BadInputException.class, () -> p.predict(List.of("cheap meds")));
      assertTrue(
          x.problems().get(0).contains("holds a model of text pairs"), x.problems()::toString);
    }
  }

  private static String template(JsonNode pieces) {
    List<String> out = new ArrayList<>();
    for (JsonNode p : pieces) {
      JsonNode v = p.has("SpecialToken") ? p.get("SpecialToken") : p.get("Sequence");
      out.add(v.get("id").asText() + ":" + v.get("type_id").asInt());
    }
    return String.join(" ", out);
  }

  private static double score(
      OrtEnvironment env, OrtSession s, long[][] ids, long[][] mask, long[][] types)
      throws Exception {
    try (OnnxTensor i = OnnxTensor.createTensor(env, ids);
        OnnxTensor m = OnnxTensor.createTensor(env, mask);
        OnnxTensor t = OnnxTensor.createTensor(env, types);
        OrtSession.Result r =
            s.run(Map.of("input_ids", i, "attention_mask", m, "token_type_ids", t))) {
      return sigmoid(((float[][]) r.get("logits").orElseThrow().getValue())[0][0]);
    }
  }

  private static long[] ones(int n) {
    long[] a = new long[n];
    java.util.Arrays.fill(a, 1L);
    return a;
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }
}
