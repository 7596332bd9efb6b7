package io.github.finetune4j.model;

import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.JsonUtils;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.data.DataException;
import io.github.finetune4j.data.ImageTransform;
import io.github.finetune4j.data.Standardizer;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Lets plain DJL load a model of feature vectors exported by Finetune4J (a TorchScript or DJL
 * module fine-tuned on tabular data): its {@code serving.properties} names this class as {@code
 * blockFactory} (the module and its head are rebuilt from {@value #METADATA}, then DJL loads {@code
 * model-0000.params}) and as {@code translatorFactory}. A row goes in as the raw feature values in
 * the export's feature order ({@code float[]}); the export's standardizer is applied. Out comes
 * {@link Classifications} for a classification, or the predicted values ({@code float[]}, in the
 * targets' own units) for a regression. {@code Criteria<Input, Output>} given only the path takes a
 * JSON object of feature values and answers JSON.
 */
public final class FeatureModelFactory implements BlockFactory, TranslatorFactory {

  private static final long serialVersionUID = 1L;

  /** The metadata file of an export. */
  public static final String METADATA = "finetune4j-model.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Creates the factory (DJL instantiates it by name). */
  public FeatureModelFactory() {}

  @Override
  public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) throws IOException {
    JsonNode m = metadata(modelPath);
    JsonNode module = m.get("module");
    long[] example = longs(module.get("example_shape"));
    String method = module.hasNonNull("method") ? module.get("method").asText() : null;
    int features = module.get("outputs").asInt();
    int outputs = outputNames(m).size();
    boolean head = "classifier".equals(m.get("head").asText());
    JsonNode mapping = m.get("target_mapping");
    Block inner;
    if ("djl-block".equals(module.path("type").asText())) {
      Map<String, String> args = new TreeMap<>();
      module
          .path("arguments")
          .fields()
          .forEachRemaining(e -> args.put(e.getKey(), e.getValue().asText()));
      inner =
          DjlModules.build(
              module.path("block_factory").asText(),
              model,
              modelPath,
              args,
              module.hasNonNull("features_block") ? module.get("features_block").asText() : null);
    } else {
      inner = new PtSymbolBlock((PtNDManager) model.getNDManager());
    }
    return new FeatureModelBlock(
        inner,
        example,
        method,
        features,
        head ? outputs : 0,
        m.get("dropout").asDouble(),
        mapping == null || mapping.isNull() ? null : floats(mapping.get("scale")),
        mapping == null || mapping.isNull() ? null : floats(mapping.get("shift")));
  }

  @Override
  public Set<Pair<Type, Type>> getSupportedTypes() {
    return Set.of(
        new Pair<>(float[].class, Classifications.class),
        new Pair<>(Path.class, Classifications.class),
        new Pair<>(float[].class, float[].class),
        new Pair<>(Input.class, Output.class));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <I, O> Translator<I, O> newInstance(
      Class<I> input, Class<O> output, Model model, Map<String, ?> arguments) {
    if (!isSupported(input, output)) {
      throw new IllegalArgumentException(
          "a Finetune4J model of feature vectors maps float[] to Classifications or float[], or"
              + " Input to Output, not "
              + input.getSimpleName()
              + " to "
              + output.getSimpleName());
    }
    if (input == Input.class) {
      return (Translator<I, O>) new ServingRows();
    }
    if (input == Path.class) {
      return (Translator<I, O>) new ImageFiles();
    }
    return (Translator<I, O>) new Rows(output == Classifications.class);
  }

  private static JsonNode metadata(Path dir) throws IOException {
    Path file = dir.resolve(METADATA);
    if (!Files.isRegularFile(file)) {
      throw new IOException(dir + ": no " + METADATA + " (not a Finetune4J export)");
    }
    JsonNode m = JSON.readTree(file.toFile());
    if (!"features".equals(m.path("kind").asText())) {
      throw new IOException(
          dir + ": " + METADATA + " does not describe a model of feature vectors");
    }
    return m;
  }

  private static List<String> outputNames(JsonNode m) {
    List<String> out = new ArrayList<>();
    JsonNode names = m.has("classes") ? m.get("classes") : m.get("targets");
    names.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static long[] longs(JsonNode a) {
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asLong();
    }
    return out;
  }

  private static float[] floats(JsonNode a) {
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) a.get(i).asDouble();
    }
    return out;
  }

  /** One row at a time: raw features in, standardized, through the block. */
  private static final class Rows implements NoBatchifyTranslator<float[], Object> {
    private final boolean classify;
    private List<String> names;
    private List<String> features;
    private double[] mean;
    private double[] std;
    private long[] example;
    private ImageTransform image;

    Rows(boolean classify) {
      this.classify = classify;
    }

    @Override
    public void prepare(TranslatorContext ctx) throws IOException {
      JsonNode m = metadata(ctx.getModel().getModelPath());
      names = outputNames(m);
      example = longs(m.get("module").get("example_shape"));
      if (m.has("image")) { // a model of images: the row is the transformed pixels
        image = ImageTransform.fromJson(m.get("image"));
        features = new ArrayList<>();
        long n = 1;
        for (long d : example) {
          n *= d;
        }
        for (long i = 0; i < n; i++) {
          features.add("p" + i);
        }
        return;
      }
      Standardizer s; // or the identity ("type": "none"): the features are fed as they are
      try {
        s = Standardizer.fromJson(m.get("standardizer"));
      } catch (IllegalArgumentException e) {
        throw new IOException(METADATA + ": " + e.getMessage(), e);
      }
      features = new ArrayList<>(s.featureNames());
      mean = s.means();
      std = s.stds();
    }

    @Override
    public NDList processInput(TranslatorContext ctx, float[] row) {
      if (row.length != features.size()) {
        throw new IllegalArgumentException(
            "expected " + features.size() + " feature values " + features + ", got " + row.length);
      }
      float[] x = new float[row.length];
      for (int i = 0; i < x.length; i++) {
        x[i] = image != null ? row[i] : (float) ((row[i] - mean[i]) / std[i]);
      }
      long[] shape = new long[example.length + 1];
      shape[0] = 1;
      System.arraycopy(example, 0, shape, 1, example.length);
      return new NDList(ctx.getNDManager().create(x, new Shape(shape)));
    }

    @Override
    public Object processOutput(TranslatorContext ctx, NDList list) {
      NDArray out = list.singletonOrThrow().reshape(-1);
      return classify ? new Classifications(names, out.softmax(0)) : out.toFloatArray();
    }

    List<String> features() {
      return features;
    }

    /** An image file, read with the export's transform, as a row. */
    float[] read(Path file) throws IOException {
      if (image == null) {
        throw new IllegalArgumentException("this model reads rows of features, not images");
      }
      try {
        return image.read(file, (int) example[1], (int) example[2]);
      } catch (DataException e) {
        throw new IOException(e.getMessage(), e);
      }
    }

    List<String> names() {
      return names;
    }
  }

  /** An image file in (read with the export's transform), Classifications out. */
  private static final class ImageFiles implements NoBatchifyTranslator<Path, Classifications> {
    private final Rows rows = new Rows(true);

    @Override
    public void prepare(TranslatorContext ctx) throws IOException {
      rows.prepare(ctx);
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Path file) throws IOException {
      return rows.processInput(ctx, rows.read(file));
    }

    @Override
    public Classifications processOutput(TranslatorContext ctx, NDList list) {
      return (Classifications) rows.processOutput(ctx, list);
    }
  }

  /** DJL Serving's types: a JSON object of feature values in, JSON out. */
  private static final class ServingRows implements NoBatchifyTranslator<Input, Output> {
    private Rows rows;

    @Override
    public void prepare(TranslatorContext ctx) throws IOException {
      JsonNode m = metadata(ctx.getModel().getModelPath());
      rows = new Rows("classification".equals(m.path("task").asText()));
      rows.prepare(ctx);
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Input input) throws IOException {
      JsonNode row = JSON.readTree(input.getData().getAsString());
      float[] x = new float[rows.features().size()];
      for (int i = 0; i < x.length; i++) {
        JsonNode v = row.get(rows.features().get(i));
        if (v == null || !v.isNumber()) {
          throw new IllegalArgumentException("feature '" + rows.features().get(i) + "' missing");
        }
        x[i] = (float) v.asDouble();
      }
      return rows.processInput(ctx, x);
    }

    @Override
    public Output processOutput(TranslatorContext ctx, NDList list) {
      Object o = rows.processOutput(ctx, list);
      Output out = new Output();
      if (o instanceof Classifications c) {
        out.add(c);
      } else {
        float[] v = (float[]) o;
        Map<String, Float> values = new LinkedHashMap<>();
        for (int i = 0; i < v.length; i++) {
          values.put(rows.names().get(i), v[i]);
        }
        out.add(JsonUtils.GSON.toJson(values));
      }
      return out;
    }
  }
}
