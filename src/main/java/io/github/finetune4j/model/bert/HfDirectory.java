package io.github.finetune4j.model.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.model.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes a fine-tuned BERT text classifier as a Hugging Face model directory: {@value
 * #CONFIG_FILE}, {@value #WEIGHTS_FILE} (Hugging Face tensor names), {@value #TOKENIZER_FILE},
 * {@value #TOKENIZER_CONFIG_FILE}, {@value #SPECIAL_TOKENS_FILE}, {@value #VOCAB_FILE} (for a
 * WordPiece tokenizer), {@value #README_FILE} (the model card), and the sentence-transformers files
 * ({@value #ST_MODULES_FILE}, {@value #ST_CONFIG_FILE}, {@value #ST_POOLING_FILE}) with which
 * {@code SentenceTransformer(dir)} gives the pooled vectors that the classifier reads.
 *
 * <p><b>Tensor names.</b> The encoder's parameters keep the names of a Hugging Face {@code
 * BertModel} under the prefix {@code bert.} ({@code bert.embeddings.word_embeddings.weight}, {@code
 * bert.encoder.layer.0.output.LayerNorm.weight}, ...), as {@code BertFor*} checkpoints store them;
 * the head's {@code head.weight} [classes, hidden] and {@code head.bias} [classes] become {@value
 * #CLASSIFIER_WEIGHT} and {@value #CLASSIFIER_BIAS}. The safetensors metadata is {@code {"format":
 * "pt"}}, as PyTorch writers set it.
 *
 * <p><b>{@code architectures} is {@code ["BertModel"]}</b>, not {@code
 * BertForSequenceClassification}: Hugging Face's sequence classifier applies a pooler (a dense
 * layer and tanh on the {@code [CLS]} state) before its classifier, and this model has none; it
 * pools the last hidden states (masked mean, or the {@code [CLS]} state as it is) and applies
 * {@code classifier.weight}/{@code bias} to that. Loading the directory as a sequence classifier
 * would silently give a randomly initialized pooler. The pooling, the task and the decision
 * thresholds are recorded in the {@value #FINETUNE4J_KEY} object of {@value #CONFIG_FILE}; {@code
 * id2label}, {@code label2id} and {@code problem_type} say the rest the Hugging Face way.
 *
 * <p>Every file is written whole before the next; the directory must be new or empty.
 */
public final class HfDirectory {

  /** Hugging Face's configuration file. */
  public static final String CONFIG_FILE = "config.json";

  /** The weights file. */
  public static final String WEIGHTS_FILE = "model.safetensors";

  /** The fast tokenizer's file (copied unchanged). */
  public static final String TOKENIZER_FILE = "tokenizer.json";

  /** The tokenizer's settings for {@code AutoTokenizer}. */
  public static final String TOKENIZER_CONFIG_FILE = "tokenizer_config.json";

  /** The special tokens, for readers that look for them there. */
  public static final String SPECIAL_TOKENS_FILE = "special_tokens_map.json";

  /** The WordPiece vocabulary, one token per line in id order (slow tokenizers read it). */
  public static final String VOCAB_FILE = "vocab.txt";

  /** The model card. */
  public static final String README_FILE = "README.md";

  /** sentence-transformers: the modules, in order. */
  public static final String ST_MODULES_FILE = "modules.json";

  /** sentence-transformers: the transformer module's settings. */
  public static final String ST_CONFIG_FILE = "sentence_bert_config.json";

  /** sentence-transformers: the pooling module's settings. */
  public static final String ST_POOLING_FILE = "1_Pooling/config.json";

  /** The checkpoint name of the head's weight, {@code [classes, hidden]}. */
  public static final String CLASSIFIER_WEIGHT = "classifier.weight";

  /** The checkpoint name of the head's bias, {@code [classes]}. */
  public static final String CLASSIFIER_BIAS = "classifier.bias";

  /** The key of the toolkit's own object in {@value #CONFIG_FILE}. */
  public static final String FINETUNE4J_KEY = "finetune4j";

  /** The version of this directory layout, {@code finetune4j.format_version}. */
  public static final int FORMAT_VERSION = 1;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HEAD_WEIGHT = "head.weight";
  private static final String HEAD_BIAS = "head.bias";

  private final BertConfig config;
  private final Map<String, WeightTensor> parameters;
  private final List<String> labels;
  private final boolean normalize;
  private final String task;
  private final String pooling;
  private final int maxLength;
  private final double[] thresholds;
  private final byte[] tokenizerJson;
  private final String readme;
  private final Double dropout;

  private HfDirectory(Builder b) {
    this.config = b.config;
    this.parameters = b.parameters;
    this.labels = b.labels;
    this.normalize = b.normalize;
    this.task = b.task;
    this.pooling = b.pooling;
    this.maxLength = b.maxLength;
    this.thresholds = b.thresholds;
    this.tokenizerJson = b.tokenizerJson;
    this.readme = b.readme;
    this.dropout = b.dropout;
  }

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The checkpoint name of a parameter of the text classifier: {@code bert.} before the encoder's
   * names, {@value #CLASSIFIER_WEIGHT}/{@value #CLASSIFIER_BIAS} for the head's.
   *
   * @param blockName the parameter's name in the block, e.g. {@code
   *     encoder.layer.0.output.dense.bias}
   * @return the Hugging Face name, e.g. {@code bert.encoder.layer.0.output.dense.bias}
   * @throws IllegalArgumentException for a parameter that is neither the encoder's nor the head's
   */
  public static String hfName(String blockName) {
    if (HfBertNames.isEncoderName(blockName)) {
      return HfBertNames.MODEL_PREFIX + blockName;
    }
    if (blockName.equals(HEAD_WEIGHT)) {
      return CLASSIFIER_WEIGHT;
    }
    if (blockName.equals(HEAD_BIAS)) {
      return CLASSIFIER_BIAS;
    }
    throw new IllegalArgumentException(
        "parameter '"
            + blockName
            + "' is neither the encoder's (embeddings.*, encoder.*) nor the head's (head.weight,"
            + " head.bias); a Hugging Face BERT directory has no place for it");
  }

  /**
   * Writes the directory.
   *
   * @param dir the directory: created, or an existing empty one
   * @throws IOException when the directory is not empty or a file cannot be written
   */
  public void write(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (var s = Files.list(dir)) {
        if (s.findAny().isPresent()) {
          throw new IOException(dir + ": exists and is not empty; give a new directory");
        }
      }
    }
    Files.createDirectories(dir);
    JsonNode tokenizer = JSON.readTree(tokenizerJson);
    SpecialTokens special = SpecialTokens.of(tokenizer);
    writeJson(dir.resolve(CONFIG_FILE), config(special));
    SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), tensors(), Map.of("format", "pt"));
    Files.write(dir.resolve(TOKENIZER_FILE), tokenizerJson);
    writeJson(dir.resolve(TOKENIZER_CONFIG_FILE), tokenizerConfig(tokenizer, special));
    writeJson(dir.resolve(SPECIAL_TOKENS_FILE), special.toJson());
    String vocab = vocabulary(tokenizer);
    if (vocab != null) {
      Files.writeString(dir.resolve(VOCAB_FILE), vocab, StandardCharsets.UTF_8);
    }
    writeSentenceTransformers(dir);
    Files.writeString(dir.resolve(README_FILE), readme, StandardCharsets.UTF_8);
  }

  private ObjectNode config(SpecialTokens special) {
    ObjectNode c = JSON.createObjectNode();
    c.putArray("architectures").add("BertModel");
    c.put("model_type", "bert");
    c.put("vocab_size", config.vocabSize());
    c.put("hidden_size", config.hiddenSize());
    c.put("num_hidden_layers", config.numLayers());
    c.put("num_attention_heads", config.numHeads());
    c.put("intermediate_size", config.intermediateSize());
    c.put("hidden_act", "gelu");
    c.put("hidden_dropout_prob", config.hiddenDropout());
    c.put("attention_probs_dropout_prob", config.attentionDropout());
    c.put("max_position_embeddings", config.maxPositions());
    c.put("type_vocab_size", config.typeVocabSize());
    c.put(
        "initializer_range",
        Double.parseDouble(Float.toString(BertEncoderBlock.INITIALIZER_RANGE)));
    c.put("layer_norm_eps", config.layerNormEps());
    c.put("pad_token_id", special.padId());
    c.put("position_embedding_type", "absolute");
    if (dropout != null) {
      c.put("classifier_dropout", dropout);
    }
    c.put("torch_dtype", "float32");
    boolean embedding = "embedding".equals(task);
    if (!embedding) {
      c.put(
          "problem_type",
          "multilabel".equals(task) ? "multi_label_classification" : "single_label_classification");
      ObjectNode id2label = c.putObject("id2label");
      ObjectNode label2id = c.putObject("label2id");
      for (int i = 0; i < labels.size(); i++) {
        id2label.put(Integer.toString(i), labels.get(i));
        label2id.put(labels.get(i), i);
      }
    }
    ObjectNode own = c.putObject(FINETUNE4J_KEY);
    own.put("format_version", FORMAT_VERSION);
    own.put("task", task);
    own.put("pooling", pooling);
    own.put("max_length", maxLength);
    String pooled =
        switch (pooling) {
          case "cls" -> "[CLS] state (token 0)";
          case "max" -> "masked max";
          default -> "masked mean";
        };
    if (embedding) {
      own.put("normalize", normalize);
      own.put(
          "head",
          "none: the embedding is the "
              + pooled
              + " of last_hidden_state"
              + (normalize ? ", L2-normalized" : "")
              + " (modules.json); no pooler");
    } else {
      own.put(
          "head",
          CLASSIFIER_WEIGHT
              + " and "
              + CLASSIFIER_BIAS
              + " on the "
              + pooled
              + " of last_hidden_state; no pooler");
    }
    if (thresholds != null) {
      ArrayNode t = own.putArray("thresholds");
      for (double v : thresholds) {
        t.add(v);
      }
    }
    return c;
  }

  private Map<String, WeightTensor> tensors() {
    Map<String, WeightTensor> out = new LinkedHashMap<>();
    parameters.forEach((name, w) -> out.put(hfName(name), w));
    return out;
  }

  private ObjectNode tokenizerConfig(JsonNode tokenizer, SpecialTokens special) {
    ObjectNode t = JSON.createObjectNode();
    t.put("tokenizer_class", "BertTokenizer");
    t.put("do_lower_case", lowercases(tokenizer.path("normalizer")));
    t.put("model_max_length", maxLength);
    t.put("clean_up_tokenization_spaces", true);
    special.into(t);
    return t;
  }

  private ObjectNode stConfig() {
    ObjectNode c = JSON.createObjectNode();
    c.put("max_seq_length", maxLength);
    c.put("do_lower_case", false); // the tokenizer lowercases itself where it does
    return c;
  }

  private void writeSentenceTransformers(Path dir) throws IOException {
    ArrayNode modules = JSON.createArrayNode();
    modules
        .addObject()
        .put("idx", 0)
        .put("name", "0")
        .put("path", "")
        .put("type", "sentence_transformers.models.Transformer");
    modules
        .addObject()
        .put("idx", 1)
        .put("name", "1")
        .put("path", "1_Pooling")
        .put("type", "sentence_transformers.models.Pooling");
    if ("embedding".equals(task) && normalize) {
      modules
          .addObject()
          .put("idx", 2)
          .put("name", "2")
          .put("path", "2_Normalize")
          .put("type", "sentence_transformers.models.Normalize"); // no files: it has no settings
    }
    writeJson(dir.resolve(ST_MODULES_FILE), modules);
    writeJson(dir.resolve(ST_CONFIG_FILE), stConfig());
    ObjectNode p = JSON.createObjectNode();
    p.put("word_embedding_dimension", config.hiddenSize());
    p.put("pooling_mode_cls_token", "cls".equals(pooling));
    p.put("pooling_mode_mean_tokens", "mean".equals(pooling));
    p.put("pooling_mode_max_tokens", "max".equals(pooling));
    p.put("pooling_mode_mean_sqrt_len_tokens", false);
    p.put("pooling_mode_weightedmean_tokens", false);
    p.put("pooling_mode_lasttoken", false);
    p.put("include_prompt", true);
    Path file = dir.resolve(ST_POOLING_FILE);
    Files.createDirectories(file.getParent());
    writeJson(file, p);
  }

  /** Whether a tokenizer.json normalizer lowercases: a BertNormalizer's flag, or a Lowercase. */
  static boolean lowercases(JsonNode normalizer) {
    String type = normalizer.path("type").asText("");
    return switch (type) {
      case "BertNormalizer" -> normalizer.path("lowercase").asBoolean(true);
      case "Lowercase" -> true;
      case "Sequence" -> {
        for (JsonNode n : normalizer.path("normalizers")) {
          if (lowercases(n)) {
            yield true;
          }
        }
        yield false;
      }
      default -> false;
    };
  }

  /** The WordPiece vocabulary in id order, or null when the ids are not exactly 0..n-1. */
  private static String vocabulary(JsonNode tokenizer) {
    JsonNode model = tokenizer.path("model");
    if (!"WordPiece".equals(model.path("type").asText()) || !model.path("vocab").isObject()) {
      return null;
    }
    TreeMap<Integer, String> byId = new TreeMap<>();
    model
        .path("vocab")
        .fields()
        .forEachRemaining(e -> byId.put(e.getValue().asInt(-1), e.getKey()));
    if (byId.isEmpty()
        || byId.firstKey() != 0
        || byId.lastKey() != byId.size() - 1
        || byId.size() != model.path("vocab").size()) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    byId.values().forEach(t -> sb.append(t).append('\n'));
    return sb.toString();
  }

  private static void writeJson(Path file, JsonNode node) throws IOException {
    Files.writeString(
        file,
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n",
        StandardCharsets.UTF_8);
  }

  /**
   * The special tokens of a tokenizer.json: {@code [CLS]} and {@code [SEP]} from its
   * post-processor, the padding token from its padding settings or added tokens, the unknown token
   * from its model; BERT's names where the file does not say.
   */
  private record SpecialTokens(
      String cls, String sep, String pad, String unk, String mask, int padId) {

    static SpecialTokens of(JsonNode t) {
      String cls = "[CLS]";
      String sep = "[SEP]";
      JsonNode post = t.path("post_processor");
      String postType = post.path("type").asText("");
      if (postType.equals("BertProcessing") || postType.equals("RobertaProcessing")) {
        cls = post.path("cls").path(0).asText(cls);
        sep = post.path("sep").path(0).asText(sep);
      } else if (postType.equals("TemplateProcessing")) {
        List<String> specials = new ArrayList<>();
        for (JsonNode piece : post.path("single")) {
          if (piece.has("SpecialToken")) {
            specials.add(piece.path("SpecialToken").path("id").asText());
          }
        }
        if (!specials.isEmpty()) {
          cls = specials.get(0);
          sep = specials.get(specials.size() - 1);
        }
      }
      Map<String, Integer> added = new LinkedHashMap<>();
      for (JsonNode a : t.path("added_tokens")) {
        added.put(a.path("content").asText(), a.path("id").asInt(-1));
      }
      JsonNode padding = t.path("padding");
      String pad = padding.path("pad_token").asText("[PAD]");
      int padId =
          padding.path("pad_id").isInt()
              ? padding.path("pad_id").asInt()
              : added.getOrDefault(pad, t.path("model").path("vocab").path(pad).asInt(0));
      String unk = t.path("model").path("unk_token").asText("[UNK]");
      String mask = "[MASK]";
      for (String content : added.keySet()) {
        if (content.toUpperCase(Locale.ROOT).contains("MASK")) {
          mask = content;
          break;
        }
      }
      return new SpecialTokens(cls, sep, pad, unk, mask, padId);
    }

    void into(ObjectNode o) {
      o.put("cls_token", cls);
      o.put("sep_token", sep);
      o.put("pad_token", pad);
      o.put("unk_token", unk);
      o.put("mask_token", mask);
    }

    ObjectNode toJson() {
      ObjectNode o = JSON.createObjectNode();
      into(o);
      return o;
    }
  }

  /** Builder: {@code setX} for required fields, {@code optX} for optional ones. */
  public static final class Builder {
    private BertConfig config;
    private Map<String, WeightTensor> parameters;
    private List<String> labels;
    private boolean normalize = true;
    private String task;
    private String pooling;
    private int maxLength;
    private double[] thresholds;
    private byte[] tokenizerJson;
    private String readme;
    private Double dropout;

    private Builder() {}

    /**
     * Sets the encoder's architecture (required).
     *
     * @param config the configuration
     * @return this builder
     */
    public Builder setConfig(BertConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * Sets the classifier's parameters under the block's names (required): every parameter of the
     * encoder ({@code embeddings.*}, {@code encoder.*}) and {@code head.weight}, {@code head.bias}.
     *
     * @param parameters values by block name, in the order to write
     * @return this builder
     */
    public Builder setParameters(Map<String, WeightTensor> parameters) {
      this.parameters = new LinkedHashMap<>(Objects.requireNonNull(parameters, "parameters"));
      return this;
    }

    /**
     * Sets whether an embedding model's vectors are L2-normalized (a sentence-transformers {@code
     * Normalize} module after the pooling); true by default, ignored for a classifier.
     *
     * @param normalize the choice
     * @return this builder
     */
    public Builder optNormalize(boolean normalize) {
      this.normalize = normalize;
      return this;
    }

    /**
     * Sets the labels in the order of the head's outputs (required; empty for an embedding model).
     *
     * @param labels the class names, or a multi-label model's labels
     * @return this builder
     */
    public Builder setLabels(List<String> labels) {
      this.labels = List.copyOf(Objects.requireNonNull(labels, "labels"));
      return this;
    }

    /**
     * Sets the task (required): {@code classification} (softmax) or {@code multilabel} (a sigmoid
     * per label).
     *
     * @param task the task
     * @return this builder
     */
    public Builder setTask(String task) {
      this.task = Objects.requireNonNull(task, "task");
      return this;
    }

    /**
     * Sets the pooling (required): {@code mean} (masked mean of the last hidden states) or {@code
     * cls} (the state of token 0, as it is).
     *
     * @param pooling the pooling
     * @return this builder
     */
    public Builder setPooling(String pooling) {
      this.pooling = Objects.requireNonNull(pooling, "pooling");
      return this;
    }

    /**
     * Sets the most tokens per text, special tokens included (required).
     *
     * @param maxLength the length the model was trained with
     * @return this builder
     */
    public Builder setMaxLength(int maxLength) {
      this.maxLength = maxLength;
      return this;
    }

    /**
     * Sets a multi-label model's decision threshold per label.
     *
     * @param thresholds one per label, or null
     * @return this builder
     */
    public Builder optThresholds(double[] thresholds) {
      this.thresholds = thresholds == null ? null : thresholds.clone();
      return this;
    }

    /**
     * Sets the dropout before the head in training ({@code classifier_dropout}).
     *
     * @param dropout the rate
     * @return this builder
     */
    public Builder optDropout(double dropout) {
      this.dropout = dropout;
      return this;
    }

    /**
     * Sets the contents of {@code tokenizer.json} (required; copied unchanged).
     *
     * @param tokenizerJson the bytes
     * @return this builder
     */
    public Builder setTokenizerJson(byte[] tokenizerJson) {
      this.tokenizerJson = Objects.requireNonNull(tokenizerJson, "tokenizerJson").clone();
      return this;
    }

    /**
     * Sets the text of the model card, {@value #README_FILE} (required).
     *
     * @param readme the Markdown text with its YAML front matter
     * @return this builder
     */
    public Builder setReadme(String readme) {
      this.readme = Objects.requireNonNull(readme, "readme");
      return this;
    }

    /**
     * Checks the values and builds the writer.
     *
     * @return the writer
     * @throws IllegalStateException naming every required value not set
     * @throws IllegalArgumentException when the values do not fit together: a parameter with no
     *     Hugging Face name, a head with another number of outputs than labels, a task or pooling
     *     that is not known, thresholds not one per label
     */
    public HfDirectory build() {
      List<String> unset = new ArrayList<>();
      if (config == null) {
        unset.add("config");
      }
      if (parameters == null) {
        unset.add("parameters");
      }
      if (labels == null) {
        unset.add("labels");
      }
      if (task == null) {
        unset.add("task");
      }
      if (pooling == null) {
        unset.add("pooling");
      }
      if (maxLength <= 0) {
        unset.add("maxLength");
      }
      if (tokenizerJson == null) {
        unset.add("tokenizerJson");
      }
      if (readme == null) {
        unset.add("readme");
      }
      if (!unset.isEmpty()) {
        throw new IllegalStateException("HfDirectory: not set: " + String.join(", ", unset));
      }
      List<String> problems = new ArrayList<>();
      boolean embedding = "embedding".equals(task);
      if (!List.of("classification", "multilabel", "embedding").contains(task)) {
        problems.add("task '" + task + "' is not classification, multilabel or embedding");
      }
      if (!List.of("mean", "cls", "max").contains(pooling)) {
        problems.add("pooling '" + pooling + "' is not mean, cls or max");
      }
      int least = "multilabel".equals(task) ? 1 : 2; // a one-label model: a cross-encoder's score
      if (embedding && !labels.isEmpty()) {
        problems.add("an embedding model has no labels, got " + labels);
      } else if (!embedding
          && (new HashSet<>(labels).size() != labels.size() || labels.size() < least)) {
        problems.add("labels " + labels + " must be at least " + least + " different names");
      }
      if (thresholds != null && thresholds.length != labels.size()) {
        problems.add(
            thresholds.length + " thresholds for " + labels.size() + " labels; give one per label");
      }
      Set<String> hf = new HashSet<>();
      for (String name : parameters.keySet()) {
        try {
          hf.add(hfName(name));
        } catch (IllegalArgumentException e) {
          problems.add(e.getMessage());
        }
      }
      if (embedding) {
        if (parameters.containsKey(HEAD_WEIGHT) || parameters.containsKey(HEAD_BIAS)) {
          problems.add("an embedding model has no head, but head parameters were given");
        }
      } else {
        requireHead(HEAD_WEIGHT, new long[] {labels.size(), config.hiddenSize()}, problems);
        requireHead(HEAD_BIAS, new long[] {labels.size()}, problems);
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(
            "Cannot write a Hugging Face directory: " + String.join("; ", problems));
      }
      return new HfDirectory(this);
    }

    private void requireHead(String name, long[] shape, List<String> problems) {
      WeightTensor w = parameters.get(name);
      if (w == null) {
        problems.add("no parameter " + name);
      } else if (!Arrays.equals(w.shape(), shape)) {
        problems.add(
            name
                + " has shape "
                + Arrays.toString(w.shape())
                + ", expected "
                + Arrays.toString(shape)
                + " (one output per label)");
      }
    }
  }
}
