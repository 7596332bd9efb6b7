package io.github.finetune4j.model.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.model.safetensors.BertCheckpoint;
import io.github.finetune4j.model.safetensors.SafetensorsReader;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.params.ParameterNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Hugging Face directory against an independent reader: {@code src/test/python/read_hf_dir.py}
 * (numpy parses model.safetensors by hand, json reads the rest) must find the tensor names, shapes,
 * dtype and bytes that Java wrote, and a config.json that says what the model is; the toolkit's own
 * readers ({@link SafetensorsReader}, {@link BertCheckpoint}) read it back.
 *
 * <p>The Python part needs {@code /usr/bin/python3} with numpy: skipped without them, failed when
 * {@code CI} is {@code true}.
 */
class HfDirectoryTest {

  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final Path SCRIPT = Path.of("src/test/python/read_hf_dir.py");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** 8 wide, 2 layers of 2 heads, over MiniLM's vocabulary so that its tokenizer fits. */
  private static final BertConfig BERT = new BertConfig(30522, 8, 2, 2, 16, 40, 2, 1e-12);

  /** Labels a YAML or JSON writer could get wrong. */
  private static final List<String> LABELS = List.of("say \"hi\"", "a: b", "naïve — 日本");

  private static final double[] THRESHOLDS = {0.25, 0.5, 0.875};

  @TempDir static Path tmp;
  private static Map<String, WeightTensor> params;
  private static byte[] tokenizer;
  private static Path dir;

  @BeforeAll
  static void write() throws IOException {
    params = randomParameters(BERT, LABELS.size(), 11);
    try (InputStream in =
        HfDirectoryTest.class.getClassLoader().getResourceAsStream(TextTokenizer.MINILM_RESOURCE)) {
      tokenizer = in.readAllBytes();
    }
    dir = tmp.resolve("hf");
    builder(params).build().write(dir);
  }

  private static HfDirectory.Builder builder(Map<String, WeightTensor> parameters) {
    return HfDirectory.builder()
        .setConfig(BERT)
        .setParameters(parameters)
        .setLabels(LABELS)
        .setTask("multilabel")
        .setPooling("cls")
        .setMaxLength(32)
        .optThresholds(THRESHOLDS)
        .optDropout(0.2)
        .setTokenizerJson(tokenizer)
        .setReadme("---\nlibrary_name: finetune4j\n---\n# card\n");
  }

  /**
   * The parameter names and shapes of a real text classifier, with seeded Gaussian values set here
   * (not by DJL), so the test knows every value.
   */
  static Map<String, WeightTensor> randomParameters(BertConfig bert, int classes, long seed) {
    Map<String, WeightTensor> out = new LinkedHashMap<>();
    Random random = new Random(seed);
    try (NDManager manager = NDManager.newBaseManager()) {
      TextClassifierBlock block = new TextClassifierBlock(bert, classes, "cls", 0.1);
      block.initialize(manager, DataType.FLOAT32, new Shape(1, 4), new Shape(1, 4));
      ParameterNames.of(block)
          .forEach(
              (name, p) -> {
                long[] shape = p.getArray().getShape().getShape();
                float[] v = new float[Math.toIntExact(p.getArray().size())];
                for (int i = 0; i < v.length; i++) {
                  v[i] = (float) random.nextGaussian();
                }
                out.put(name, WeightTensor.of(v, shape));
              });
    }
    return out;
  }

  @Test
  void anIndependentReaderFindsWhatJavaWrote() throws Exception {
    requirePythonWithNumpy();
    JsonNode r = runReader(dir);

    assertEquals("pt", r.path("metadata").path("format").asText(), "safetensors metadata");
    assertEquals(0, r.path("header_length").asLong() % 8);
    JsonNode tensors = r.path("tensors");
    List<String> expectedNames = new ArrayList<>();
    for (String name : params.keySet()) {
      expectedNames.add(
          name.equals("head.weight")
              ? "classifier.weight"
              : name.equals("head.bias") ? "classifier.bias" : "bert." + name);
    }
    List<String> found = new ArrayList<>();
    tensors.fieldNames().forEachRemaining(found::add);
    assertEquals(expectedNames, found, "Hugging Face names, in the order written");
    assertTrue(found.contains("bert.encoder.layer.1.attention.output.LayerNorm.weight"));
    assertTrue(found.contains("bert.embeddings.LayerNorm.bias"));
    int i = 0;
    for (Map.Entry<String, WeightTensor> e : params.entrySet()) {
      JsonNode t = tensors.path(expectedNames.get(i++));
      assertEquals("F32", t.path("dtype").asText());
      long[] shape = JSON.convertValue(t.path("shape"), long[].class);
      assertArrayEquals(e.getValue().shape(), shape, e.getKey());
      assertEquals(sha256(e.getValue()), t.path("sha256").asText(), e.getKey() + " bytes");
      FloatBuffer data = e.getValue().data();
      for (int k = 0; k < t.path("first").size(); k++) {
        assertEquals(data.get(k), (float) t.path("first").get(k).asDouble(), e.getKey());
      }
    }
    // The head: [classes, hidden], the values of head.weight row-major.
    assertEquals("[3,8]", tensors.path("classifier.weight").path("shape").toString());
    assertEquals("[3]", tensors.path("classifier.bias").path("shape").toString());

    JsonNode c = r.path("config");
    assertEquals("[\"BertModel\"]", c.path("architectures").toString());
    assertEquals("bert", c.path("model_type").asText());
    assertEquals(30522, c.path("vocab_size").asInt());
    assertEquals(8, c.path("hidden_size").asInt());
    assertEquals(2, c.path("num_hidden_layers").asInt());
    assertEquals(2, c.path("num_attention_heads").asInt());
    assertEquals(16, c.path("intermediate_size").asInt());
    assertEquals(40, c.path("max_position_embeddings").asInt());
    assertEquals(2, c.path("type_vocab_size").asInt());
    assertEquals(1e-12, c.path("layer_norm_eps").asDouble());
    assertEquals("gelu", c.path("hidden_act").asText());
    assertEquals(0.1, c.path("hidden_dropout_prob").asDouble());
    assertEquals(0.1, c.path("attention_probs_dropout_prob").asDouble());
    assertEquals(0.02, c.path("initializer_range").asDouble());
    assertEquals(0, c.path("pad_token_id").asInt(), "[PAD] is id 0 in the MiniLM tokenizer");
    assertEquals(0.2, c.path("classifier_dropout").asDouble());
    assertEquals("multi_label_classification", c.path("problem_type").asText());
    assertEquals(
        "{\"0\":\"say \\\"hi\\\"\",\"1\":\"a: b\",\"2\":\"naïve — 日本\"}",
        c.path("id2label").toString());
    assertEquals(2, c.path("label2id").path("naïve — 日本").asInt());
    assertEquals(0, c.path("label2id").path("say \"hi\"").asInt());
    JsonNode own = c.path("finetune4j");
    assertEquals("cls", own.path("pooling").asText());
    assertEquals("multilabel", own.path("task").asText());
    assertEquals(32, own.path("max_length").asInt());
    assertEquals("[0.25,0.5,0.875]", own.path("thresholds").toString());
    assertEquals(1, own.path("format_version").asInt());

    JsonNode tc = r.path("tokenizer_config");
    assertEquals("BertTokenizer", tc.path("tokenizer_class").asText());
    assertTrue(tc.path("do_lower_case").asBoolean(), "MiniLM's BertNormalizer lowercases");
    assertEquals(32, tc.path("model_max_length").asInt());
    assertEquals("[CLS]", tc.path("cls_token").asText());
    assertEquals("[SEP]", tc.path("sep_token").asText());
    assertEquals("[PAD]", tc.path("pad_token").asText());
    assertEquals("[UNK]", tc.path("unk_token").asText());
    assertEquals("[MASK]", tc.path("mask_token").asText());
    assertEquals("[MASK]", r.path("special_tokens_map").path("mask_token").asText());
    assertEquals(30522, r.path("vocab_lines").asInt(), "one vocab.txt line per id");

    assertEquals(
        "sentence_transformers.models.Pooling", r.path("modules").get(1).path("type").asText());
    assertEquals("1_Pooling", r.path("modules").get(1).path("path").asText());
    assertTrue(r.path("pooling").path("pooling_mode_cls_token").asBoolean());
    assertFalse(r.path("pooling").path("pooling_mode_mean_tokens").asBoolean());
    assertEquals(8, r.path("pooling").path("word_embedding_dimension").asInt());
  }

  @Test
  void theToolkitsReadersReadItBack() throws IOException {
    try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve("model.safetensors"))) {
      assertEquals(Map.of("format", "pt"), reader.metadata());
      assertEquals(params.size(), reader.tensors().size());
      for (Map.Entry<String, WeightTensor> e : params.entrySet()) {
        assertEquals(e.getValue(), reader.read(HfDirectory.hfName(e.getKey())), e.getKey());
      }
    }
    try (BertCheckpoint c = BertCheckpoint.open(dir)) {
      assertEquals(BERT, c.config());
      assertEquals(3, c.classifierOutputs());
      assertFalse(c.hasPooler());
      Map<String, WeightTensor> encoder = c.weights();
      assertEquals(params.size() - 2, encoder.size());
      encoder.forEach((name, w) -> assertEquals(params.get(name), w, name));
      assertEquals(params.get("head.weight"), c.classifier().get("classifier.weight"));
      assertEquals(params.get("head.bias"), c.classifier().get("classifier.bias"));
    }
    assertEquals(
        "---\nlibrary_name: finetune4j\n---\n# card\n", Files.readString(dir.resolve("README.md")));
    assertArrayEquals(tokenizer, Files.readAllBytes(dir.resolve("tokenizer.json")));
  }

  @Test
  void aTokenizerWithoutLowercaseOrBertNamesIsDescribedAsItIs() throws IOException {
    String tok =
        "{\"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFC\"}]},"
            + " \"post_processor\": {\"type\": \"BertProcessing\", \"cls\": [\"<s>\", 0],"
            + " \"sep\": [\"</s>\", 1]},"
            + " \"padding\": {\"pad_id\": 3, \"pad_token\": \"<pad>\"},"
            + " \"added_tokens\": [{\"id\": 4, \"content\": \"<mask>\"}],"
            + " \"model\": {\"type\": \"WordPiece\", \"unk_token\": \"<unk>\","
            + " \"vocab\": {\"<s>\": 0, \"</s>\": 1, \"<unk>\": 2, \"<pad>\": 3, \"<mask>\": 4,"
            + " \"a\": 6, \"b\": 5}}}";
    Path out = tmp.resolve("other-tokenizer");
    builder(params)
        .setTask("classification")
        .optThresholds(null)
        .setTokenizerJson(tok.getBytes(StandardCharsets.UTF_8))
        .build()
        .write(out);
    JsonNode tc = JSON.readTree(out.resolve("tokenizer_config.json").toFile());
    assertFalse(tc.path("do_lower_case").asBoolean(true));
    assertEquals("<s>", tc.path("cls_token").asText());
    assertEquals("</s>", tc.path("sep_token").asText());
    assertEquals("<pad>", tc.path("pad_token").asText());
    assertEquals("<unk>", tc.path("unk_token").asText());
    assertEquals("<mask>", tc.path("mask_token").asText());
    JsonNode c = JSON.readTree(out.resolve("config.json").toFile());
    assertEquals(3, c.path("pad_token_id").asInt());
    assertEquals("single_label_classification", c.path("problem_type").asText());
    assertTrue(c.path("finetune4j").path("thresholds").isMissingNode());
    assertEquals(
        "<s>\n</s>\n<unk>\n<pad>\n<mask>\nb\na\n",
        Files.readString(out.resolve("vocab.txt")),
        "in id order");
  }

  @Test
  void whatCannotBeWrittenIsRefused() throws IOException {
    Map<String, WeightTensor> twoOutputs = new LinkedHashMap<>(params);
    twoOutputs.put("head.weight", WeightTensor.of(new float[16], 2, 8));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> builder(twoOutputs).build());
    assertTrue(
        e.getMessage().contains("head.weight has shape [2, 8], expected [3, 8]"), e.getMessage());

    Map<String, WeightTensor> adapter = new LinkedHashMap<>(params);
    adapter.put("lora.A", WeightTensor.of(new float[2], 2));
    e = assertThrows(IllegalArgumentException.class, () -> builder(adapter).build());
    assertTrue(e.getMessage().contains("parameter 'lora.A' is neither"), e.getMessage());

    e =
        assertThrows(
            IllegalArgumentException.class, () -> builder(params).setTask("regression").build());
    assertTrue(e.getMessage().contains("task 'regression'"), e.getMessage());

    IOException notEmpty =
        assertThrows(IOException.class, () -> builder(params).build().write(dir));
    assertTrue(notEmpty.getMessage().contains("is not empty"), notEmpty.getMessage());
  }

  @Test
  void checkpointNamesOfBlockParameters() {
    assertEquals(
        "bert.encoder.layer.0.output.LayerNorm.weight",
        HfDirectory.hfName("encoder.layer.0.output.LayerNorm.weight"));
    assertEquals(
        "bert.embeddings.word_embeddings.weight",
        HfDirectory.hfName("embeddings.word_embeddings.weight"));
    assertEquals("classifier.weight", HfDirectory.hfName("head.weight"));
    assertEquals("classifier.bias", HfDirectory.hfName("head.bias"));
  }

  static JsonNode runReader(Path hfDir, String... extra) throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(List.of(PYTHON.toString(), SCRIPT.toString(), hfDir.toString()));
    cmd.addAll(List.of(extra));
    Path out = Files.createTempFile(tmp, "reader", ".json");
    Path err = Files.createTempFile(tmp, "reader", ".err");
    Process p =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("read_hf_dir.py did not finish in 120 s");
    }
    assertEquals(0, p.exitValue(), () -> "read_hf_dir.py failed: " + read(err));
    return JSON.readTree(out.toFile());
  }

  private static String read(Path f) {
    try {
      return Files.readString(f);
    } catch (IOException e) {
      return e.toString();
    }
  }

  /**
   * Skips the test when {@code /usr/bin/python3} with numpy is missing, unless {@code CI} is {@code
   * true}: then it fails.
   */
  static void requirePythonWithNumpy() throws InterruptedException {
    String missing = null;
    if (!Files.isExecutable(PYTHON)) {
      missing = PYTHON + " not found";
    } else {
      try {
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import numpy").start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
          missing = "numpy is not importable by " + PYTHON;
        }
      } catch (IOException e) {
        missing = PYTHON + " cannot run: " + e.getMessage();
      }
    }
    if (missing == null) {
      return;
    }
    String message = missing + "; it runs " + SCRIPT + ", the independent reader";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message + " (CI=true, so this is a failure, not a skip)");
    }
    Assumptions.abort("Skipped: " + message);
  }

  private static String sha256(WeightTensor w) throws Exception {
    FloatBuffer data = w.data();
    ByteBuffer bytes = ByteBuffer.allocate(4 * data.remaining()).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(data);
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
  }
}
