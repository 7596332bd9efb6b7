package io.github.finetune4j.pipeline;

import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.data.ImageTransform;
import io.github.finetune4j.data.Standardizer;
import io.github.finetune4j.model.DjlModules;
import io.github.finetune4j.model.FeatureModelBlock;
import io.github.finetune4j.model.FeatureOnnx;
import io.github.finetune4j.model.onnx.OnnxGraphBuilder;
import io.github.finetune4j.recipe.RecipeReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ONNX form of an exported model of feature vectors: {@code onnx/model.onnx}, the module, the
 * head and the output mapping as one graph that ONNX Runtime runs with no Finetune4J code, and
 * {@code onnx/config.json}, what its input and output are.
 *
 * <ul>
 *   <li>CSV rows: input {@value #ROWS_INPUT}, float32 {@code [batch, features]}, the raw feature
 *       values in the export's column order; the recorded standardizer is in the graph ({@code (x -
 *       mean) / std} in float64, constant columns included, exactly as predict applies it).
 *   <li>Images: input {@value #IMAGES_INPUT}, float32 {@code [batch, channels, height, width]}, the
 *       pixels in [0, 1] after the export's decode, channel conversion, resize, center crop and
 *       padding; its normalization (mean, std) is in the graph.
 *   <li>Output {@value #LOGITS} {@code [batch, classes or labels]} for a classification or a
 *       multi-label model (softmax, or a sigmoid per label and the threshold, are the reader's
 *       part, as in Hugging Face's exports), {@value #VALUES} {@code [batch, targets]} in the
 *       targets' own units for a regression.
 * </ul>
 *
 * A TorchScript module, or a DJL block the converter does not know, is refused with one paragraph
 * (exit 2) before anything is written: see {@link FeatureOnnx}.
 */
final class FeatureOnnxExport {

  /** The graph's file in the ONNX directory. */
  static final String ONNX_FILE = "model.onnx";

  /** What the graph reads and writes, for a reader with no Finetune4J code. */
  static final String CONFIG_FILE = "config.json";

  /** The input of a model of csv rows. */
  static final String ROWS_INPUT = "features";

  /** The input of a model of images. */
  static final String IMAGES_INPUT = "pixels";

  /** The output of a classification or multi-label model. */
  static final String LOGITS = "logits";

  /** The output of a regression. */
  static final String VALUES = "values";

  /** The {@code metadata_props} key that describes the input. */
  static final String INPUT_KEY = "finetune4j.input";

  private static final ObjectMapper JSON = new ObjectMapper();

  private FeatureOnnxExport() {}

  /**
   * Checks, before training, that a model's block can be written as ONNX (see {@link
   * FeatureOnnx#check}; a lambda block's meaning is confirmed only when it is written).
   *
   * @param block the model's block, or its module
   * @throws BadInputException naming the block that cannot
   */
  static void check(Block block) throws BadInputException {
    try {
      FeatureOnnx.check(block);
    } catch (FeatureOnnx.UnsupportedBlockException e) {
      throw refusal(e, block instanceof FeatureModelBlock f && f.hasHead());
    }
  }

  /**
   * Writes {@code onnxDir/model.onnx} and {@code onnxDir/config.json} for an exported model.
   *
   * @param modelDir the export (its {@value Exporter#MODEL_CONFIG} is read)
   * @param onnxDir the directory to write, created when missing
   * @param block the model's block, trained (a {@link FeatureModelBlock})
   * @throws BadInputException when the model cannot be written as ONNX (a TorchScript module, a
   *     block the converter does not know) or the metadata does not describe the block; nothing is
   *     written then
   * @throws IOException when writing fails
   */
  static void write(Path modelDir, Path onnxDir, Block block)
      throws BadInputException, IOException {
    if (!(block instanceof FeatureModelBlock model)) {
      if (DjlModules.holdsTorchScript(block)) {
        check(block);
      }
      throw new IllegalArgumentException(
          "the ONNX export of a model of feature vectors takes its FeatureModelBlock, got "
              + block.getClass().getSimpleName());
    }
    check(model);
    Path metaFile = modelDir.resolve(Exporter.MODEL_CONFIG);
    FeatureMetadata meta = FeatureMetadata.read(metaFile);
    matches(metaFile, meta, model);
    boolean regression = "regression".equals(meta.task());
    String output = regression ? VALUES : LOGITS;
    FeatureOnnx.Spec spec;
    String input;
    if (meta.images()) {
      ImageTransform t = meta.image();
      double[] mean = null;
      double[] std = null;
      if (t.mean() != null || t.std() != null) {
        mean = t.mean() != null ? t.mean() : new double[t.channels()];
        std = t.std() != null ? t.std() : ones(t.channels());
      }
      spec =
          new FeatureOnnx.Spec(
              IMAGES_INPUT, meta.exampleShape(), mean, std, output, meta.scale(), meta.shift());
      input = describeImages(meta, mean != null);
    } else {
      Standardizer s = meta.standardizer();
      long[] example = {s.featureNames().size()};
      spec =
          new FeatureOnnx.Spec(
              ROWS_INPUT,
              example,
              s.isIdentity() ? null : s.means(),
              s.isIdentity() ? null : s.stds(),
              output,
              meta.scale(),
              meta.shift());
      input = describeRows(s);
    }
    OnnxGraphBuilder graph;
    try {
      graph = FeatureOnnx.graph(model, spec);
    } catch (FeatureOnnx.UnsupportedBlockException e) {
      throw refusal(e, model.hasHead());
    }
    Map<String, String> props = new LinkedHashMap<>();
    props.put(INPUT_KEY, input);
    props.put("finetune4j.output", describeOutput(meta, output));
    props.put("finetune4j.task", meta.task());
    props.put(
        "finetune4j." + TaskKind.outputsKey(meta.task()),
        JSON.writeValueAsString(names(meta.outputs())));
    props.forEach(graph::metadata);
    Files.createDirectories(onnxDir);
    graph.write(onnxDir.resolve(ONNX_FILE));
    Files.writeString(onnxDir.resolve(CONFIG_FILE), RecipeReader.toJson(config(meta, spec, input)));
  }

  /** The metadata must describe the block given (same example, outputs, head and mapping). */
  private static void matches(Path metaFile, FeatureMetadata meta, FeatureModelBlock block)
      throws BadInputException {
    List<String> problems = new ArrayList<>();
    if (!Arrays.equals(meta.exampleShape(), block.exampleShape())) {
      problems.add(
          "example shape "
              + Arrays.toString(meta.exampleShape())
              + " (the block takes "
              + Arrays.toString(block.exampleShape())
              + ")");
    }
    if (meta.outputs().size() != block.outputs()) {
      problems.add(meta.outputs().size() + " outputs (the block gives " + block.outputs() + ")");
    }
    if ("classifier".equals(meta.head()) != block.hasHead()) {
      problems.add(
          "head \""
              + meta.head()
              + "\" (the block "
              + (block.hasHead() ? "has" : "has no")
              + " head)");
    }
    if ((meta.scale() != null) != block.hasOutputMapping()) {
      problems.add(
          (meta.scale() != null ? "a" : "no")
              + " target_mapping (the block "
              + (block.hasOutputMapping() ? "has" : "has no")
              + " output mapping)");
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(
          List.of(
              "ONNX export: "
                  + metaFile
                  + " does not describe the model given: it records "
                  + String.join(", ", problems)));
    }
  }

  private static BadInputException refusal(FeatureOnnx.UnsupportedBlockException e, boolean head) {
    if (e.torchScript()) {
      return new BadInputException(
          List.of(
              "ONNX export: the model's module is a TorchScript module ("
                  + e.block()
                  + " at path "
                  + e.path()
                  + "), which Finetune4J cannot write as ONNX in Java: a TorchScript module keeps"
                  + " its "
                  + Exporter.TORCHSCRIPT_FILE
                  + ", and ONNX needs Python there — torch.onnx.export(torch.jit.load(\""
                  + Exporter.TORCHSCRIPT_FILE
                  + "\"), ...). "
                  + Exporter.TORCHSCRIPT_FILE
                  + " holds the module alone: "
                  + (head
                      ? "the new head (head.weight and head.bias in "
                          + Exporter.MODEL_NAME
                          + "-0000.params) and "
                      : "")
                  + "the input transform recorded in "
                  + Exporter.MODEL_CONFIG
                  + (head ? " are" : " is")
                  + " applied outside it. Leave onnx out of the formats for this model"));
    }
    return new BadInputException(
        List.of(
            "ONNX export: "
                + e.getMessage()
                + ". Leave onnx out of the formats for this model, or build the module from"
                + " supported blocks"));
  }

  private static String describeRows(Standardizer s) {
    int n = s.featureNames().size();
    return String.format(
        Locale.ROOT,
        "%s: float32 [batch, %d], the raw values of the csv columns %s in this order; %s",
        ROWS_INPUT,
        n,
        String.join(", ", s.featureNames()),
        s.isIdentity()
            ? "fed to the model as they are (no standardization was applied in training)"
            : "the standardization fitted in training, (x - mean) / std per column (std 1 for"
                + " constant columns), is inside the graph");
  }

  private static String describeImages(FeatureMetadata meta, boolean normalized) {
    ImageTransform t = meta.image();
    long[] shape = meta.exampleShape();
    List<String> steps = new ArrayList<>();
    steps.add("decoded as " + (t.channels() == 1 ? "grayscale" : "RGB"));
    if (t.resize() != null) {
      steps.add("resized to " + t.resize()[0] + "x" + t.resize()[1] + " (height x width)");
    }
    if (t.crop() != null) {
      steps.add("center-cropped to " + t.crop()[0] + "x" + t.crop()[1]);
    }
    if (t.pad() > 0) {
      steps.add("padded with " + t.pad() + " zero pixels on every side");
    }
    return String.format(
        Locale.ROOT,
        "%s: float32 [batch, %d, %d, %d], channels first, the image %s, each value in [0, 1]"
            + " (byte / 255); %s",
        IMAGES_INPUT,
        shape[0],
        shape[1],
        shape[2],
        String.join(", ", steps),
        normalized
            ? "the normalization (x - mean) / std per channel is inside the graph"
            : "no normalization applies");
  }

  private static String describeOutput(FeatureMetadata meta, String output) {
    int k = meta.outputs().size();
    return switch (meta.task()) {
      case "classification" ->
          output
              + ": float32 [batch, "
              + k
              + "], one score per class in the order of finetune4j.classes; softmax gives the"
              + " probabilities predict prints";
      case "multilabel" ->
          output
              + ": float32 [batch, "
              + k
              + "], one score per label in the order of finetune4j.labels; a label applies when"
              + " its sigmoid reaches its threshold (config.json)";
      default ->
          output
              + ": float32 [batch, "
              + k
              + "], the predicted targets in their own units, in the order of finetune4j.targets";
    };
  }

  private static ObjectNode config(FeatureMetadata meta, FeatureOnnx.Spec spec, String described) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode c = f.objectNode();
    c.put("family", FeatureMetadata.KIND);
    c.put("task", meta.task());
    ObjectNode in = c.putObject("input");
    in.put("name", spec.input());
    in.put("type", "float32");
    ArrayNode shape = in.putArray("shape");
    shape.add("batch");
    Arrays.stream(spec.inputExample()).forEach(shape::add);
    if (meta.images()) {
      ObjectNode image = meta.image().toJson();
      image.put("normalization_in_graph", spec.mean() != null);
      in.set("image", image);
    } else {
      in.set("columns", names(meta.featureColumns()));
      in.put("standardization_in_graph", spec.mean() != null);
    }
    in.put("description", described);
    ObjectNode out = c.putObject("output");
    out.put("name", spec.output());
    ArrayNode outShape = out.putArray("shape");
    outShape.add("batch");
    outShape.add(meta.outputs().size());
    out.put(
        "activation",
        switch (meta.task()) {
          case "classification" -> "softmax";
          case "multilabel" -> "sigmoid";
          default -> "none";
        });
    c.set(TaskKind.outputsKey(meta.task()), names(meta.outputs()));
    if ("multilabel".equals(meta.task())) {
      if (meta.thresholds() != null) {
        ArrayNode t = c.putArray("thresholds");
        Arrays.stream(meta.thresholds()).forEach(t::add);
      } else {
        c.put("threshold", meta.threshold());
      }
    }
    return c;
  }

  private static ArrayNode names(List<String> names) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    names.forEach(a::add);
    return a;
  }

  private static double[] ones(int n) {
    double[] v = new double[n];
    Arrays.fill(v, 1.0);
    return v;
  }
}
