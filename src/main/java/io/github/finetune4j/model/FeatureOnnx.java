package io.github.finetune4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.github.finetune4j.model.onnx.OnnxGraphBuilder;
import io.github.finetune4j.params.ParameterNames;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Writes a model of feature vectors ({@link FeatureModelBlock}) whose module is a DJL-native block
 * as an ONNX graph with the trained parameter values: the module, the new head and the output
 * mapping, in inference mode, with an optional per-column (or per-channel) normalization folded in
 * front, so that ONNX Runtime on the raw input gives what the toolkit's predict gives.
 *
 * <p>What it converts ({@link #SUPPORTED}): {@link SequentialBlock} (its children in order), {@link
 * Linear} ({@code Gemm} on a batch of vectors, else {@code MatMul} and {@code Add}), {@link Conv2d}
 * (stride, padding, dilation, groups), {@link BatchNorm} on axis 1 and the toolkit's norm-policy
 * stand-in for it ({@code BatchNormalization} with the running statistics), {@link Dropout} (the
 * identity in inference), and DJL's {@link LambdaBlock}s for ReLU, sigmoid, tanh, the identity,
 * batch flatten, 2-D max and average pooling and 2-D global max and average pooling. A lambda
 * cannot be looked into, so each one is <em>identified by what it computes</em>: it is run on a
 * test input (values from 1e-2 to 1e3 in size, both signs, zeros) and must give what DJL's own
 * operator gives; named ones ({@code Activation.reluBlock()}, {@code Pool.maxPool2dBlock(...)}) are
 * only compared with the operator of their name, unnamed ones ({@code
 * SequentialBlock.add(Activation::relu)}, as the built-in MLP and small CNN add their ReLUs) with
 * every parameterless one. The kernel, stride, padding and ceil mode of a pooling block are read
 * from its closure and confirmed the same way. Exact classes only: a subclass may compute something
 * else.
 *
 * <p>Anything else — a TorchScript module ({@link PtSymbolBlock}, which only Python can convert),
 * another block class, a lambda that is none of the above — is refused with an {@link
 * UnsupportedBlockException} naming the block and its path (dotted as the parameter names: {@code
 * 3}, {@code body.2}), before anything is written.
 *
 * <p>Normalization {@code (x - mean) / std} is computed in float64 in the graph ({@code Cast},
 * {@code Sub}, {@code Div}, {@code Cast}), rounding exactly as the toolkit's Java code does, so the
 * graph's input is the raw feature row or the image's pixels in [0, 1].
 */
public final class FeatureOnnx {

  /** What the converter writes, in words (for messages and docs). */
  public static final String SUPPORTED =
      "SequentialBlock, Linear, Conv2d, BatchNorm (on axis 1), Dropout, and DJL's lambda blocks"
          + " for ReLU, sigmoid, tanh, identity, batch flatten, 2-D max/average pooling and 2-D"
          + " global max/average pooling";

  /** Names DJL gives its lambda blocks that are compared with the operator of that name. */
  private static final Set<String> NAMED_LAMBDAS =
      Set.of(
          "ReLU",
          "sigmoid",
          "Tanh",
          "identity",
          "batchFlatten",
          "maxPool2d",
          "avgPool2d",
          "globalMaxPool2d",
          "globalAvgPool2d");

  /** Names DJL gives its lambda blocks of operators the export does not write. */
  private static final Set<String> REFUSED_LAMBDAS =
      Set.of(
          "ELU",
          "GELU",
          "LeakyReLU",
          "Mish",
          "ReLU6",
          "SELU",
          "Swish",
          "softPlus",
          "softSign",
          "ones",
          "maxPool1d",
          "maxPool3d",
          "avgPool1d",
          "avgPool3d",
          "globalMaxPool1d",
          "globalMaxPool3d",
          "globalAvgPool1d",
          "globalAvgPool3d",
          "lpPool1d",
          "lpPool2d",
          "lpPool3d",
          "globalLpPool1d",
          "globalLpPool2d",
          "globalLpPool3d");

  private FeatureOnnx() {}

  /**
   * What the graph reads and writes.
   *
   * @param input the input's name ({@code features}, {@code pixels})
   * @param inputExample the shape of one example as the graph reads it ({@code [features]} for csv
   *     rows, {@code [channels, height, width]} for images); the batch axis is dynamic. When it
   *     differs from the block's example shape (same size), the graph reshapes.
   * @param mean per entry of an example's first axis (a column, a channel), subtracted before the
   *     block; null for no normalization
   * @param std per entry of an example's first axis, divided by after the mean; null with {@code
   *     mean}
   * @param output the output's name ({@code logits}, {@code values})
   * @param scale per output, the factor of the block's output mapping, or null when it has none
   * @param shift per output, the offset of the block's output mapping (with {@code scale})
   */
  public record Spec(
      String input,
      long[] inputExample,
      double[] mean,
      double[] std,
      String output,
      float[] scale,
      float[] shift) {

    /** Checks the sizes and copies the arrays. */
    public Spec {
      inputExample = inputExample.clone();
      if ((mean == null) != (std == null) || (scale == null) != (shift == null)) {
        throw new IllegalArgumentException("mean and std, scale and shift go together");
      }
      if (mean != null && (mean.length != inputExample[0] || std.length != mean.length)) {
        throw new IllegalArgumentException(
            "normalization needs "
                + inputExample[0]
                + " means and standard deviations (one per entry of the first axis of "
                + Arrays.toString(inputExample)
                + "), got "
                + mean.length
                + " and "
                + std.length);
      }
      mean = mean == null ? null : mean.clone();
      std = std == null ? null : std.clone();
      scale = scale == null ? null : scale.clone();
      shift = shift == null ? null : shift.clone();
    }
  }

  /**
   * A block the converter cannot write: its class (a lambda block with its name) and its path in
   * the tree. {@link #torchScript()} says whether it is a TorchScript module.
   */
  public static final class UnsupportedBlockException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** The block's class, e.g. {@code LayerNorm} or {@code LambdaBlock 'GELU'}. */
    private final String block;

    /** Its dotted path, {@code (root)} for the module itself. */
    private final String path;

    private final boolean torchScript;

    private UnsupportedBlockException(String block, String path, String why, boolean torchScript) {
      super("unsupported block " + block + " at path " + path + "; " + why);
      this.block = block;
      this.path = path;
      this.torchScript = torchScript;
    }

    /**
     * The block's class, e.g. {@code LayerNorm} or {@code LambdaBlock 'GELU'}.
     *
     * @return its description
     */
    public String block() {
      return block;
    }

    /**
     * Its dotted path in the tree (as its parameters are named), {@code (root)} for the module.
     *
     * @return the path
     */
    public String path() {
      return path;
    }

    /**
     * Whether the block is a TorchScript module (only Python's {@code torch.onnx.export} converts
     * one).
     *
     * @return true for one
     */
    public boolean torchScript() {
      return torchScript;
    }
  }

  /**
   * Checks, without running anything, that every block of a module is of a kind the converter
   * writes. A lambda block is refused here only when DJL named it after an operator the export does
   * not write ({@code GELU}, {@code lpPool2d}, ...); an unnamed one, or one its author named, is
   * identified only when the graph is built. A runner calls it before training, so that asking for
   * ONNX of a module that cannot have it fails early.
   *
   * @param module the module (or a whole {@link FeatureModelBlock})
   * @throws UnsupportedBlockException naming the first block that is not
   */
  public static void check(Block module) {
    if (module instanceof FeatureModelBlock f) {
      check(f.module(), "");
      return;
    }
    check(module, "");
  }

  private static void check(Block b, String path) {
    if (b instanceof PtSymbolBlock) {
      throw torchScript(b, path);
    }
    Class<?> c = b.getClass();
    if (c == SequentialBlock.class) {
      int index = 0;
      for (Pair<String, Block> child : b.getChildren()) {
        index++;
        check(child.getValue(), childPath(path, b, child.getKey(), index));
      }
    } else if (c == LambdaBlock.class) {
      if (REFUSED_LAMBDAS.contains(((LambdaBlock) b).getName())) {
        throw unsupported(describe(b), path, "the ONNX export writes " + SUPPORTED);
      }
    } else if (c != Linear.class
        && c != Conv2d.class
        && c != BatchNorm.class
        && c != PolicyBatchNorm.class
        && c != Dropout.class) {
      throw unsupported(describe(b), path, "the ONNX export writes " + SUPPORTED);
    }
  }

  /**
   * Builds the graph of an initialized (trained) block.
   *
   * @param block the model
   * @param spec the graph's input and output
   * @return the graph, ready to write; add metadata first if wanted
   * @throws UnsupportedBlockException when a block cannot be written
   * @throws IllegalArgumentException when {@code spec} does not fit the block
   */
  public static OnnxGraphBuilder graph(FeatureModelBlock block, Spec spec) {
    check(block);
    if (!block.isInitialized()) {
      throw new IllegalStateException("the block is not initialized");
    }
    if (block.hasOutputMapping() != (spec.scale() != null)
        || spec.scale() != null && spec.scale().length != block.outputs()) {
      throw new IllegalArgumentException(
          "the block "
              + (block.hasOutputMapping() ? "has" : "has no")
              + " output mapping of "
              + block.outputs()
              + " outputs, the spec "
              + (spec.scale() == null ? "none" : spec.scale().length + " factors"));
    }
    long[] example = block.exampleShape();
    if (size(example) != size(spec.inputExample())) {
      throw new IllegalArgumentException(
          "the graph's input example "
              + Arrays.toString(spec.inputExample())
              + " does not have the size of the block's "
              + Arrays.toString(example));
    }
    OnnxGraphBuilder g = new OnnxGraphBuilder("finetune4j_features");
    Object[] dims = new Object[spec.inputExample().length + 1];
    dims[0] = "batch";
    for (int i = 0; i < spec.inputExample().length; i++) {
      dims[i + 1] = spec.inputExample()[i];
    }
    String x = g.input(spec.input(), OnnxGraphBuilder.FLOAT, dims);
    if (spec.mean() != null) {
      x = normalize(g, x, spec);
    }
    if (!Arrays.equals(spec.inputExample(), example)) {
      long[] to = new long[example.length + 1];
      to[0] = -1;
      System.arraycopy(example, 0, to, 1, example.length);
      x = g.node("Reshape", x, g.constantInt64(new long[] {to.length}, to));
    }
    try (NDManager m = manager(block)) {
      Converter c = new Converter(g, m);
      long[] probeShape = new long[example.length + 1];
      probeShape[0] = 2;
      System.arraycopy(example, 0, probeShape, 1, example.length);
      Value v = c.walk(block.module(), "", new Value(x, c.gaussian(new Shape(probeShape))));
      Shape out = v.probe().getShape();
      if (out.dimension() != 2 || out.get(1) != block.moduleOutputs()) {
        throw new IllegalArgumentException(
            "the module gives "
                + out
                + " for a batch of 2, not [2, "
                + block.moduleOutputs()
                + "] as the block says");
      }
      if (block.hasHead()) {
        v = c.linear(head(block), "head", v);
      }
      String y = v.name();
      if (spec.scale() != null) {
        long[] shape = {block.outputs()};
        y =
            g.node(
                "Add",
                g.node("Mul", y, g.constant(shape, spec.scale())),
                g.constant(shape, spec.shift()));
      }
      g.output(y, spec.output(), OnnxGraphBuilder.FLOAT, "batch", (long) block.outputs());
    }
    return g;
  }

  /**
   * Builds the graph and writes it.
   *
   * @param block the model
   * @param spec the graph's input and output
   * @param metadata entries for the model's {@code metadata_props}
   * @param file the {@code .onnx} file
   * @throws IOException when writing fails
   * @throws UnsupportedBlockException when a block cannot be written (nothing is written)
   */
  public static void write(
      FeatureModelBlock block, Spec spec, Map<String, String> metadata, Path file)
      throws IOException {
    OnnxGraphBuilder g = graph(block, spec);
    metadata.forEach(g::metadata);
    g.write(file);
  }

  /** {@code (x - mean) / std} in float64, per entry of the first axis of an example. */
  private static String normalize(OnnxGraphBuilder g, String x, Spec spec) {
    long[] shape = new long[spec.inputExample().length];
    Arrays.fill(shape, 1);
    shape[0] = spec.mean().length;
    String d = g.node("Cast", Map.of("to", (long) OnnxGraphBuilder.DOUBLE), x);
    d = g.node("Sub", d, g.constantDouble(shape, spec.mean()));
    d = g.node("Div", d, g.constantDouble(shape, spec.std()));
    return g.node("Cast", Map.of("to", (long) OnnxGraphBuilder.FLOAT), d);
  }

  private static long size(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  private static Block head(FeatureModelBlock block) {
    int index = 0;
    for (Pair<String, Block> child : block.getChildren()) {
      index++;
      if ("head".equals(ParameterNames.childName(block, child.getKey(), index))) {
        return child.getValue();
      }
    }
    throw new IllegalStateException("the block has no head child");
  }

  /** A sub-manager of the one that holds the parameters (so probes live on their device). */
  private static NDManager manager(Block block) {
    for (Parameter p : ParameterNames.of(block).values()) {
      if (p.isInitialized()) {
        return p.getArray().getManager().newSubManager();
      }
    }
    return NDManager.newBaseManager();
  }

  private static String childPath(String path, Block parent, String key, int index) {
    String own = ParameterNames.childName(parent, key, index);
    if (own.isEmpty()) {
      return path;
    }
    return path.isEmpty() ? own : path + "." + own;
  }

  private static String display(String path) {
    return path.isEmpty() ? "(root)" : path;
  }

  private static String describe(Block b) {
    if (b instanceof LambdaBlock l) {
      return "LambdaBlock '" + l.getName() + "'";
    }
    return b.getClass().getSimpleName();
  }

  private static UnsupportedBlockException unsupported(String block, String path, String why) {
    return new UnsupportedBlockException(block, display(path), why, false);
  }

  private static UnsupportedBlockException torchScript(Block b, String path) {
    return new UnsupportedBlockException(
        b.getClass().getSimpleName(),
        display(path),
        "a TorchScript module cannot be converted to ONNX in Java (ONNX needs Python:"
            + " torch.onnx.export)",
        true);
  }

  /** A value of the graph, and what DJL computes for it on the probe batch. */
  private record Value(String name, NDArray probe) {}

  /** A lambda block's possible meaning: DJL's operator, and how to write it. */
  private record Candidate(String what, UnaryOperator<NDArray> reference, Emitter emitter) {}

  @FunctionalInterface
  private interface Emitter {
    String emit(OnnxGraphBuilder g, String x, Shape in, Shape out, String path);
  }

  /** One conversion: the graph being built and the probe batch pushed through the DJL blocks. */
  private static final class Converter {
    private final OnnxGraphBuilder g;
    private final NDManager m;
    private final ParameterStore ps;
    private final Random random = new Random(20);

    Converter(OnnxGraphBuilder g, NDManager m) {
      this.g = g;
      this.m = m;
      this.ps = new ParameterStore(m, false);
    }

    NDArray gaussian(Shape shape) {
      float[] v = new float[Math.toIntExact(shape.size())];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) random.nextGaussian();
      }
      return m.create(v, shape);
    }

    /** Values over five orders of magnitude, both signs, and zeros: tells activations apart. */
    NDArray wide(Shape shape) {
      float[] v = new float[Math.toIntExact(shape.size())];
      float[] scales = {1e-2f, 1f, 1e3f};
      for (int i = 0; i < v.length; i++) {
        v[i] = i % 7 == 3 ? 0f : (float) random.nextGaussian() * scales[i % 3];
      }
      return m.create(v, shape);
    }

    NDArray forward(Block b, NDArray x) {
      return b.forward(ps, new NDList(x), false).singletonOrThrow();
    }

    Value walk(Block b, String path, Value in) {
      if (b instanceof PtSymbolBlock) {
        throw torchScript(b, path);
      }
      Class<?> c = b.getClass();
      if (c == SequentialBlock.class) {
        Value v = in;
        int index = 0;
        for (Pair<String, Block> child : b.getChildren()) {
          index++;
          v = walk(child.getValue(), childPath(path, b, child.getKey(), index), v);
        }
        return v;
      }
      if (c == Linear.class) {
        return linear(b, path, in);
      }
      if (c == Conv2d.class) {
        return conv((Conv2d) b, path, in);
      }
      if (c == BatchNorm.class || c == PolicyBatchNorm.class) {
        return batchNorm(b, path, in);
      }
      if (c == Dropout.class) {
        return new Value(in.name(), forward(b, in.probe()));
      }
      if (c == LambdaBlock.class) {
        return lambda((LambdaBlock) b, path, in);
      }
      throw unsupported(describe(b), path, "the ONNX export writes " + SUPPORTED);
    }

    Value linear(Block b, String path, Value in) {
      String prefix = path.isEmpty() ? "" : path + ".";
      NDArray w = param(b, "weight");
      Parameter bias = b.getParameters().get("bias");
      long units = w.getShape().get(0);
      long width = w.getShape().get(1);
      String biasName =
          bias == null
              ? null
              : g.initializer(prefix + "bias", new long[] {units}, floats(bias.getArray()));
      String out;
      if (in.probe().getShape().dimension() == 2) {
        // as torch.onnx writes nn.Linear on a batch of vectors: the weight as it is, [out, in]
        String weight = g.initializer(prefix + "weight", new long[] {units, width}, floats(w));
        Map<String, Object> transB = Map.of("transB", 1L);
        out =
            biasName == null
                ? g.node("Gemm", transB, in.name(), weight)
                : g.node("Gemm", transB, in.name(), weight, biasName);
      } else {
        float[] t = floats(w).array();
        float[] transposed = new float[t.length];
        for (int o = 0; o < units; o++) {
          for (int i = 0; i < width; i++) {
            transposed[(int) (i * units + o)] = t[(int) (o * width + i)];
          }
        }
        String weight =
            g.initializer(
                prefix + "weight_transposed",
                new long[] {width, units},
                FloatBuffer.wrap(transposed));
        out = g.node("MatMul", in.name(), weight);
        if (biasName != null) {
          out = g.node("Add", out, biasName);
        }
      }
      return new Value(out, forward(b, in.probe()));
    }

    Value conv(Conv2d b, String path, Value in) {
      String prefix = path.isEmpty() ? "" : path + ".";
      NDArray w = param(b, "weight");
      String weight = g.initializer(prefix + "weight", w.getShape().getShape(), floats(w));
      long[] pad = b.getPadding().getShape();
      Map<String, Object> attributes =
          Map.of(
              "kernel_shape", b.getKernelShape().getShape(),
              "strides", b.getStride().getShape(),
              "dilations", b.getDilation().getShape(),
              "pads", new long[] {pad[0], pad[1], pad[0], pad[1]},
              "group", (long) b.getGroups());
      String out;
      if (b.isIncludeBias()) {
        NDArray bias = param(b, "bias");
        String biasName = g.initializer(prefix + "bias", bias.getShape().getShape(), floats(bias));
        out = g.node("Conv", attributes, in.name(), weight, biasName);
      } else {
        out = g.node("Conv", attributes, in.name(), weight);
      }
      return new Value(out, forward(b, in.probe()));
    }

    Value batchNorm(Block b, String path, Value in) {
      BatchNorm bn = b instanceof PolicyBatchNorm p ? p.inner() : (BatchNorm) b;
      int rank = in.probe().getShape().dimension();
      float epsilon;
      int axis;
      try {
        epsilon = privateField(bn, "epsilon").getFloat(bn);
        axis = privateField(bn, "axis").getInt(bn);
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw unsupported(
            describe(b), path, "its epsilon and axis cannot be read in this DJL version");
      }
      int normalized = axis < 0 ? axis + rank : axis;
      if (normalized != 1 || rank < 2) {
        throw unsupported(
            describe(b),
            path,
            "it normalizes axis "
                + axis
                + " of a rank-"
                + rank
                + " input; ONNX BatchNormalization normalizes axis 1");
      }
      String prefix = path.isEmpty() ? "" : path + ".";
      String out =
          g.node(
              "BatchNormalization",
              Map.of("epsilon", epsilon),
              in.name(),
              vector(bn, "gamma", prefix + "weight"),
              vector(bn, "beta", prefix + "bias"),
              vector(bn, "runningMean", prefix + "running_mean"),
              vector(bn, "runningVar", prefix + "running_var"));
      return new Value(out, forward(b, in.probe()));
    }

    private String vector(Block b, String djlName, String name) {
      NDArray a = param(b, djlName);
      return g.initializer(name, new long[] {a.size()}, floats(a));
    }

    Value lambda(LambdaBlock b, String path, Value in) {
      String name = b.getName();
      List<Candidate> candidates = candidates(b, name, path);
      Shape shape = in.probe().getShape();
      NDArray probe = wide(shape);
      NDArray got;
      try {
        got = forward(b, probe);
      } catch (RuntimeException e) {
        throw unsupported(
            describe(b), path, "it fails on a " + shape + " input: " + e.getMessage());
      }
      for (Candidate c : candidates) {
        NDArray want;
        try {
          want = c.reference().apply(probe);
        } catch (RuntimeException e) {
          continue; // not an operator for this input's shape
        }
        if (want.getShape().equals(got.getShape()) && close(got, want)) {
          String out = c.emitter().emit(g, in.name(), shape, got.getShape(), path);
          return new Value(out, forward(b, in.probe()));
        }
      }
      throw unsupported(
          describe(b),
          path,
          "on a "
              + shape
              + " test input it computes none of "
              + candidates.stream().map(Candidate::what).toList()
              + "; the ONNX export writes "
              + SUPPORTED);
    }

    private List<Candidate> candidates(LambdaBlock b, String name, String path) {
      List<Candidate> simple =
          List.of(
              new Candidate("ReLU", Activation::relu, (g, x, i, o, p) -> g.node("Relu", x)),
              new Candidate(
                  "sigmoid", Activation::sigmoid, (g, x, i, o, p) -> g.node("Sigmoid", x)),
              new Candidate("tanh", Activation::tanh, (g, x, i, o, p) -> g.node("Tanh", x)),
              new Candidate("identity", x -> x, (g, x, i, o, p) -> x),
              new Candidate(
                  "batch flatten",
                  x -> x.reshape(x.getShape().get(0), -1),
                  (g, x, i, o, p) -> g.node("Flatten", Map.of("axis", 1L), x)),
              new Candidate(
                  "global average pooling",
                  Pool::globalAvgPool2d,
                  (g, x, i, o, p) -> global(g, "GlobalAveragePool", x, o)),
              new Candidate(
                  "global max pooling",
                  Pool::globalMaxPool2d,
                  (g, x, i, o, p) -> global(g, "GlobalMaxPool", x, o)));
      String what =
          switch (name) {
            case "ReLU" -> "ReLU";
            case "sigmoid" -> "sigmoid";
            case "Tanh" -> "tanh";
            case "identity" -> "identity";
            case "batchFlatten" -> "batch flatten";
            case "globalAvgPool2d" -> "global average pooling";
            case "globalMaxPool2d" -> "global max pooling";
            default -> null;
          };
      if (what != null) {
        return simple.stream().filter(c -> c.what().equals(what)).toList();
      }
      if ("maxPool2d".equals(name) || "avgPool2d".equals(name)) {
        return List.of(pool(b, name, path));
      }
      if (REFUSED_LAMBDAS.contains(name)) {
        throw unsupported(describe(b), path, "the ONNX export writes " + SUPPORTED);
      }
      // unnamed ("anonymous", or a lambda's class name from LambdaBlock.singleton) or named by
      // its author: identified by what it computes
      return simple;
    }

    /** A pooling block: its kernel, stride, padding and modes, read from its closure. */
    private Candidate pool(LambdaBlock b, String name, String path) {
      List<Object> args;
      try {
        Object lambda = privateField(b, "lambda").get(b);
        args = captured(lambda);
        if (args.size() == 1 && args.get(0) instanceof java.util.function.Function<?, ?> f) {
          args = captured(f); // LambdaBlock.singleton wraps the operator
        }
      } catch (ReflectiveOperationException | RuntimeException e) {
        args = List.of();
      }
      boolean max = "maxPool2d".equals(name);
      int n = max ? 4 : 5;
      if (args.size() != n
          || !(args.get(0) instanceof Shape kernel)
          || !(args.get(1) instanceof Shape stride)
          || !(args.get(2) instanceof Shape padding)
          || !(args.get(3) instanceof Boolean ceil)
          || !max && !(args.get(4) instanceof Boolean)) {
        throw unsupported(
            describe(b), path, "its kernel, stride and padding cannot be read in this DJL version");
      }
      boolean declared = !max && (Boolean) args.get(4);
      boolean countPad = !max && countsPadding(kernel, stride, padding, ceil, declared);
      String what =
          (max ? "max" : "average")
              + " pooling, kernel "
              + kernel
              + ", stride "
              + stride
              + ", padding "
              + padding
              + (ceil ? ", ceil mode" : "")
              + (max ? "" : countPad ? ", padding counted" : ", padding not counted");
      UnaryOperator<NDArray> reference =
          max
              ? x -> Pool.maxPool2d(x, kernel, stride, padding, ceil)
              : x -> Pool.avgPool2d(x, kernel, stride, padding, ceil, declared);
      return new Candidate(
          what,
          reference,
          (g, x, in, out, p) -> {
            long[] pads = new long[4];
            boolean partial = false;
            for (int d = 0; d < 2; d++) {
              long size = in.get(2 + d);
              long k = kernel.get(d);
              long s = stride.get(d);
              long pad = padding.get(d);
              long extra = out.get(2 + d) - ((size + 2 * pad - k) / s + 1);
              // ceil mode: the last window runs past the padding; a tail pad of the missing part
              // gives it (ONNX ignores pads for max, and counts only real values without
              // count_include_pad)
              long tail = extra > 0 ? (out.get(2 + d) - 1) * s + k - size - 2 * pad : 0;
              partial |= tail > 0;
              pads[d] = pad;
              pads[2 + d] = pad + tail;
            }
            if (partial && countPad) {
              throw unsupported(
                  describe(b),
                  p,
                  "average pooling in ceil mode with padding counted has a partial last window"
                      + " on this input, which ONNX AveragePool divides differently");
            }
            Map<String, Object> attributes =
                max
                    ? Map.of(
                        "kernel_shape", kernel.getShape(),
                        "strides", stride.getShape(),
                        "pads", pads)
                    : Map.of(
                        "kernel_shape",
                        kernel.getShape(),
                        "strides",
                        stride.getShape(),
                        "pads",
                        pads,
                        "count_include_pad",
                        countPad ? 1L : 0L);
            return g.node(max ? "MaxPool" : "AveragePool", attributes, x);
          });
    }

    /**
     * Whether average pooling divides by the window including its (symmetric) padding, found by
     * pooling ones (a padded window then averages to less than 1): DJL 0.36's PyTorch engine counts
     * the padding whatever {@code countIncludePad} says, and the graph must give what DJL gives.
     * Without padding there is nothing to count (PyTorch never counts the ceil-mode overhang).
     */
    private boolean countsPadding(
        Shape kernel, Shape stride, Shape padding, boolean ceil, boolean declared) {
      if (padding.get(0) == 0 && padding.get(1) == 0) {
        return false;
      }
      long h = Math.max(kernel.get(0), 2 * padding.get(0) + 1);
      long w = Math.max(kernel.get(1), 2 * padding.get(1) + 1);
      NDArray ones = m.ones(new Shape(1, 1, h, w));
      float[] pooled = Pool.avgPool2d(ones, kernel, stride, padding, ceil, declared).toFloatArray();
      return pooled[0] < 1f - 1e-6f;
    }

    private static String global(OnnxGraphBuilder g, String op, String x, Shape out) {
      String pooled = g.node(op, x); // [N, C, 1, 1]
      return out.dimension() == 2 ? g.node("Flatten", Map.of("axis", 1L), pooled) : pooled;
    }

    private static boolean close(NDArray got, NDArray want) {
      float[] a = got.toType(DataType.FLOAT32, false).toFloatArray();
      float[] b = want.toType(DataType.FLOAT32, false).toFloatArray();
      for (int i = 0; i < a.length; i++) {
        if (!(Math.abs(a[i] - b[i]) <= 1e-6 + 1e-5 * Math.abs(b[i]))) {
          return false;
        }
      }
      return true;
    }
  }

  private static NDArray param(Block b, String name) {
    Parameter p = b.getParameters().get(name);
    if (p == null || !p.isInitialized()) {
      throw new IllegalStateException(describe(b) + " has no initialized parameter " + name);
    }
    return p.getArray();
  }

  private static FloatBuffer floats(NDArray a) {
    return FloatBuffer.wrap(a.toType(DataType.FLOAT32, false).toFloatArray());
  }

  private static Field privateField(Object o, String name) throws NoSuchFieldException {
    Class<?> c = o instanceof LambdaBlock ? LambdaBlock.class : o.getClass();
    Field f = c.getDeclaredField(name);
    f.setAccessible(true);
    return f;
  }

  /** The values a lambda captured, in capture order ({@code arg$1}, {@code arg$2}, ...). */
  private static List<Object> captured(Object lambda) throws IllegalAccessException {
    List<Field> fields = new ArrayList<>();
    for (Field f : lambda.getClass().getDeclaredFields()) {
      if (!Modifier.isStatic(f.getModifiers())) {
        fields.add(f);
      }
    }
    fields.sort(
        Comparator.comparingInt((Field f) -> f.getName().length()).thenComparing(Field::getName));
    List<Object> out = new ArrayList<>();
    for (Field f : fields) {
      f.setAccessible(true);
      out.add(f.get(lambda));
    }
    return out;
  }
}
