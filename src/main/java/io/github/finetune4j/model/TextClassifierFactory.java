package io.github.finetune4j.model;

import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.text.TextTokenizer;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lets plain DJL load a text classifier exported by Finetune4J: the export's {@code
 * serving.properties} names this class as its {@code blockFactory} (the block is rebuilt from
 * {@value #METADATA}, then DJL loads the parameters) and as its {@code translatorFactory} (texts
 * in, {@link Classifications} out, tokenized with the export's {@code tokenizer.json}). So
 *
 * <pre>{@code
 * Criteria.builder().setTypes(String.class, Classifications.class)
 *     .optModelPath(Path.of("runs/quickstart/model")).build().loadModel()
 * }</pre>
 *
 * with {@code .optTranslatorFactory(new TextClassifierFactory())} gives the same probabilities as
 * {@code finetune predict}, and {@code Criteria<Input, Output>} given only the path finds this
 * factory through {@code serving.properties} (DJL Serving's convention) and answers JSON.
 */
public final class TextClassifierFactory implements BlockFactory, TranslatorFactory {

  private static final long serialVersionUID = 1L;

  /** The metadata file of an export. */
  public static final String METADATA = "finetune4j-model.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Creates the factory (DJL instantiates it by name). */
  public TextClassifierFactory() {}

  @Override
  public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) throws IOException {
    JsonNode m = metadata(modelPath);
    BertConfig bert = JSON.treeToValue(m.get("bert"), BertConfig.class);
    return new TextClassifierBlock(
        bert, classes(m).size(), m.get("pooling").asText(), m.get("dropout").asDouble());
  }

  @Override
  public Set<Pair<Type, Type>> getSupportedTypes() {
    return Set.of(
        new Pair<>(String.class, Classifications.class),
        new Pair<>(String.class, float[].class),
        new Pair<>(Input.class, Output.class));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <I, O> Translator<I, O> newInstance(
      Class<I> input, Class<O> output, Model model, Map<String, ?> arguments)
      throws TranslateException {
    if (!isSupported(input, output)) {
      throw new IllegalArgumentException(
          "a Finetune4J text classifier maps String to"
              + " Classifications, not "
              + input.getSimpleName()
              + " to "
              + output.getSimpleName());
    }
    boolean embedding;
    try {
      embedding = "embedding".equals(metadata(model.getModelPath()).path("task").asText());
    } catch (IOException e) {
      throw new TranslateException(e);
    }
    if (output == float[].class && !embedding) {
      throw new IllegalArgumentException(
          "a Finetune4J text classifier maps String to Classifications; float[] (sentence"
              + " embeddings) is what an embedding model (task embedding) gives");
    }
    if (output == Classifications.class && embedding) {
      throw new IllegalArgumentException(
          "a Finetune4J embedding model maps String to float[] (its sentence embedding), not to"
              + " Classifications");
    }
    if (input == Input.class) {
      return (Translator<I, O>) new ServingTextTranslator(embedding);
    }
    return embedding
        ? (Translator<I, O>) new EmbeddingTranslator()
        : (Translator<I, O>) new TextTranslator();
  }

  private static JsonNode metadata(Path modelPath) throws IOException {
    Path file = modelPath.resolve(METADATA);
    if (!Files.isRegularFile(file)) {
      throw new IOException(modelPath + ": no " + METADATA + " (not a Finetune4J export)");
    }
    return JSON.readTree(file.toFile());
  }

  private static List<String> classes(JsonNode m) {
    List<String> out = new ArrayList<>();
    m.get("classes").forEach(c -> out.add(c.asText()));
    return out;
  }

  /** One text at a time: token ids and mask in, softmax over the classes out. */
  private static final class TextTranslator
      implements NoBatchifyTranslator<String, Classifications> {
    private TextTokenizer tokenizer;
    private List<String> classes;

    @Override
    public void prepare(TranslatorContext ctx) throws IOException {
      Path dir = ctx.getModel().getModelPath();
      JsonNode m = metadata(dir);
      classes = classes(m);
      tokenizer = TextTokenizer.fromDirectory(dir, m.get("max_length").asInt());
    }

    @Override
    public NDList processInput(TranslatorContext ctx, String text) {
      NDManager manager = ctx.getNDManager();
      long[] ids = tokenizer.ids(text);
      NDArray in = manager.create(ids, new Shape(1, ids.length));
      NDArray mask = manager.ones(new Shape(1, ids.length), DataType.INT64);
      return new NDList(in, mask);
    }

    @Override
    public Classifications processOutput(TranslatorContext ctx, NDList list) {
      NDArray p = list.singletonOrThrow().softmax(-1).reshape(-1);
      return new Classifications(classes, p);
    }
  }

  /**
   * An embedding model's text to its sentence embedding: the block's pooled vector, L2-normalized
   * when the metadata's {@code normalize} says so (as {@code finetune embed} gives it).
   */
  private static final class EmbeddingTranslator implements NoBatchifyTranslator<String, float[]> {
    private final TextTranslator text = new TextTranslator();
    private boolean normalize;

    @Override
    public void prepare(TranslatorContext ctx) throws IOException {
      text.prepare(ctx);
      normalize = metadata(ctx.getModel().getModelPath()).path("normalize").asBoolean(true);
    }

    @Override
    public NDList processInput(TranslatorContext ctx, String input) {
      return text.processInput(ctx, input);
    }

    @Override
    public float[] processOutput(TranslatorContext ctx, NDList list) {
      float[] v = list.singletonOrThrow().reshape(-1).toFloatArray();
      if (normalize) {
        double sq = 0;
        for (float x : v) {
          sq += (double) x * x;
        }
        double n = Math.max(Math.sqrt(sq), 1e-12);
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (v[i] / n);
        }
      }
      return v;
    }
  }

  /**
   * DJL Serving's types: the text is the input's data (UTF-8), the output carries the
   * classifications (or an embedding model's vector) as JSON. This is the translator plain {@code
   * Criteria<Input, Output>} finds through the export's {@code serving.properties}.
   */
  private static final class ServingTextTranslator implements NoBatchifyTranslator<Input, Output> {
    private final TextTranslator text = new TextTranslator();
    private final EmbeddingTranslator embedding;

    ServingTextTranslator(boolean embedding) {
      this.embedding = embedding ? new EmbeddingTranslator() : null;
    }

    @Override
    public void prepare(TranslatorContext ctx) throws IOException {
      if (embedding != null) {
        embedding.prepare(ctx);
      } else {
        text.prepare(ctx);
      }
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Input input) {
      String t = input.getData().getAsString();
      return embedding != null ? embedding.processInput(ctx, t) : text.processInput(ctx, t);
    }

    @Override
    public Output processOutput(TranslatorContext ctx, NDList list) {
      Output out = new Output();
      if (embedding != null) {
        out.add(ai.djl.util.JsonUtils.GSON.toJson(embedding.processOutput(ctx, list)));
      } else {
        out.add(text.processOutput(ctx, list));
      }
      return out;
    }
  }
}
