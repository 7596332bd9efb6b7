package io.github.finetune4j.pipeline;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.data.ImageTransform;
import io.github.finetune4j.model.DjlModules;
import io.github.finetune4j.model.FeatureModelBlock;
import io.github.finetune4j.model.FeatureModelFactory;
import io.github.finetune4j.model.TorchScriptBlock;
import io.github.finetune4j.recipe.DjlModel;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code model: {type: djl, url, name, engine, input_shape, features_method | features_block}}:
 * anything DJL's {@link Criteria} loads — a local model directory, a {@code file:} URL, a zoo id
 * such as {@code djl://ai.djl.pytorch/...}, an https URL — exactly as DJL users write it. DJL
 * resolves and loads the model (downloading it when the network is there). What it loads is either
 * a TorchScript module (the PyTorch engine's {@code NAME.pt}), read again with {@link
 * TorchScriptBlock#load} so that the norm policy reaches its BatchNorm layers and cut at an
 * exported method ({@code features_method}); or a DJL-native block that the directory's {@code
 * serving.properties} {@code blockFactory} built and DJL loaded the parameters into, cut at a child
 * of its {@code SequentialBlock} ({@code features_block}) and exported with the factory's name and
 * arguments so that plain DJL rebuilds it. It reads feature vectors, like {@code torchscript}.
 */
final class DjlSource implements FeatureModelSource {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final DjlModel spec;
  private String blockFactory;
  private Map<String, String> arguments;

  DjlSource(DjlModel spec) {
    this.spec = spec;
  }

  @Override
  public String describe() {
    return "djl " + spec.url();
  }

  @Override
  public String kind() {
    return "djl";
  }

  @Override
  public Block load(NDManager manager) throws BadInputException {
    String url = spec.url();
    Path module;
    try (ZooModel<NDList, NDList> model = criteria(url).loadModel()) {
      if (!(model.getBlock() instanceof PtSymbolBlock)) {
        return nativeBlock(model, manager);
      }
      if (spec.featuresBlock() != null) {
        throw new BadInputException(
            List.of(
                "model.features_block: "
                    + url
                    + " is a TorchScript module, which DJL cannot cut at a child; export the"
                    + " features as a method (@torch.jit.export) and name it in"
                    + " model.features_method"));
      }
      module = torchScriptFile(model);
    } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
      throw bad(
          "DJL cannot load "
              + url
              + ": "
              + firstLine(e)
              + (url.startsWith("djl://") || url.startsWith("http")
                  ? " (zoo ids and https URLs need the network)"
                  : ""));
    }
    try {
      return FeatureModelSource.requireScripted(
          TorchScriptBlock.load(module, manager), "model.url", module);
    } catch (IOException e) {
      throw bad(module + ": " + firstLine(e) + " (expected a TorchScript module)");
    }
  }

  /** The TorchScript file of a model DJL loaded as one. */
  private static Path torchScriptFile(ZooModel<NDList, NDList> model)
      throws IOException, BadInputException {
    Path dir = model.getModelPath();
    Path named = dir.resolve(model.getName() + ".pt");
    if (Files.isRegularFile(named)) {
      return named;
    }
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> pts = files.filter(p -> p.toString().endsWith(".pt")).toList();
      if (pts.size() == 1) {
        return pts.get(0);
      }
    }
    throw bad(
        "DJL loaded "
            + dir
            + ", but it holds no single TorchScript file (NAME.pt) and names no blockFactory in"
            + " serving.properties");
  }

  /**
   * A DJL-native block that DJL built with the directory's {@code blockFactory} and loaded the
   * parameters into: cut at {@code features_block} when given, its parameters handed to {@code
   * manager} (the loaded model is closed), and what rebuilding it needs kept for the export.
   */
  private Block nativeBlock(ZooModel<NDList, NDList> model, NDManager manager)
      throws BadInputException, IOException {
    if (spec.featuresMethod() != null) {
      throw new BadInputException(
          List.of(
              "model.features_method: "
                  + spec.url()
                  + " is a DJL-native block ("
                  + model.getBlock().getClass().getSimpleName()
                  + "), which has no exported methods; name the child to cut at in"
                  + " model.features_block"));
    }
    Properties serving = new Properties();
    Path file = model.getModelPath().resolve("serving.properties");
    if (Files.isRegularFile(file)) {
      try (Reader r = Files.newBufferedReader(file)) {
        serving.load(r);
      }
    }
    String factory = serving.getProperty("blockFactory");
    Block block = model.getBlock();
    Map<String, String> args = new TreeMap<>();
    serving.stringPropertyNames().forEach(k -> args.put(k, serving.getProperty(k)));
    if (block instanceof FeatureModelBlock exported) {
      // A Finetune4J export of a DJL-native module: fine-tune its module, rebuilt by its own
      // factory (recorded in the export's metadata).
      if (exported.hasHead() || exported.hasOutputMapping()) {
        throw bad(
            spec.url()
                + " is a Finetune4J export with a new head (or a regression's output mapping);"
                + " only an export that kept its module's own output (head.replace: none) is a"
                + " model to fine-tune further — predict with this one");
      }
      JsonNode module =
          JSON.readTree(model.getModelPath().resolve(FeatureModelFactory.METADATA).toFile())
              .path("module");
      factory = module.path("block_factory").asText(null);
      args.clear();
      module
          .path("arguments")
          .fields()
          .forEachRemaining(e -> args.put(e.getKey(), e.getValue().asText()));
      block = exported.module();
    }
    if (factory == null) {
      throw bad(
          "DJL loaded a "
              + model.getBlock().getClass().getSimpleName()
              + " from "
              + spec.url()
              + ", but its serving.properties names no blockFactory, so the fine-tuned model could"
              + " not be rebuilt; add blockFactory=<your BlockFactory class>");
    }
    if (spec.featuresBlock() != null) {
      try {
        block = DjlModules.cut(block, spec.featuresBlock());
      } catch (IllegalArgumentException e) {
        throw new BadInputException(List.of("model.features_block: " + e.getMessage()));
      }
    }
    if (block.getParameters().isEmpty()) {
      throw bad(spec.url() + ": the model has no parameters (nothing to fine-tune)");
    }
    for (Parameter p : block.getParameters().values()) {
      if (p.isInitialized()) {
        p.getArray().attach(manager); // outlives the loaded model, which is closed now
      }
    }
    arguments = args;
    blockFactory = factory;
    return block;
  }

  /** A local Finetune4J export's recorded image transform (read without loading the model). */
  @Override
  public ImageTransform imageDefaults() {
    try {
      Path dir =
          spec.url().startsWith("file:") ? Path.of(URI.create(spec.url())) : Path.of(spec.url());
      Path meta = dir.resolve(FeatureModelFactory.METADATA);
      if (!Files.isRegularFile(meta)) {
        return null;
      }
      JsonNode image = JSON.readTree(meta.toFile()).get("image");
      return image == null ? null : ImageTransform.fromJson(image);
    } catch (IOException | RuntimeException e) {
      return null; // not a local export; loading it says what is wrong
    }
  }

  /** The metadata of a local directory that is a Finetune4J export (read without loading it). */
  @Override
  public Path exportMetadata() {
    try {
      Path dir =
          spec.url().startsWith("file:") ? Path.of(URI.create(spec.url())) : Path.of(spec.url());
      return FeatureModelSource.exportMetadata(dir.resolve(FeatureModelFactory.METADATA));
    } catch (RuntimeException e) {
      return null; // a zoo id or a URL: not a local export
    }
  }

  @Override
  public void describeModule(ObjectNode module) {
    if (blockFactory == null) {
      return;
    }
    module.put("block_factory", blockFactory);
    ObjectNode args = module.putObject("arguments");
    arguments.forEach(args::put);
    if (spec.featuresBlock() != null) {
      module.put("features_block", spec.featuresBlock());
    }
  }

  private Criteria<NDList, NDList> criteria(String url) {
    Criteria.Builder<NDList, NDList> b =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optTranslator(new NoopTranslator())
            .optEngine(spec.engine());
    if (url.contains("://") || url.startsWith("file:")) {
      b.optModelUrls(url);
    } else {
      b.optModelPath(Path.of(url));
    }
    if (spec.name() != null) {
      b.optModelName(spec.name());
    }
    return b.build();
  }

  @Override
  public long[] exampleShape(int featureCount, long[] natural) throws BadInputException {
    return FeatureModelSource.exampleShape(spec.inputShape(), featureCount, natural);
  }

  @Override
  public String featuresMethod() {
    return spec.featuresMethod();
  }

  private static String firstLine(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnknownHostException u) {
        return "cannot reach " + u.getMessage();
      }
    }
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.lines().findFirst().orElse(m);
  }

  private static BadInputException bad(String problem) {
    return new BadInputException(List.of("model.url: " + problem));
  }
}
