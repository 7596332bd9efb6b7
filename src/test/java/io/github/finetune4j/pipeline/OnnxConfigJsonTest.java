package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.cli.Main;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.bert.MiniLmImporter;
import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.recipe.BertOnnxModel;
import io.github.finetune4j.recipe.SafetensorsModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The config.json of {@code bert-onnx} with a {@code path} (and of a {@code safetensors}
 * directory): absent fields take Hugging Face's defaults, every problem is one line of one report,
 * and sizes that differ from the ONNX file's are one sentence with both numbers.
 */
class OnnxConfigJsonTest {

  /** The minimal config.json of docs/models.md for all-MiniLM-L6-v2. */
  static final String MINIMAL =
      "{\"hidden_size\": 384, \"num_hidden_layers\": 6, \"num_attention_heads\": 12,"
          + " \"intermediate_size\": 1536}";

  /** The same model with every field given, as save_pretrained writes it (less the extras). */
  static final String EXPLICIT =
      "{\"model_type\": \"bert\", \"vocab_size\": 30522, \"hidden_size\": 384,"
          + " \"num_hidden_layers\": 6, \"num_attention_heads\": 12, \"intermediate_size\": 1536,"
          + " \"hidden_act\": \"gelu\", \"hidden_dropout_prob\": 0.1,"
          + " \"attention_probs_dropout_prob\": 0.1, \"max_position_embeddings\": 512,"
          + " \"type_vocab_size\": 2, \"layer_norm_eps\": 1e-12,"
          + " \"position_embedding_type\": \"absolute\"}";

  @TempDir static Path tmp;
  private static Path onnx;
  private static Path tokenizer;

  @BeforeAll
  static void files() throws IOException {
    onnx = tmp.resolve("minilm.onnx");
    tokenizer = tmp.resolve("tokenizer.json");
    copy(MiniLmImporter.ONNX_RESOURCE, onnx);
    copy(MiniLmImporter.TOKENIZER_RESOURCE, tokenizer);
  }

  private static void copy(String resource, Path to) throws IOException {
    try (InputStream in = OnnxConfigJsonTest.class.getClassLoader().getResourceAsStream(resource)) {
      Files.write(to, in.readAllBytes());
    }
  }

  private static OnnxBertSource source(String name, String configJson) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    Path config = Files.writeString(dir.resolve("config.json"), configJson);
    return new OnnxBertSource(
        new BertOnnxModel(null, onnx.toString(), config.toString(), tokenizer.toString(), null));
  }

  private static String withLayers(int layers) {
    return MINIMAL.replace("\"num_hidden_layers\": 6", "\"num_hidden_layers\": " + layers);
  }

  @Test
  void absentFieldsTakeHuggingFaceDefaultsAndLoadAsAnExplicitConfig() throws Exception {
    OnnxBertSource minimal = source("minimal", MINIMAL);
    OnnxBertSource explicit = source("explicit", EXPLICIT);
    assertEquals(BertConfig.miniLmL6(), minimal.config());
    assertEquals(explicit.config(), minimal.config());
    Map<String, WeightTensor> a = minimal.weights();
    Map<String, WeightTensor> b = explicit.weights();
    assertEquals(b.keySet(), a.keySet());
    for (String name : b.keySet()) {
      assertTrue(Arrays.equals(b.get(name).shape(), a.get(name).shape()), name);
      assertEquals(b.get(name).data(), a.get(name).data(), name);
    }
  }

  @Test
  void theMinimalConfigOfTheDocsIsTheOneTested() throws Exception {
    String doc = Files.readString(Path.of("docs/models.md"));
    int start = doc.indexOf("```json\n") + "```json\n".length();
    String json = doc.substring(start, doc.indexOf("```", start));
    ObjectMapper mapper = new ObjectMapper();
    assertEquals(mapper.readTree(MINIMAL), mapper.readTree(json));
    assertEquals(BertConfig.miniLmL6(), source("docs", json).config());
  }

  @Test
  void everyConfigProblemIsOneLineOfOneReport() throws Exception {
    String config =
        "{\"vocab_size\": 30522, \"hidden_act\": \"gelu_new\", \"layer_norm_eps\": 0,"
            + " \"type_vocab_size\": 2}";
    List<String> problems =
        List.of(
            "config.json: hidden_act 'gelu_new' is not supported: the encoder's feed-forward"
                + " layer uses the exact (erf) GELU, 'gelu', not an approximation",
            "config.json: no 'hidden_size' field (the width of every token vector; required: it"
                + " tells BERT sizes apart)",
            "config.json: no 'num_hidden_layers' field (the number of layers; required: it tells"
                + " BERT sizes apart)",
            "config.json: no 'num_attention_heads' field (the attention heads per layer;"
                + " required: no tensor shape shows it)",
            "config.json: no 'intermediate_size' field (the width of the feed-forward layer;"
                + " required: it tells BERT sizes apart)",
            "config.json: 'layer_norm_eps' must be a positive number, got 0");
    OnnxBertSource s = source("broken", config);
    BadInputException e = assertThrows(BadInputException.class, s::config);
    assertEquals(problems.stream().map(p -> "model.config: " + p).toList(), e.problems());
    e = assertThrows(BadInputException.class, s::weights);
    assertEquals(problems.stream().map(p -> "model.config: " + p).toList(), e.problems());

    Path dir = tmp.resolve("broken");
    SafetensorsBertSource st =
        new SafetensorsBertSource(new SafetensorsModel(dir.toString(), null));
    e = assertThrows(BadInputException.class, st::config);
    assertEquals(problems.stream().map(p -> "model.dir: " + p).toList(), e.problems());
  }

  @Test
  void aLayerCountThatDiffersIsOneSentenceWithBothNumbers() throws Exception {
    BadInputException e =
        assertThrows(BadInputException.class, source("l3", withLayers(3))::weights);
    assertEquals(
        List.of("model.config: config.json says 3 layers (num_hidden_layers), minilm.onnx has 6"),
        e.problems());
    // Fewer layers in the file than in the config: no longer silently left at random values.
    e = assertThrows(BadInputException.class, source("l12", withLayers(12))::weights);
    assertEquals(
        List.of("model.config: config.json says 12 layers (num_hidden_layers), minilm.onnx has 6"),
        e.problems());
    // bert-base's sizes for a MiniLM file: each size in its own sentence.
    String base =
        "{\"hidden_size\": 768, \"num_hidden_layers\": 6, \"num_attention_heads\": 12,"
            + " \"intermediate_size\": 3072}";
    e = assertThrows(BadInputException.class, source("base", base)::weights);
    assertEquals(
        List.of(
            "model.config: config.json says a hidden size of 768 (hidden_size), minilm.onnx has"
                + " 384",
            "model.config: config.json says a feed-forward size of 3072 (intermediate_size),"
                + " minilm.onnx has 1536"),
        e.problems());
  }

  @Test
  void theCliSaysTheLayerMismatchOnOneShortLine() throws Exception {
    // Fewer layers than the file, with groups that fit the config's 3 layers.
    Path config = Files.writeString(tmp.resolve("cli-config.json"), withLayers(3));
    Path out = tmp.resolve("runs/layers");
    String model =
        "{type: bert-onnx, path: "
            + onnx
            + ", config: "
            + config
            + ", tokenizer: "
            + tokenizer
            + "}";
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code;
    try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
        PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
      code =
          Main.run(
              new String[] {
                "run",
                "recipes/quickstart.yaml",
                "data.train.limit=8",
                "data.valid.limit=4",
                "data.test.limit=4",
                "data.max_length=16",
                "stages.0.epochs=1",
                "stages.1.epochs=1",
                "monitor.sinks=[jsonl]",
                "groups.1.match=[\"encoder.layer.[0-1].*\"]",
                "groups.2.match=[\"encoder.layer.2.*\"]",
                "output.dir=" + out,
                "model=" + model
              },
              po,
              pe);
    }
    String err = e.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, o + err);
    assertTrue(
        err.contains(
            "  - model.config: cli-config.json says 3 layers (num_hidden_layers), minilm.onnx has"
                + " 6\n"),
        err);
    for (String line : err.split("\n")) {
      assertTrue(line.length() < 200, "a long line: " + line);
      assertFalse(line.contains("\\n"), "an escaped line break: " + line);
    }
    assertFalse(Files.exists(out), "no run directory");
  }
}
