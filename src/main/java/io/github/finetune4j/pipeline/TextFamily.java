package io.github.finetune4j.pipeline;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.data.DataException;
import io.github.finetune4j.data.TextData;
import io.github.finetune4j.data.TextExample;
import io.github.finetune4j.data.TextJsonlSource;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.bert.BertWeights;
import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.recipe.LabelShape;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.SourceSpec;
import io.github.finetune4j.recipe.TextJsonlSplit;
import io.github.finetune4j.train.TextBatches;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The family of text encoders ({@link TextEncoderSource}: bundled MiniLM, bert-onnx by path,
 * safetensors) on {@code text-jsonl} splits: reads the splits, builds the BERT-family classifier,
 * loads the pre-trained weights once the run directory is locked, and exports the encoder with its
 * tokenizer.
 */
final class TextFamily implements ModelFamily<TextFamily.Splits> {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final TextEncoderSource source;

  TextFamily(TextEncoderSource source) {
    this.source = source;
  }

  /**
   * The examples of the three splits (empty lists for absent ones).
   *
   * @param train the training split
   * @param valid the validation split
   * @param test the test split
   */
  record Splits(
      List<TextExample> train,
      List<TextExample> valid,
      List<TextExample> test,
      EmbeddingData embedding) {

    Splits(List<TextExample> train, List<TextExample> valid, List<TextExample> test) {
      this(train, valid, test, null);
    }
  }

  @Override
  public Splits read(Recipe recipe, PrintStream out) throws BadInputException {
    if (TaskKind.of(recipe.task()).labels() == LabelShape.PAIRS) {
      return new Splits(List.of(), List.of(), List.of(), EmbeddingData.read(recipe, out));
    }
    List<String> classes = recipe.head().classes();
    boolean sets = TaskKind.of(recipe.task()).labels() == LabelShape.LABEL_SET;
    List<TextExample> train = readSplit("data.train", recipe.data().train(), classes, sets, out);
    List<TextExample> valid = readSplit("data.valid", recipe.data().valid(), classes, sets, out);
    List<TextExample> test = readSplit("data.test", recipe.data().test(), classes, sets, out);
    if (!sets) {
      requireTwoClasses(recipe.data().train(), train, classes);
    }
    return new Splits(train, valid, test);
  }

  @Override
  public Block architecture(Recipe recipe, NDManager manager) throws BadInputException {
    checkHead(recipe);
    TextClassifierBlock block = newBlock(recipe, source.config());
    block.initialize(manager, DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
    return block;
  }

  @Override
  public Parts build(Recipe recipe, Splits data, Model model, PrintStream out, boolean resume)
      throws BadInputException, IOException {
    BertConfig config = source.config();
    boolean keepHead = checkHead(recipe);
    if (source instanceof SafetensorsBertSource s) {
      String note = s.headNote(recipe.head());
      if (note != null) {
        out.println(note);
      }
    }
    TextTokenizer tokenizer = source.tokenizer(recipe.data().maxLength());
    try {
      TextClassifierBlock block = newBlock(recipe, config);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
      model.setBlock(block);
      EmbeddingData pairs = data.embedding();
      out.printf(
          Locale.ROOT,
          "Tokenizing %d/%d/%d %s (max length %d)%n",
          pairs == null ? data.train().size() : EmbeddingData.size(pairs.train()),
          pairs == null ? data.valid().size() : EmbeddingData.size(pairs.valid()),
          pairs == null ? data.test().size() : EmbeddingData.size(pairs.test()),
          pairs == null ? "examples" : "examples (pairs; queries + documents)",
          recipe.data().maxLength());
      String init = ModelSources.init(recipe.model());
      TaskKind kind = TaskKind.of(recipe.task());
      List<String> classes = recipe.head().classes() == null ? List.of() : recipe.head().classes();
      return new Parts(
          pairs == null
              ? kind.task(classes)
              : ((EmbeddingKind) kind).task(pairs.scoredEvaluation()),
          pairs == null
              ? batches(tokenizer, data.train())
              : EmbeddingData.batches(tokenizer, pairs.train()),
          pairs == null
              ? data.valid().isEmpty() ? null : batches(tokenizer, data.valid())
              : EmbeddingData.batches(tokenizer, pairs.valid()),
          pairs == null
              ? data.test().isEmpty() ? null : batches(tokenizer, data.test())
              : EmbeddingData.batches(tokenizer, pairs.test()),
          (b, o) -> {
            o.printf(Locale.ROOT, "Loading %s (%s weights)%n", source.describe(), init);
            if ("pretrained".equals(init)) {
              Map<String, WeightTensor> weights = new LinkedHashMap<>(source.weights());
              if (keepHead) {
                weights.putAll(((SafetensorsBertSource) source).keptHead());
              }
              BertWeights.load(b, weights);
            }
          },
          (modelDir, m, trained) -> {
            ObjectNode cfg = JSON.createObjectNode();
            ExportFormat.stamp(cfg, "text", kind.name());
            kind.describe(cfg, trained);
            cfg.set("bert", JSON.valueToTree(block.config()));
            ArrayNode cls = cfg.putArray("classes");
            classes.forEach(cls::add);
            cfg.put("pooling", recipe.head().pooling());
            cfg.put("dropout", recipe.head().dropout());
            cfg.put("max_length", recipe.data().maxLength());
            cfg.put(
                "text_field",
                recipe.data().train() instanceof TextJsonlSplit t ? t.text() : "text");
            if (recipe.data().train() instanceof TextJsonlSplit t && t.textPair() != null) {
              cfg.put("text_pair", t.textPair());
            }
            Exporter.write(modelDir, m, tokenizer, cfg);
          },
          null,
          List.of(),
          null,
          tokenizer);
    } catch (BadInputException | RuntimeException e) {
      tokenizer.close();
      throw e;
    }
  }

  /**
   * {@code head.replace: none} keeps a checkpoint's own classifier, which only a safetensors
   * checkpoint can have: checked against the recipe's classes (see {@link SafetensorsBertSource}).
   *
   * @return whether the head is the checkpoint's
   */
  private boolean checkHead(Recipe recipe) throws BadInputException {
    if (recipe.head() == null || !"none".equals(recipe.head().replace())) {
      return false;
    }
    if (!(source instanceof SafetensorsBertSource s)) {
      throw new BadInputException(
          List.of(
              "head.replace: 'none' keeps the model's own output, but a "
                  + recipe.model().kind()
                  + " text encoder has none (it outputs token states); use classifier"));
    }
    s.checkHead(recipe.head());
    return true;
  }

  static List<TextExample> readSplit(
      String path, SourceSpec spec, List<String> classes, boolean sets, PrintStream out)
      throws BadInputException {
    if (spec == null) {
      return List.of();
    }
    if (!(spec instanceof TextJsonlSplit jsonl)) {
      throw new BadInputException(
          List.of(path + ".type '" + spec.kind() + "' is not wired into the pipeline yet"));
    }
    try {
      TextData data =
          new TextJsonlSource(
                  Path.of(spec.path()), jsonl.text(), jsonl.label(), spec.limit(), jsonl.textPair())
              .readData(classes, sets);
      if (data.emptyTextsSkipped() > 0) {
        out.printf(
            Locale.ROOT,
            "Note: %s: skipped %d example%s with an empty text (%s)%n",
            path,
            data.emptyTextsSkipped(),
            data.emptyTextsSkipped() == 1 ? "" : "s",
            spec.path());
      }
      if (data.invalidUtf8Lines() > 0) {
        out.printf(
            Locale.ROOT,
            "Warning: %s: %d line%s of %s %s not valid UTF-8 (first: line %d);"
                + " the invalid bytes were replaced by U+FFFD%n",
            path,
            data.invalidUtf8Lines(),
            data.invalidUtf8Lines() == 1 ? "" : "s",
            spec.path(),
            data.invalidUtf8Lines() == 1 ? "is" : "are",
            data.firstInvalidUtf8Line());
      }
      return data.examples();
    } catch (DataException e) {
      throw new BadInputException(List.of(path + ": " + e.getMessage()));
    }
  }

  /** A classifier needs at least two classes among its training labels. */
  static void requireTwoClasses(SourceSpec spec, List<TextExample> train, List<String> classes)
      throws BadInputException {
    if (train.isEmpty()) {
      return;
    }
    Set<Integer> seen = new TreeSet<>();
    train.forEach(e -> seen.add(e.label()));
    if (seen.size() < 2) {
      throw new BadInputException(
          List.of(
              "data.train: "
                  + spec.path()
                  + ": all "
                  + train.size()
                  + " examples read have the label '"
                  + classes.get(seen.iterator().next())
                  + "'; a classifier needs at least two classes in its training data"));
    }
  }

  static TextClassifierBlock newBlock(Recipe recipe, BertConfig config) throws BadInputException {
    if (recipe.data().maxLength() > config.maxPositions()) {
      throw new BadInputException(
          List.of(
              "data.max_length: "
                  + recipe.data().maxLength()
                  + " is more than the "
                  + config.maxPositions()
                  + " positions the model has"));
    }
    // an embedding model (no classes) has no head: its pooled vectors are the outputs
    int classes = recipe.head().classes() == null ? 0 : recipe.head().classes().size();
    return new TextClassifierBlock(
        config, classes, recipe.head().pooling(), recipe.head().dropout());
  }

  /**
   * Tokenizes the examples; pairs of texts ({@code text_pair}) as one input each with their segment
   * ids ({@link TextTokenizer#pair}).
   */
  static TextBatches batches(TextTokenizer tokenizer, List<TextExample> examples) {
    long[][] ids = new long[examples.size()][];
    long[][] types = new long[examples.size()][];
    boolean pairs = !examples.isEmpty() && examples.get(0).pair() != null;
    int[] labels = new int[examples.size()];
    float[][] sets = new float[examples.size()][];
    for (int i = 0; i < ids.length; i++) {
      TextExample e = examples.get(i);
      if (pairs) {
        TextTokenizer.Tokens t = tokenizer.pair(e.text(), e.pair());
        ids[i] = t.ids();
        types[i] = t.typeIds();
      } else {
        ids[i] = tokenizer.ids(e.text());
      }
      labels[i] = e.label();
      sets[i] = e.labels();
    }
    TextBatches out =
        ids.length > 0 && sets[0] != null
            ? new TextBatches(ids, sets)
            : new TextBatches(ids, labels);
    return pairs ? out.withTokenTypes(types) : out;
  }
}
