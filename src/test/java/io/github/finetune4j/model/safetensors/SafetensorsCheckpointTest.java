package io.github.finetune4j.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.bert.BertEncoderBlock;
import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.model.safetensors.TestFiles.Raw;
import io.github.finetune4j.params.ParameterNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoint directories of a tiny BERT (2 layers of 2 heads, 8 wide) written byte by byte: names
 * with and without {@code bert.}, skipped heads, and every refusal with its message.
 */
class SafetensorsCheckpointTest {

  private static final BertConfig TINY = new BertConfig(50, 8, 2, 2, 16, 16, 2, 1e-12);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static NDManager manager;

  /** Random values for every parameter of {@link #TINY}, by block name. */
  private static Map<String, WeightTensor> weights;

  @TempDir Path dir;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
    BertEncoderBlock block = new BertEncoderBlock(TINY);
    block.initialize(manager, DataType.FLOAT32, new Shape(1, 4), new Shape(1, 4));
    Random random = new Random(7);
    weights = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : ParameterNames.of(block).entrySet()) {
      long[] shape = e.getValue().getArray().getShape().getShape();
      float[] v = new float[(int) new Shape(shape).size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (random.nextGaussian() * 0.5);
      }
      weights.put(e.getKey(), WeightTensor.of(v, shape));
    }
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  /** The fields of a Hugging Face config.json of {@link #TINY}, as save_pretrained writes them. */
  private static Map<String, Object> config() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("_name_or_path", "tiny-bert");
    c.put("architectures", List.of("BertForMaskedLM"));
    c.put("attention_probs_dropout_prob", 0.1);
    c.put("classifier_dropout", null);
    c.put("hidden_act", "gelu");
    c.put("hidden_dropout_prob", 0.1);
    c.put("hidden_size", 8);
    c.put("initializer_range", 0.02);
    c.put("intermediate_size", 16);
    c.put("layer_norm_eps", 1e-12);
    c.put("max_position_embeddings", 16);
    c.put("model_type", "bert");
    c.put("num_attention_heads", 2);
    c.put("num_hidden_layers", 2);
    c.put("pad_token_id", 0);
    c.put("position_embedding_type", "absolute");
    c.put("torch_dtype", "float32");
    c.put("transformers_version", "4.41.2");
    c.put("type_vocab_size", 2);
    c.put("use_cache", true);
    c.put("vocab_size", 50);
    return c;
  }

  /** The tensors of a BertForPreTraining checkpoint: bert.-prefixed encoder, pooler, heads. */
  private static Map<String, Raw> pretrainingTensors() {
    Map<String, Raw> t = new LinkedHashMap<>();
    t.put("bert.embeddings.position_ids", Raw.i64(new long[] {1, 16}, new long[16]));
    weights.forEach((name, w) -> t.put("bert." + name, Raw.f32(w)));
    t.put("bert.pooler.dense.weight", Raw.f32(new long[] {8, 8}, new float[64]));
    t.put("bert.pooler.dense.bias", Raw.f32(new long[] {8}, new float[8]));
    t.put("cls.predictions.bias", Raw.f32(new long[] {50}, new float[50]));
    t.put("cls.predictions.transform.dense.weight", Raw.f32(new long[] {8, 8}, new float[64]));
    t.put("cls.seq_relationship.weight", Raw.f32(new long[] {2, 8}, new float[16]));
    return t;
  }

  private Path checkpoint(Map<String, Object> config, Map<String, Raw> tensors) throws IOException {
    Files.createDirectories(dir);
    JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
    TestFiles.write(dir.resolve("model.safetensors"), tensors);
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
      Files.write(dir.resolve("tokenizer.json"), in.readAllBytes());
    }
    return dir;
  }

  private static CheckpointFormatException refused(Path dir, String message, String tensor) {
    CheckpointFormatException e =
        assertThrows(
            CheckpointFormatException.class,
            () -> {
              try (BertCheckpoint c = BertCheckpoint.open(dir);
                  NDManager m = manager.newSubManager()) {
                c.newEncoder(m);
              }
            });
    assertEquals(message, e.getMessage());
    assertEquals(Optional.ofNullable(tensor), e.tensor());
    return e;
  }

  private static float[] floats(WeightTensor t) {
    float[] out = new float[t.data().remaining()];
    t.data().get(out);
    return out;
  }

  private static float[] hidden(BertEncoderBlock block, NDManager m) {
    NDArray ids = m.create(new long[][] {{2, 17, 33, 4, 49, 0}, {2, 5, 6, 1, 0, 0}});
    NDArray mask = m.create(new long[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}});
    NDArray types = m.create(new long[][] {{0, 0, 0, 1, 1, 1}, {0, 0, 1, 1, 0, 0}});
    return block
        .forward(new ParameterStore(m, false), new NDList(ids, mask, types), false)
        .singletonOrThrow()
        .toFloatArray();
  }

  @Test
  void readsAPretrainingCheckpointAndSkipsItsHeads() throws IOException {
    Map<String, Object> config = config();
    config.put("hidden_dropout_prob", 0.2);
    Path d = checkpoint(config, pretrainingTensors());
    try (BertCheckpoint c = BertCheckpoint.open(d);
        NDManager m = manager.newSubManager()) {
      assertEquals(TINY.withDropout(0.2, 0.1), c.config());
      assertEquals(d.resolve("tokenizer.json"), c.tokenizerFile());
      assertEquals(
          List.of(
              "bert.embeddings.position_ids",
              "bert.pooler.dense.weight",
              "bert.pooler.dense.bias",
              "cls.predictions.bias",
              "cls.predictions.transform.dense.weight",
              "cls.seq_relationship.weight"),
          c.skippedTensors());
      assertEquals(List.copyOf(weights.keySet()), List.copyOf(c.tensorNames().keySet()));
      assertEquals(
          "bert.encoder.layer.1.attention.self.key.bias",
          c.tensorNames().get("encoder.layer.1.attention.self.key.bias"));

      BertEncoderBlock loaded = c.newEncoder(m);
      Map<String, Parameter> params = ParameterNames.of(loaded);
      for (Map.Entry<String, WeightTensor> e : weights.entrySet()) {
        assertArrayEquals(
            floats(e.getValue()), params.get(e.getKey()).getArray().toFloatArray(), e.getKey());
      }
      BertEncoderBlock reference = new BertEncoderBlock(TINY);
      reference.initialize(m, DataType.FLOAT32, new Shape(1, 4), new Shape(1, 4));
      reference.loadWeights(weights);
      assertArrayEquals(hidden(reference, m), hidden(loaded, m));
    }
  }

  @Test
  void readsUnprefixedNamesAndLegacyLayerNormNames() throws IOException {
    Map<String, Raw> t = new LinkedHashMap<>();
    weights.forEach(
        (name, w) ->
            t.put(
                name.replace("LayerNorm.weight", "LayerNorm.gamma")
                    .replace("LayerNorm.bias", "LayerNorm.beta"),
                Raw.f32(w)));
    t.put("pooler.dense.bias", Raw.f32(new long[] {8}, new float[8]));
    try (BertCheckpoint c = BertCheckpoint.open(checkpoint(config(), t));
        NDManager m = manager.newSubManager()) {
      assertEquals(
          "encoder.layer.0.output.LayerNorm.gamma",
          c.tensorNames().get("encoder.layer.0.output.LayerNorm.weight"));
      assertEquals(List.of("pooler.dense.bias"), c.skippedTensors());
      Map<String, WeightTensor> read = c.weights();
      for (Map.Entry<String, WeightTensor> e : weights.entrySet()) {
        assertArrayEquals(floats(e.getValue()), floats(read.get(e.getKey())), e.getKey());
      }
      BertEncoderBlock block = new BertEncoderBlock(TINY.withDropout(0, 0));
      block.initialize(m, DataType.FLOAT32, new Shape(1, 4), new Shape(1, 4));
      c.loadInto(block);
      assertArrayEquals(
          floats(weights.get("embeddings.LayerNorm.bias")),
          ParameterNames.of(block).get("embeddings.LayerNorm.bias").getArray().toFloatArray());
    }
  }

  @Test
  void missingTensor() throws IOException {
    Map<String, Raw> t = pretrainingTensors();
    t.remove("bert.encoder.layer.1.output.dense.weight");
    refused(
        checkpoint(config(), t),
        "model.safetensors: missing tensor 'bert.encoder.layer.1.output.dense.weight', which the"
            + " encoder described by config.json needs",
        "bert.encoder.layer.1.output.dense.weight");
    t.remove("bert.encoder.layer.1.output.dense.bias");
    refused(
        checkpoint(config(), t),
        "model.safetensors: missing 2 tensors that the encoder described by config.json needs:"
            + " 'bert.encoder.layer.1.output.dense.weight',"
            + " 'bert.encoder.layer.1.output.dense.bias'",
        null);
  }

  @Test
  void wrongShape() throws IOException {
    Map<String, Raw> t = pretrainingTensors();
    t.put(
        "bert.encoder.layer.0.attention.self.query.weight",
        Raw.f32(new long[] {8, 4}, new float[32]));
    refused(
        checkpoint(config(), t),
        "model.safetensors: tensor 'bert.encoder.layer.0.attention.self.query.weight' has shape"
            + " [8, 4], the encoder described by config.json needs [8, 8]",
        "bert.encoder.layer.0.attention.self.query.weight");
    t.put("bert.embeddings.LayerNorm.bias", Raw.f32(new long[] {4}, new float[4]));
    refused(
        checkpoint(config(), t),
        "model.safetensors: 2 problems:\n"
            + "  tensor 'bert.embeddings.LayerNorm.bias' has shape [4], the encoder"
            + " described by config.json needs [8]\n"
            + "  tensor 'bert.encoder.layer.0.attention.self.query.weight' has shape [8, 4], the"
            + " encoder described by config.json needs [8, 8]",
        null);
  }

  @Test
  void unknownTensorsAreRefused() throws IOException {
    Map<String, Raw> t = pretrainingTensors();
    t.put("qa_outputs.weight", Raw.f32(new long[] {2, 8}, new float[16]));
    refused(
        checkpoint(config(), t),
        "model.safetensors: unknown tensor 'qa_outputs.weight': the encoder described by"
            + " config.json has no parameter for it (more layers than num_hidden_layers, another"
            + " architecture, or a task head?)",
        "qa_outputs.weight");

    // Unknown tensors of a layer the config has: listed (at most 10, then a count).
    Map<String, Raw> extra = pretrainingTensors();
    List<String> listed = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String name = "bert.encoder.layer.1.adapter" + i + ".weight";
      extra.put(name, Raw.f32(new long[] {8}, new float[8]));
      listed.add("'" + name + "'");
    }
    refused(
        checkpoint(config(), extra),
        "model.safetensors: 12 unknown tensors that the encoder described by config.json has no"
            + " parameter for: "
            + String.join(", ", listed.subList(0, 10))
            + " and 2 more (more layers than num_hidden_layers, another architecture, or a task"
            + " head?)",
        null);

    t.remove("bert.embeddings.LayerNorm.bias");
    refused(
        checkpoint(config(), t),
        "model.safetensors: 2 problems:\n"
            + "  missing tensor 'bert.embeddings.LayerNorm.bias', which the encoder described by"
            + " config.json needs\n"
            + "  unknown tensor 'qa_outputs.weight': the encoder described by config.json has no"
            + " parameter for it (more layers than num_hidden_layers, another architecture, or a"
            + " task head?)",
        null);
  }

  @Test
  void aClassifierIsKeptApartAndChecked() throws IOException {
    Map<String, Raw> t = pretrainingTensors();
    float[] w = new float[24];
    for (int i = 0; i < w.length; i++) {
      w[i] = i / 8f;
    }
    t.put("classifier.weight", Raw.f32(new long[] {3, 8}, w));
    t.put("classifier.bias", Raw.f32(new long[] {3}, new float[] {1, 2, 3}));
    try (BertCheckpoint c = BertCheckpoint.open(checkpoint(config(), t));
        NDManager m = manager.newSubManager()) {
      assertEquals(3, c.classifierOutputs());
      assertTrue(c.hasPooler(), "a BertForPreTraining-style checkpoint has bert.pooler.*");
      assertArrayEquals(w, floats(c.classifier().get("classifier.weight")));
      assertArrayEquals(new float[] {1, 2, 3}, floats(c.classifier().get("classifier.bias")));
      assertEquals(List.copyOf(weights.keySet()), List.copyOf(c.tensorNames().keySet()));
      c.newEncoder(m); // the encoder loads as without the classifier
    }
    t.remove("bert.pooler.dense.weight");
    t.remove("bert.pooler.dense.bias");
    try (BertCheckpoint c = BertCheckpoint.open(checkpoint(config(), t))) {
      assertFalse(c.hasPooler());
    }
    try (BertCheckpoint c = BertCheckpoint.open(checkpoint(config(), pretrainingTensors()))) {
      assertEquals(0, c.classifierOutputs());
      assertEquals(Map.of(), c.classifier());
    }

    t.remove("classifier.bias");
    refused(
        checkpoint(config(), t),
        "model.safetensors: tensor 'classifier.weight' comes without 'classifier.bias' (a"
            + " classifier needs both)",
        "classifier.weight");
    t.put("classifier.bias", Raw.f32(new long[] {2}, new float[2]));
    refused(
        checkpoint(config(), t),
        "model.safetensors: the classifier's tensors have shapes [3, 8] and [2]; a classifier on"
            + " the encoder's 8-wide states needs [classes, 8] and [classes]",
        "classifier.weight");
  }

  @Test
  void duplicateAndNonFloatTensors() throws IOException {
    Map<String, Raw> t = pretrainingTensors();
    t.put("embeddings.LayerNorm.bias", Raw.f32(new long[] {8}, new float[8]));
    refused(
        checkpoint(config(), t),
        "model.safetensors: tensors 'bert.embeddings.LayerNorm.bias' and"
            + " 'embeddings.LayerNorm.bias' are both parameter embeddings.LayerNorm.bias",
        "embeddings.LayerNorm.bias");
    t = pretrainingTensors();
    t.put("bert.embeddings.LayerNorm.bias", Raw.i64(new long[] {8}, new long[8]));
    refused(
        checkpoint(config(), t),
        "model.safetensors: tensor 'bert.embeddings.LayerNorm.bias' is I64; only F32, F16 and"
            + " BF16 tensors can be read as float32",
        "bert.embeddings.LayerNorm.bias");
  }

  @Test
  void unsupportedConfigurations() throws IOException {
    Map<String, Object> c = config();
    c.put("hidden_act", "gelu_new");
    refused(
        checkpoint(c, pretrainingTensors()),
        "config.json: hidden_act 'gelu_new' is not supported: the encoder's feed-forward layer uses"
            + " the exact (erf) GELU, 'gelu', not an approximation",
        null);
    c = config();
    c.put("model_type", "roberta");
    refused(
        checkpoint(c, pretrainingTensors()),
        "config.json: model_type 'roberta' is not supported: this reader builds BERT encoders only"
            + " ('bert')",
        null);
    c = config();
    c.put("position_embedding_type", "relative_key");
    refused(
        checkpoint(c, pretrainingTensors()),
        "config.json: position_embedding_type 'relative_key' is not supported: the encoder learns"
            + " absolute positions only ('absolute')",
        null);
    c = config();
    c.remove("hidden_size");
    refused(
        checkpoint(c, pretrainingTensors()),
        "config.json: no 'hidden_size' field (the width of every token vector; required: it tells"
            + " BERT sizes apart)",
        null);
    c = config();
    c.put("intermediate_size", "16");
    refused(
        checkpoint(c, pretrainingTensors()),
        "config.json: 'intermediate_size' must be a positive integer, got \"16\"",
        null);
    c = config();
    c.put("num_attention_heads", 3);
    refused(
        checkpoint(c, pretrainingTensors()),
        "config.json: hidden_size 8 is not a multiple of num_attention_heads 3",
        null);
    c = config();
    c.put("layer_norm_eps", 0);
    refused(
        checkpoint(c, pretrainingTensors()),
        "config.json: 'layer_norm_eps' must be a positive number, got 0",
        null);
    checkpoint(config(), pretrainingTensors());
    Files.writeString(dir.resolve("config.json"), "{\n  \"vocab_size\": 50,\n  oops\n}\n");
    refused(dir, "config.json: not valid JSON (error at line 3, column 3)", null);
    Files.writeString(dir.resolve("config.json"), "[]");
    refused(dir, "config.json: not a JSON object", null);
  }

  @Test
  void absentFieldsTakeHuggingFaceDefaultsAndLoadAsAnExplicitConfig() throws IOException {
    float[] explicit;
    try (BertCheckpoint c = BertCheckpoint.open(checkpoint(config(), pretrainingTensors()));
        NDManager m = manager.newSubManager()) {
      explicit = hidden(c.newEncoder(m), m);
    }
    Map<String, Object> config = config();
    for (String field :
        List.of(
            "hidden_act",
            "type_vocab_size",
            "layer_norm_eps",
            "hidden_dropout_prob",
            "attention_probs_dropout_prob",
            "model_type",
            "position_embedding_type")) {
      config.remove(field);
    }
    try (BertCheckpoint c = BertCheckpoint.open(checkpoint(config, pretrainingTensors()));
        NDManager m = manager.newSubManager()) {
      assertEquals(TINY, c.config());
      assertArrayEquals(explicit, hidden(c.newEncoder(m), m));
    }
    // The minimal config.json of docs/models.md: all-MiniLM-L6-v2 with Hugging Face's defaults.
    Path minimal = dir.resolve("minimal.json");
    Files.writeString(
        minimal,
        "{\"hidden_size\": 384, \"num_hidden_layers\": 6, \"num_attention_heads\": 12,"
            + " \"intermediate_size\": 1536}");
    assertEquals(BertConfig.miniLmL6(), BertCheckpoint.readConfig(minimal));
  }

  @Test
  void everyConfigProblemIsReportedAtOnce() throws IOException {
    Map<String, Object> c = config();
    c.remove("hidden_size");
    c.remove("num_hidden_layers");
    c.remove("num_attention_heads");
    c.put("intermediate_size", "16");
    c.put("layer_norm_eps", 0);
    c.put("hidden_act", "gelu_new");
    c.put("hidden_dropout_prob", 1.5);
    List<String> problems =
        List.of(
            "hidden_act 'gelu_new' is not supported: the encoder's feed-forward layer uses the"
                + " exact (erf) GELU, 'gelu', not an approximation",
            "no 'hidden_size' field (the width of every token vector; required: it tells BERT"
                + " sizes apart)",
            "no 'num_hidden_layers' field (the number of layers; required: it tells BERT sizes"
                + " apart)",
            "no 'num_attention_heads' field (the attention heads per layer; required: no tensor"
                + " shape shows it)",
            "'intermediate_size' must be a positive integer, got \"16\"",
            "'layer_norm_eps' must be a positive number, got 0",
            "'hidden_dropout_prob' must be in [0, 1), got 1.5");
    CheckpointFormatException e =
        refused(
            checkpoint(c, pretrainingTensors()),
            "config.json: 7 problems:\n  " + String.join("\n  ", problems),
            null);
    assertEquals(problems.stream().map(p -> "config.json: " + p).toList(), e.problems());
    assertEquals(dir.resolve("config.json"), e.file());
  }

  @Test
  void sizesThatDifferFromTheWeightsAreOneSentenceEach() throws IOException {
    Map<String, Object> c = config();
    c.put("num_hidden_layers", 3);
    CheckpointFormatException e =
        refused(
            checkpoint(c, pretrainingTensors()),
            "config.json says 3 layers (num_hidden_layers), model.safetensors has 2",
            null);
    assertEquals(List.of(e.getMessage()), e.problems());
    c.put("num_hidden_layers", 1);
    refused(
        checkpoint(c, pretrainingTensors()),
        "config.json says 1 layer (num_hidden_layers), model.safetensors has 2",
        null);

    c = config();
    c.put("hidden_size", 16);
    c.put("intermediate_size", 32);
    List<String> sentences =
        List.of(
            "config.json says a hidden size of 16 (hidden_size), model.safetensors has 8",
            "config.json says a feed-forward size of 32 (intermediate_size), model.safetensors"
                + " has 16");
    e = refused(checkpoint(c, pretrainingTensors()), String.join("\n", sentences), null);
    assertEquals(sentences, e.problems());

    // A default that does not fit the weights is caught, and said to be the default.
    c = config();
    c.remove("type_vocab_size");
    c.put("vocab_size", 60);
    Map<String, Raw> t = pretrainingTensors();
    t.put("bert.embeddings.token_type_embeddings.weight", Raw.f32(new long[] {1, 8}, new float[8]));
    e =
        refused(
            checkpoint(c, t),
            "config.json says 60 word-piece ids (vocab_size), model.safetensors has 50\n"
                + "config.json says 2 token types (type_vocab_size, absent: Hugging Face's"
                + " default), model.safetensors has 1",
            null);
    assertEquals(2, e.problems().size());
  }

  @Test
  void missingFiles() throws IOException {
    Path d = checkpoint(config(), pretrainingTensors());
    Files.delete(d.resolve("tokenizer.json"));
    refused(
        d,
        "tokenizer.json: not found in "
            + d
            + " (the model's fast tokenizer, written by tokenizer.save_pretrained, turns text into"
            + " ids)",
        null);
    Files.delete(d.resolve("model.safetensors"));
    Files.writeString(d.resolve("pytorch_model.bin"), "PK");
    refused(
        d,
        "model.safetensors: not found in "
            + d
            + ": only safetensors weights are read, and this checkpoint has pytorch_model.bin"
            + " (save it with save_pretrained(dir, safe_serialization=True))",
        null);
    Files.writeString(d.resolve("model.safetensors.index.json"), "{}");
    refused(
        d,
        "model.safetensors: not found in "
            + d
            + ": sharded checkpoints (model.safetensors.index.json) are not supported",
        null);
    Files.delete(d.resolve("config.json"));
    refused(d, "config.json: not found in " + d, null);
    refused(
        d.resolve("nope"),
        d.resolve("nope") + ": not a checkpoint directory (no such directory)",
        null);
  }
}
