package io.github.finetune4j.model.safetensors;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.bert.BertEncoderBlock;
import io.github.finetune4j.model.bert.BertShapes;
import io.github.finetune4j.model.bert.BertWeights;
import io.github.finetune4j.model.bert.HfBertNames;
import io.github.finetune4j.model.bert.HfDirectory;
import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.params.ParameterNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hugging Face BERT checkpoint directory, as {@code save_pretrained} writes it: {@value
 * #CONFIG_FILE}, {@value #WEIGHTS_FILE} and {@value #TOKENIZER_FILE}; read into a {@link
 * BertConfig} and the weights of a {@link BertEncoderBlock} by parameter name.
 *
 * <p><b>Configuration.</b> {@value #CONFIG_FILE} must give {@code hidden_size}, {@code
 * num_hidden_layers}, {@code num_attention_heads} and {@code intermediate_size}; the other fields
 * take Hugging Face's {@code BertConfig} defaults when absent: {@code vocab_size} 30522, {@code
 * max_position_embeddings} 512, {@code type_vocab_size} 2, {@code layer_norm_eps} 1e-12, {@code
 * hidden_act} {@code gelu}, {@code hidden_dropout_prob} and {@code attention_probs_dropout_prob}
 * 0.1. The four required ones tell BERT sizes apart, so no default fits; {@code
 * num_attention_heads} above all, as no tensor shape shows it and a wrong value would load every
 * weight and compute something else. Refused, with the reason: a {@code hidden_act} other than
 * {@code gelu} (the block's feed-forward layer uses the exact erf GELU, not the tanh approximations
 * {@code gelu_new} or {@code gelu_pytorch_tanh}), a {@code model_type} other than {@code bert}, and
 * a {@code position_embedding_type} other than {@code absolute}. Every missing or invalid field is
 * reported in one {@link CheckpointFormatException} ({@link CheckpointFormatException#problems()}:
 * one line per field).
 *
 * <p><b>Sizes.</b> The sizes that the weights show (layers, vocabulary, hidden size, positions,
 * token types, feed-forward size) are compared with the configuration first, and each difference is
 * reported in one sentence with both numbers ({@link BertShapes#mismatches}), such as {@code
 * config.json says 6 layers (num_hidden_layers), model.safetensors has 12}, rather than as the
 * tensors that follow from it.
 *
 * <p><b>Tensor names.</b> Mapped by {@link HfBertNames#toBlockName}: the names of a {@code
 * BertModel} ({@code embeddings.word_embeddings.weight}) or of a {@code BertFor*} model ({@code
 * bert.embeddings.word_embeddings.weight}), legacy {@code LayerNorm.gamma}/{@code beta} included.
 * The pooler, the pre-training heads ({@code cls.}) and the id buffers are skipped ({@link
 * #skippedTensors()}, and their count is logged).
 *
 * <p><b>The classifier is kept apart.</b> A sequence classifier's head, {@code classifier.weight}
 * [classes, hidden] and {@code classifier.bias} [classes] (as a Finetune4J Hugging Face export and
 * {@code BertForSequenceClassification} name it), is no parameter of the encoder: {@link
 * #classifier()} gives it to a caller that keeps it, and {@link #hasPooler()} says whether the
 * checkpoint has the pooler that {@code BertForSequenceClassification} puts before it. Its two
 * tensors must come together, be float, and fit the hidden size.
 *
 * <p><b>Unknown tensors are refused, not warned about.</b> A tensor that is neither a parameter of
 * the encoder described by {@value #CONFIG_FILE}, nor the classifier, nor one of the skipped kinds
 * means that the checkpoint is not what the configuration says: more layers than {@code
 * num_hidden_layers}, another variant of the architecture, or another task head (such as {@code
 * qa_outputs.weight}) whose silent loss would leave a model that differs from the one saved. {@link
 * #open} lists every such tensor, and every missing one, in one {@link CheckpointFormatException};
 * shapes are checked against the block, all at once, before anything is written ({@link
 * #loadInto}).
 *
 * <p>Only a single {@value #WEIGHTS_FILE} is read: sharded checkpoints and {@code
 * pytorch_model.bin} are refused with that reason. Weights are read one tensor at a time from the
 * memory-mapped file (see {@link SafetensorsReader}); F16 and BF16 are converted to float32
 * exactly.
 */
public final class BertCheckpoint implements AutoCloseable {

  /** The configuration file of a checkpoint directory. */
  public static final String CONFIG_FILE = "config.json";

  /** The weights file of a checkpoint directory. */
  public static final String WEIGHTS_FILE = "model.safetensors";

  /** The tokenizer file of a checkpoint directory. */
  public static final String TOKENIZER_FILE = TextTokenizer.FILE_NAME;

  private static final Logger LOG = LoggerFactory.getLogger(BertCheckpoint.class);
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final int LISTED = 10;
  private static final String ENCODER = "the encoder described by " + CONFIG_FILE;

  private final Path directory;
  private final BertConfig config;
  private final SafetensorsReader reader;
  private final Map<String, String> tensorOf;
  private final List<String> skipped;
  private final int classifierOutputs;

  private BertCheckpoint(
      Path directory,
      BertConfig config,
      SafetensorsReader reader,
      Map<String, String> tensorOf,
      List<String> skipped,
      int classifierOutputs) {
    this.directory = directory;
    this.config = config;
    this.reader = reader;
    this.tensorOf = Collections.unmodifiableMap(tensorOf);
    this.skipped = List.copyOf(skipped);
    this.classifierOutputs = classifierOutputs;
  }

  /**
   * Opens a checkpoint directory: reads {@value #CONFIG_FILE}, validates the header of {@value
   * #WEIGHTS_FILE}, checks that {@value #TOKENIZER_FILE} exists, and maps every tensor to a
   * parameter of the encoder (see the class comment). No weight is read yet.
   *
   * @param directory the checkpoint directory
   * @return the open checkpoint; close it when done
   * @throws CheckpointFormatException if a file is missing or malformed, the configuration is not
   *     supported, or tensors are missing, unknown, duplicated or not float
   * @throws IOException if a file cannot be read
   */
  public static BertCheckpoint open(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      throw new CheckpointFormatException(
          directory, null, directory + ": not a checkpoint directory (no such directory)");
    }
    Path configFile = directory.resolve(CONFIG_FILE);
    Path weightsFile = directory.resolve(WEIGHTS_FILE);
    Path tokenizerFile = directory.resolve(TOKENIZER_FILE);
    requireFile(configFile, directory, "");
    requireWeights(weightsFile, directory);
    requireFile(
        tokenizerFile,
        directory,
        " (the model's fast tokenizer, written by tokenizer.save_pretrained, turns text into ids)");
    ParsedConfig config = parseConfig(configFile);
    SafetensorsReader reader = SafetensorsReader.open(weightsFile);
    try {
      return map(directory, config, reader);
    } catch (IOException | RuntimeException e) {
      reader.close();
      throw e;
    }
  }

  /**
   * Reads the encoder's shape from a Hugging Face {@code config.json} (see the class comment for
   * the fields, their defaults and what is refused).
   *
   * @param configFile the file
   * @return the configuration, with the file's dropout rates
   * @throws CheckpointFormatException naming every field at fault, all at once ({@link
   *     CheckpointFormatException#problems()})
   * @throws IOException if the file cannot be read
   */
  public static BertConfig readConfig(Path configFile) throws IOException {
    return parseConfig(configFile).config();
  }

  /**
   * Checks the sizes that a weights file shows against a {@code config.json}: layers, vocabulary,
   * hidden size, positions, token types and feed-forward size (see {@link BertShapes}).
   *
   * @param configFile the configuration file
   * @param weightsFile the weights file, for the messages
   * @param shapes the shape of every tensor of the weights file by block parameter name
   * @return the configuration read
   * @throws CheckpointFormatException if the configuration cannot be read, or with one sentence per
   *     size that differs, e.g. {@code config.json says 6 layers (num_hidden_layers), model.onnx
   *     has 12}
   * @throws IOException if the file cannot be read
   */
  public static BertConfig checkSizes(Path configFile, Path weightsFile, Map<String, long[]> shapes)
      throws IOException {
    ParsedConfig parsed = parseConfig(configFile);
    requireSizes(parsed, weightsFile, shapes);
    return parsed.config();
  }

  private static void requireSizes(
      ParsedConfig parsed, Path weightsFile, Map<String, long[]> shapes)
      throws CheckpointFormatException {
    List<String> differ =
        BertShapes.mismatches(
            parsed.config(),
            shapes,
            SafetensorsReader.label(parsed.file()),
            SafetensorsReader.label(weightsFile),
            parsed.defaulted());
    if (!differ.isEmpty()) {
      throw new CheckpointFormatException(parsed.file(), null, String.join("\n", differ), differ);
    }
  }

  /** A configuration read from its file, with the fields that took Hugging Face's defaults. */
  private record ParsedConfig(Path file, BertConfig config, Set<String> defaulted) {}

  private static ParsedConfig parseConfig(Path configFile) throws IOException {
    String label = SafetensorsReader.label(configFile);
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(configFile));
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where =
          at == null || at.getLineNr() < 0
              ? ""
              : " (error at line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
      throw new CheckpointFormatException(configFile, null, label + ": not valid JSON" + where);
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointFormatException(configFile, null, label + ": not a JSON object");
    }
    ConfigFields f = new ConfigFields(root);
    f.supported("model_type", "bert", "this reader builds BERT encoders only ('bert')");
    f.supported(
        "hidden_act",
        "gelu",
        "the encoder's feed-forward layer uses the exact (erf) GELU, 'gelu', not an"
            + " approximation");
    f.supported(
        "position_embedding_type",
        "absolute",
        "the encoder learns absolute positions only ('absolute')");
    String required = "required: it tells BERT sizes apart";
    int vocab = f.positiveInt("vocab_size", 30522, null);
    int hidden = f.positiveInt("hidden_size", 0, "the width of every token vector; " + required);
    int layers = f.positiveInt("num_hidden_layers", 0, "the number of layers; " + required);
    int heads =
        f.positiveInt(
            "num_attention_heads",
            0,
            "the attention heads per layer; required: no tensor shape shows it");
    int intermediate =
        f.positiveInt("intermediate_size", 0, "the width of the feed-forward layer; " + required);
    int positions = f.positiveInt("max_position_embeddings", 512, null);
    int types = f.positiveInt("type_vocab_size", 2, null);
    double eps = f.positiveNumber("layer_norm_eps", 1e-12);
    double hiddenDropout = f.rate("hidden_dropout_prob", BertConfig.DEFAULT_DROPOUT);
    double attentionDropout = f.rate("attention_probs_dropout_prob", BertConfig.DEFAULT_DROPOUT);
    if (hidden > 0 && heads > 0 && hidden % heads != 0) {
      f.problems.add(
          "hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
    }
    if (!f.problems.isEmpty()) {
      throw fail(configFile, null, f.problems);
    }
    BertConfig config =
        new BertConfig(
            vocab,
            hidden,
            layers,
            heads,
            intermediate,
            positions,
            types,
            eps,
            hiddenDropout,
            attentionDropout);
    return new ParsedConfig(configFile, config, Collections.unmodifiableSet(f.defaulted));
  }

  /**
   * Returns the checkpoint directory.
   *
   * @return the path given to {@link #open}
   */
  public Path directory() {
    return directory;
  }

  /**
   * Returns the encoder's shape from {@value #CONFIG_FILE}.
   *
   * @return the configuration
   */
  public BertConfig config() {
    return config;
  }

  /**
   * Returns the checkpoint's tokenizer file.
   *
   * @return {@code directory/tokenizer.json}, which exists
   */
  public Path tokenizerFile() {
    return directory.resolve(TOKENIZER_FILE);
  }

  /**
   * Loads the checkpoint's tokenizer.
   *
   * @param maxLength the most tokens per text, special tokens included
   * @return the tokenizer; close it when done
   * @throws IOException if the file cannot be read or is invalid
   */
  public TextTokenizer tokenizer(int maxLength) throws IOException {
    return TextTokenizer.fromFile(tokenizerFile(), maxLength);
  }

  /**
   * Returns the tensor that holds each parameter of the encoder.
   *
   * @return tensor names in the file by parameter name, in the block's parameter order
   */
  public Map<String, String> tensorNames() {
    return tensorOf;
  }

  /**
   * Returns the tensors of the file that the encoder does not use: the pooler, the pre-training
   * heads, the id buffers.
   *
   * @return their names in the file, in data order
   */
  public List<String> skippedTensors() {
    return skipped;
  }

  /**
   * The number of outputs of the checkpoint's classifier ({@value HfDirectory#CLASSIFIER_WEIGHT}
   * and {@value HfDirectory#CLASSIFIER_BIAS}).
   *
   * @return its rows, or 0 when the checkpoint has no classifier
   */
  public int classifierOutputs() {
    return classifierOutputs;
  }

  /**
   * Whether the checkpoint has a pooler ({@code pooler.dense.*}, a dense layer and tanh on the
   * {@code [CLS]} state): a classifier trained on the pooler's output does not fit a model without
   * one.
   *
   * @return true when a skipped tensor is the pooler's
   */
  public boolean hasPooler() {
    return skipped.stream().anyMatch(n -> HfBertNames.toBlockName(n).startsWith("pooler."));
  }

  /**
   * Reads the checkpoint's classifier.
   *
   * @return {@value HfDirectory#CLASSIFIER_WEIGHT} [classes, hidden] and {@value
   *     HfDirectory#CLASSIFIER_BIAS} [classes] by those names, or an empty map when it has none
   * @throws IOException if a tensor cannot be read
   */
  public Map<String, WeightTensor> classifier() throws IOException {
    if (classifierOutputs == 0) {
      return Map.of();
    }
    Map<String, WeightTensor> out = new LinkedHashMap<>();
    out.put(HfDirectory.CLASSIFIER_WEIGHT, reader.read(HfDirectory.CLASSIFIER_WEIGHT));
    out.put(HfDirectory.CLASSIFIER_BIAS, reader.read(HfDirectory.CLASSIFIER_BIAS));
    return out;
  }

  /**
   * Reads the weights of every parameter of the encoder; they are not checked against a block (see
   * {@link #loadInto}).
   *
   * @return values by parameter name, in the block's order (F32 ones are views of the mapped file)
   * @throws IOException if a tensor cannot be read
   */
  public Map<String, WeightTensor> weights() throws IOException {
    Map<String, WeightTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : tensorOf.entrySet()) {
      out.put(e.getKey(), reader.read(e.getValue()));
    }
    return out;
  }

  /**
   * Builds an encoder of the checkpoint's configuration and loads its weights.
   *
   * @param manager the manager that will own the parameter arrays
   * @return an initialized encoder holding the checkpoint's weights
   * @throws CheckpointFormatException if a tensor's shape does not fit the configuration
   * @throws IOException if a tensor cannot be read
   */
  public BertEncoderBlock newEncoder(NDManager manager) throws IOException {
    BertEncoderBlock block = new BertEncoderBlock(config);
    // Every array is overwritten next: skip the truncated-normal sampling, then restore the
    // initializer for anyone who re-initializes a parameter later (as MiniLmImporter does).
    block.setInitializer(Initializer.ZEROS, Parameter.Type.WEIGHT);
    block.initialize(manager, DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
    block.setInitializer(
        new TruncatedNormalInitializer(BertEncoderBlock.INITIALIZER_RANGE), Parameter.Type.WEIGHT);
    loadInto(block);
    return block;
  }

  /**
   * Overwrites every parameter of an initialized encoder with the checkpoint's weights. Every shape
   * is checked first and all mismatches are reported together; then the tensors are read and copied
   * one at a time.
   *
   * @param block an initialized encoder with the same parameter names as the checkpoint's
   *     configuration (dropout rates may differ)
   * @throws CheckpointFormatException if tensor shapes differ from the block's, naming each tensor
   * @throws IllegalArgumentException if the block has other parameters than the checkpoint
   * @throws IllegalStateException if the block is not initialized
   * @throws IOException if a tensor cannot be read
   */
  public void loadInto(BertEncoderBlock block) throws IOException {
    Map<String, Parameter> params = ParameterNames.of(block);
    if (!params.keySet().equals(tensorOf.keySet())) {
      throw new IllegalArgumentException(
          "The encoder "
              + block.getConfig()
              + " does not have the parameters of the checkpoint "
              + config
              + " in "
              + directory);
    }
    List<String> problems = new ArrayList<>();
    String only = null;
    for (Map.Entry<String, String> e : tensorOf.entrySet()) {
      Parameter p = params.get(e.getKey());
      if (!p.isInitialized()) {
        throw new IllegalStateException(
            "Parameter " + e.getKey() + " has no array yet: initialize the block before loading");
      }
      long[] expected = p.getArray().getShape().getShape();
      long[] got = reader.tensors().get(e.getValue()).shape();
      if (!Arrays.equals(expected, got)) {
        only = e.getValue();
        problems.add(
            "tensor '"
                + e.getValue()
                + "' has shape "
                + Arrays.toString(got)
                + ", "
                + ENCODER
                + " needs "
                + Arrays.toString(expected));
      }
    }
    if (!problems.isEmpty()) {
      throw fail(reader.file(), problems.size() == 1 ? only : null, problems);
    }
    for (Map.Entry<String, String> e : tensorOf.entrySet()) {
      BertWeights.load(block, Map.of(e.getKey(), reader.read(e.getValue())));
    }
  }

  /** Closes the weights file; weights already read stay valid. */
  @Override
  public void close() throws IOException {
    reader.close();
  }

  @Override
  public String toString() {
    return "BertCheckpoint[" + directory + ", " + config + "]";
  }

  private static BertCheckpoint map(Path directory, ParsedConfig parsed, SafetensorsReader reader)
      throws CheckpointFormatException {
    BertConfig config = parsed.config();
    Map<String, long[]> shapes = new HashMap<>();
    for (TensorEntry e : reader.tensors().values()) {
      shapes.putIfAbsent(HfBertNames.toBlockName(e.name()), e.shape());
    }
    requireSizes(parsed, reader.file(), shapes);
    Set<String> params = ParameterNames.of(new BertEncoderBlock(config)).keySet();
    Map<String, String> found = new LinkedHashMap<>();
    List<String> skipped = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    List<String> culprits = new ArrayList<>();
    Map<String, TensorEntry> classifier = new LinkedHashMap<>();
    for (TensorEntry e : reader.tensors().values()) {
      String p = HfBertNames.toBlockName(e.name());
      if (e.name().equals(HfDirectory.CLASSIFIER_WEIGHT)
          || e.name().equals(HfDirectory.CLASSIFIER_BIAS)) {
        classifier.put(e.name(), e);
      } else if (params.contains(p)) {
        String other = found.putIfAbsent(p, e.name());
        if (other != null) {
          culprits.add(e.name());
          problems.add("tensors '" + other + "' and '" + e.name() + "' are both parameter " + p);
        } else if (!e.dtype().readableAsFloat()) {
          culprits.add(e.name());
          problems.add(
              "tensor '"
                  + e.name()
                  + "' is "
                  + e.dtype()
                  + "; only F32, F16 and BF16 tensors can be read as float32");
        }
      } else if (HfBertNames.isSkippable(p)) {
        skipped.add(e.name());
      } else {
        unknown.add(e.name());
      }
    }
    boolean prefixed =
        found.values().stream().anyMatch(n -> n.startsWith(HfBertNames.MODEL_PREFIX));
    List<String> missing = new ArrayList<>();
    for (String p : params) {
      if (!found.containsKey(p)) {
        missing.add(prefixed ? HfBertNames.MODEL_PREFIX + p : p);
      }
    }
    if (missing.size() == 1) {
      problems.add("missing tensor '" + missing.get(0) + "', which " + ENCODER + " needs");
    } else if (!missing.isEmpty()) {
      problems.add(
          "missing " + missing.size() + " tensors that " + ENCODER + " needs: " + list(missing));
    }
    String why = " (more layers than num_hidden_layers, another architecture, or a task head?)";
    if (unknown.size() == 1) {
      problems.add(
          "unknown tensor '" + unknown.get(0) + "': " + ENCODER + " has no parameter for it" + why);
    } else if (!unknown.isEmpty()) {
      problems.add(
          unknown.size()
              + " unknown tensors that "
              + ENCODER
              + " has no parameter for: "
              + list(unknown)
              + why);
    }
    int outputs = checkClassifier(classifier, config, problems, culprits);
    culprits.addAll(missing);
    culprits.addAll(unknown);
    if (!problems.isEmpty()) {
      throw fail(reader.file(), culprits.size() == 1 ? culprits.get(0) : null, problems);
    }
    if (!skipped.isEmpty()) {
      LOG.info(
          "{}: skipping {} tensor(s) the encoder has no parameter for (pooler, pre-training heads,"
              + " id buffers): {}",
          SafetensorsReader.label(reader.file()),
          skipped.size(),
          list(skipped));
    }
    Map<String, String> ordered = new LinkedHashMap<>();
    for (String p : params) {
      ordered.put(p, found.get(p));
    }
    return new BertCheckpoint(directory, config, reader, ordered, skipped, outputs);
  }

  /** The classifier's outputs (0 for none), after checking its two tensors fit together. */
  private static int checkClassifier(
      Map<String, TensorEntry> classifier,
      BertConfig config,
      List<String> problems,
      List<String> culprits) {
    if (classifier.isEmpty()) {
      return 0;
    }
    TensorEntry w = classifier.get(HfDirectory.CLASSIFIER_WEIGHT);
    TensorEntry b = classifier.get(HfDirectory.CLASSIFIER_BIAS);
    int before = problems.size();
    if (w == null || b == null) {
      String has = w == null ? HfDirectory.CLASSIFIER_BIAS : HfDirectory.CLASSIFIER_WEIGHT;
      String lacks = w == null ? HfDirectory.CLASSIFIER_WEIGHT : HfDirectory.CLASSIFIER_BIAS;
      culprits.add(has);
      problems.add("tensor '" + has + "' comes without '" + lacks + "' (a classifier needs both)");
      return 0;
    }
    for (TensorEntry e : List.of(w, b)) {
      if (!e.dtype().readableAsFloat()) {
        culprits.add(e.name());
        problems.add(
            "tensor '"
                + e.name()
                + "' is "
                + e.dtype()
                + "; only F32, F16 and BF16 tensors can be read as float32");
      }
    }
    long[] ws = w.shape();
    long[] bs = b.shape();
    if (ws.length != 2
        || ws[1] != config.hiddenSize()
        || ws[0] < 1
        || ws[0] > Integer.MAX_VALUE
        || bs.length != 1
        || bs[0] != ws[0]) {
      culprits.add(w.name());
      problems.add(
          "the classifier's tensors have shapes "
              + Arrays.toString(ws)
              + " and "
              + Arrays.toString(bs)
              + "; a classifier on the encoder's "
              + config.hiddenSize()
              + "-wide states needs [classes, "
              + config.hiddenSize()
              + "] and [classes]");
    }
    return problems.size() > before ? 0 : (int) ws[0];
  }

  private static CheckpointFormatException fail(Path file, String tensor, List<String> problems) {
    String label = SafetensorsReader.label(file);
    String message =
        problems.size() == 1
            ? label + ": " + problems.get(0)
            : label + ": " + problems.size() + " problems:\n  " + String.join("\n  ", problems);
    return new CheckpointFormatException(
        file, tensor, message, problems.stream().map(p -> label + ": " + p).toList());
  }

  private static String list(List<String> names) {
    String shown =
        names.stream().limit(LISTED).map(n -> "'" + n + "'").collect(Collectors.joining(", "));
    return names.size() > LISTED ? shown + " and " + (names.size() - LISTED) + " more" : shown;
  }

  private static void requireFile(Path file, Path directory, String why)
      throws CheckpointFormatException {
    if (!Files.isRegularFile(file)) {
      throw new CheckpointFormatException(
          file, null, SafetensorsReader.label(file) + ": not found in " + directory + why);
    }
  }

  private static void requireWeights(Path file, Path directory) throws CheckpointFormatException {
    if (Files.isRegularFile(file)) {
      return;
    }
    String why;
    if (Files.exists(directory.resolve(WEIGHTS_FILE + ".index.json"))) {
      why = ": sharded checkpoints (model.safetensors.index.json) are not supported";
    } else if (Files.exists(directory.resolve("pytorch_model.bin"))) {
      why =
          ": only safetensors weights are read, and this checkpoint has pytorch_model.bin (save"
              + " it with save_pretrained(dir, safe_serialization=True))";
    } else {
      why = "";
    }
    throw new CheckpointFormatException(
        file, null, WEIGHTS_FILE + ": not found in " + directory + why);
  }

  /**
   * Typed access to the fields of a {@code config.json}: each problem is collected, naming its
   * field, so that all are reported at once; the fields that took a default are noted.
   */
  private static final class ConfigFields {
    private final JsonNode root;
    private final List<String> problems = new ArrayList<>();
    private final Set<String> defaulted = new LinkedHashSet<>();

    ConfigFields(JsonNode root) {
      this.root = root;
    }

    void supported(String name, String expected, String why) {
      JsonNode v = root.get(name);
      if (v == null) {
        defaulted.add(name);
      } else if (!(v.isTextual() && v.textValue().equals(expected))) {
        String shown = v.isTextual() ? "'" + v.textValue() + "'" : v.toString();
        problems.add(name + " " + shown + " is not supported: " + why);
      }
    }

    /** The value, the fallback when absent (a problem when {@code required} says why), or 0. */
    int positiveInt(String name, int fallback, String required) {
      JsonNode v = root.get(name);
      if (v == null) {
        if (required != null) {
          problems.add("no '" + name + "' field (" + required + ")");
          return 0;
        }
        defaulted.add(name);
        return fallback;
      }
      if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0) {
        problems.add("'" + name + "' must be a positive integer, got " + v);
        return 0;
      }
      return v.intValue();
    }

    double positiveNumber(String name, double fallback) {
      double x = number(name, fallback);
      if (!(x > 0)) {
        problems.add("'" + name + "' must be a positive number, got " + root.get(name));
        return fallback;
      }
      return x;
    }

    double rate(String name, double fallback) {
      double x = number(name, fallback);
      if (!(x >= 0 && x < 1)) {
        problems.add("'" + name + "' must be in [0, 1), got " + root.get(name));
        return fallback;
      }
      return x;
    }

    private double number(String name, double fallback) {
      JsonNode v = root.get(name);
      if (v == null) {
        defaulted.add(name);
        return fallback;
      }
      if (!v.isNumber()) {
        problems.add("'" + name + "' must be a number, got " + v);
        return fallback;
      }
      return v.doubleValue();
    }
  }

  /**
   * Writes a Hugging Face BERT checkpoint directory that {@link #open} reads back: {@value
   * #CONFIG_FILE} (the configuration as {@code save_pretrained} writes it), {@value #WEIGHTS_FILE}
   * (float32, block parameter names without a prefix, as {@code BertModel} saves them) and {@value
   * #TOKENIZER_FILE}.
   *
   * @param dir the directory (created; must not exist or be empty)
   * @param config the architecture
   * @param weights the weights by block parameter name
   * @param tokenizerJson the bytes of {@code tokenizer.json}
   * @throws IOException when the directory is not empty or writing fails
   */
  public static void write(
      Path dir, BertConfig config, Map<String, WeightTensor> weights, byte[] tokenizerJson)
      throws IOException {
    if (Files.exists(dir)) {
      try (var s = Files.list(dir)) {
        if (s.findAny().isPresent()) {
          throw new IOException(dir + " exists and is not empty; give a new directory");
        }
      }
    }
    Files.createDirectories(dir);
    com.fasterxml.jackson.databind.node.ObjectNode c = new ObjectMapper().createObjectNode();
    c.putArray("architectures").add("BertModel");
    c.put("model_type", "bert");
    c.put("hidden_act", "gelu");
    c.put("position_embedding_type", "absolute");
    c.put("vocab_size", config.vocabSize());
    c.put("hidden_size", config.hiddenSize());
    c.put("num_hidden_layers", config.numLayers());
    c.put("num_attention_heads", config.numHeads());
    c.put("intermediate_size", config.intermediateSize());
    c.put("max_position_embeddings", config.maxPositions());
    c.put("type_vocab_size", config.typeVocabSize());
    c.put("layer_norm_eps", config.layerNormEps());
    c.put("hidden_dropout_prob", config.hiddenDropout());
    c.put("attention_probs_dropout_prob", config.attentionDropout());
    Files.writeString(
        dir.resolve(CONFIG_FILE),
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(c) + "\n");
    Files.write(dir.resolve(TOKENIZER_FILE), tokenizerJson);
    SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), weights, Map.of("format", "pt"));
  }
}
