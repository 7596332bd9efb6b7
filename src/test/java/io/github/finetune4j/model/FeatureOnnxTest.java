package io.github.finetune4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.github.finetune4j.model.onnx.OnnxChecker;
import io.github.finetune4j.params.ParameterNames;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every block kind {@link FeatureOnnx} writes, on random weights: ONNX Runtime (an independent
 * implementation of each operator) on the written graph gives what the DJL block computes in
 * inference mode, to 1e-5 relative, on a batch of 3; every file passes {@code onnx.checker}. The
 * weights are scaled so that each parameter moves the result, BatchNorm's epsilon is 0.01 against
 * running variances of 0.01 to 0.1 (a wrong epsilon is far outside the tolerance), and the pooling
 * cases include ceil mode with a partial last window. Then the refusals: each names the block and
 * its path.
 */
class FeatureOnnxTest {

  private static final int B = 3;

  @TempDir Path dir;
  private Model model;
  private NDManager manager;

  @BeforeEach
  void open() {
    model = Model.newInstance("feature-onnx-test");
    manager = model.getNDManager();
  }

  @AfterEach
  void close() {
    model.close();
  }

  private static Block seq(Block... blocks) {
    SequentialBlock s = new SequentialBlock();
    for (Block b : blocks) {
      s.add(b);
    }
    return s;
  }

  private static Block linear(int units) {
    return Linear.builder().setUnits(units).build();
  }

  private static Block conv(int filters) {
    return Conv2d.builder()
        .setKernelShape(new Shape(3, 3))
        .optPadding(new Shape(1, 1))
        .setFilters(filters)
        .build();
  }

  private static Block bn() {
    return BatchNorm.builder().optEpsilon(0.01f).build();
  }

  private static Block flatten() {
    return Blocks.batchFlattenBlock();
  }

  /** A module, its example shape, and a name for the report. */
  record Case(String name, Supplier<Block> module, long[] example, boolean policyNorm) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> cases() {
    long[] rows = {6};
    long[] image = {2, 8, 8};
    return Stream.of(
            new Case("linear", () -> seq(linear(5)), rows, false),
            new Case(
                "linear without bias",
                () -> seq(Linear.builder().setUnits(4).optBias(false).build()),
                rows,
                false),
            new Case(
                "linear on [4, 6] examples (MatMul), flatten",
                () -> seq(linear(3), flatten()),
                new long[] {4, 6},
                false),
            new Case("conv 3x3 pad 1", () -> seq(conv(4), flatten()), image, false),
            new Case(
                "conv stride 2, dilation 2, groups 2, no bias",
                () ->
                    seq(
                        Conv2d.builder()
                            .setKernelShape(new Shape(3, 3))
                            .optStride(new Shape(2, 2))
                            .optPadding(new Shape(2, 1))
                            .optDilation(new Shape(2, 2))
                            .optGroups(2)
                            .optBias(false)
                            .setFilters(4)
                            .build(),
                        flatten()),
                image,
                false),
            new Case("batchnorm on vectors", () -> seq(linear(8), bn(), linear(3)), rows, false),
            new Case("batchnorm on images", () -> seq(conv(3), bn(), flatten()), image, false),
            new Case(
                "batchnorm under the norm policy (PolicyBatchNorm)",
                () -> seq(conv(3), bn(), flatten(), linear(6), bn()),
                image,
                true),
            new Case(
                "dropout",
                () -> seq(linear(8), Dropout.builder().optRate(0.5f).build(), linear(2)),
                rows,
                false),
            new Case("ReLU block", () -> seq(linear(8), Activation.reluBlock()), rows, false),
            new Case("sigmoid block", () -> seq(linear(8), Activation.sigmoidBlock()), rows, false),
            new Case("tanh block", () -> seq(linear(8), Activation.tanhBlock()), rows, false),
            new Case("identity block", () -> seq(linear(8), Blocks.identityBlock()), rows, false),
            new Case(
                "anonymous relu, sigmoid, tanh (SequentialBlock.add(Function))",
                () ->
                    new SequentialBlock()
                        .add(linear(8))
                        .add(Activation::relu)
                        .add(linear(8))
                        .add(Activation::sigmoid)
                        .add(linear(8))
                        .add(Activation::tanh),
                rows,
                false),
            new Case(
                "max pool 2x2 on 8x8",
                () -> seq(conv(3), Pool.maxPool2dBlock(new Shape(2, 2)), flatten()),
                image,
                false),
            new Case(
                "max pool 3x3 stride 2 pad 1 ceil mode on 7x7 and 8x8 (partial window)",
                () ->
                    seq(
                        Pool.maxPool2dBlock(
                            new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), true),
                        flatten()),
                new long[] {2, 7, 8},
                false),
            new Case(
                "average pool 2x2",
                () -> seq(conv(3), Pool.avgPool2dBlock(new Shape(2, 2)), flatten()),
                image,
                false),
            new Case(
                "average pool 3x3 stride 1 pad 1, padding counted",
                () ->
                    seq(
                        Pool.avgPool2dBlock(
                            new Shape(3, 3), new Shape(1, 1), new Shape(1, 1), false, true),
                        flatten()),
                image,
                false),
            new Case(
                "average pool 3x3 stride 2 pad 0 ceil mode (partial window)",
                () ->
                    seq(
                        Pool.avgPool2dBlock(
                            new Shape(3, 3), new Shape(2, 2), new Shape(0, 0), true, true),
                        flatten()),
                image,
                false),
            new Case(
                "average pool 3x3 stride 1 pad 1, countIncludePad false (DJL counts it anyway)",
                () ->
                    seq(
                        Pool.avgPool2dBlock(
                            new Shape(3, 3), new Shape(1, 1), new Shape(1, 1), false, false),
                        flatten()),
                image,
                false),
            new Case(
                "global average pool",
                () -> seq(conv(5), Pool.globalAvgPool2dBlock()),
                image,
                false),
            new Case(
                "global max pool", () -> seq(conv(5), Pool.globalMaxPool2dBlock()), image, false),
            new Case(
                "anonymous global average pool",
                () -> seq(conv(5), LambdaBlock.singleton(Pool::globalAvgPool2d)),
                image,
                false),
            new Case(
                "nested sequential blocks",
                () -> seq(seq(linear(8), Activation.reluBlock()), seq(seq(linear(4)))),
                rows,
                false),
            new Case(
                "the built-in MLP",
                () -> new MlpFactory().newBlock(null, null, Map.of("outputs", "3", "hidden", "16")),
                rows,
                false),
            new Case(
                "the built-in small CNN under the norm policy",
                () ->
                    new SmallCnnFactory()
                        .newBlock(null, null, Map.of("outputs", "4", "conv1", "4", "conv2", "6")),
                new long[] {1, 12, 12},
                true))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void onnxRuntimeGivesWhatTheBlockGives(Case c) throws Exception {
    FeatureModelBlock block = block(c.module().get(), c.example(), 0, null, null, c.policyNorm());
    FeatureOnnx.Spec spec = new FeatureOnnx.Spec("x", c.example(), null, null, "y", null, null);
    Path file = dir.resolve("model.onnx");
    FeatureOnnx.write(block, spec, Map.of("finetune4j.input", "test"), file);
    String described = OnnxChecker.check(file);
    assertTrue(described.startsWith("ir 8 opset 17 inputs x outputs y"), described);
    float[] x = gaussian(B * (int) size(c.example()), 3);
    assertClose(djl(block, x, c.example()), ort(file, "x", x, c.example(), "y"), c.name());
  }

  @Test
  void theHeadAndTheOutputMappingFollowTheModule() throws Exception {
    float[] scale = {2.5f, 0.5f};
    float[] shift = {-1f, 10f};
    long[] example = {7};
    FeatureModelBlock block =
        block(
            new MlpFactory().newBlock(null, null, Map.of("outputs", "5", "hidden", "8")),
            example,
            2,
            scale,
            shift,
            false);
    Path file = dir.resolve("head.onnx");
    FeatureOnnx.write(
        block,
        new FeatureOnnx.Spec("features", example, null, null, "values", scale, shift),
        Map.of(),
        file);
    OnnxChecker.check(file);
    float[] x = gaussian(B * 7, 4);
    float[] want = djl(block, x, example);
    assertClose(want, ort(file, "features", x, example, "values"), "head + mapping");
    // the head's weights really are in the graph: without the mapping the outputs differ
    assertFalse(Math.abs(want[1] - 10f) < 1e-3, "the second output is not just the shift");
  }

  @Test
  void normalizationInTheGraphRoundsAsJavasDoubleArithmetic() throws Exception {
    // columns: an ordinary one, a large-mean one with a small std, and a constant one (std 1)
    long[] example = {3};
    double[] mean = {0.25, 1234.5678901, 7.0};
    double[] std = {2.0, 0.0123456789, 1.0};
    FeatureModelBlock block = block(seq(linear(4)), example, 0, null, null, false);
    Path file = dir.resolve("rows.onnx");
    FeatureOnnx.write(
        block,
        new FeatureOnnx.Spec("features", example, mean, std, "y", null, null),
        Map.of(),
        file);
    OnnxChecker.check(file);
    float[] raw = {1f, 1234.6f, 7f, -3f, 1234.5f, 9.5f, 0.25f, 1234.57f, 7f};
    float[] scaled = new float[raw.length];
    for (int i = 0; i < raw.length; i++) {
      int c = i % 3;
      scaled[i] = (float) ((raw[i] - mean[c]) / std[c]); // as Standardizer.apply does
    }
    assertClose(djl(block, scaled, example), ort(file, "features", raw, example, "y"), "rows");

    // per channel over [C, H, W] images, and a reshape: the graph reads [batch, 3*4*4] rows
    long[] image = {3, 4, 4};
    double[] cm = {0.485, 0.456, 0.406};
    double[] cs = {0.229, 0.224, 0.225};
    FeatureModelBlock cnn = block(seq(conv(2), flatten()), image, 0, null, null, false);
    Path pixels = dir.resolve("pixels.onnx");
    FeatureOnnx.write(
        cnn, new FeatureOnnx.Spec("pixels", image, cm, cs, "y", null, null), Map.of(), pixels);
    OnnxChecker.check(pixels);
    float[] px = new float[B * 48];
    Random r = new Random(8);
    for (int i = 0; i < px.length; i++) {
      px[i] = r.nextInt(256) / 255f;
    }
    float[] normalized = new float[px.length];
    for (int i = 0; i < px.length; i++) {
      int ch = (i % 48) / 16;
      normalized[i] = (float) ((px[i] - cm[ch]) / cs[ch]); // as ImageOps.normalize does
    }
    assertClose(djl(cnn, normalized, image), ort(pixels, "pixels", px, image, "y"), "images");
    Path reshaped = dir.resolve("reshaped.onnx");
    FeatureOnnx.write(
        cnn,
        new FeatureOnnx.Spec("rows", new long[] {48}, null, null, "y", null, null),
        Map.of(),
        reshaped);
    OnnxChecker.check(reshaped);
    assertClose(djl(cnn, px, image), ort(reshaped, "rows", px, new long[] {48}, "y"), "reshape");
  }

  @Test
  void aNormalizationStepIsExactlyJavas() throws Exception {
    // an identity network isolates the normalization: ONNX Runtime's float64 Sub/Div and casts
    // round exactly as (float) ((x - mean) / std) in Java
    long[] example = {3};
    double[] mean = {0.1, 1234.5678901, -7.3};
    double[] std = {0.3, 0.0123456789, 1.0};
    FeatureModelBlock block = block(seq(Blocks.identityBlock()), example, 0, null, null, false);
    Path file = dir.resolve("identity.onnx");
    FeatureOnnx.write(
        block, new FeatureOnnx.Spec("f", example, mean, std, "y", null, null), Map.of(), file);
    float[] raw = gaussian(3 * 300, 11);
    for (int i = 1; i < raw.length; i += 3) {
      raw[i] = 1234.5f + raw[i] * 0.05f;
    }
    float[] got = ort(file, "f", raw, example, "y");
    for (int i = 0; i < raw.length; i++) {
      float want = (float) ((raw[i] - mean[i % 3]) / std[i % 3]);
      assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got[i]), "value " + i);
    }
  }

  // ---- refusals ----------------------------------------------------------------------------

  private FeatureOnnx.UnsupportedBlockException refusal(Block module, long[] example) {
    FeatureModelBlock block = block(module, example, 0, null, null, false);
    return assertThrows(
        FeatureOnnx.UnsupportedBlockException.class,
        () ->
            FeatureOnnx.write(
                block,
                new FeatureOnnx.Spec("x", example, null, null, "y", null, null),
                Map.of(),
                dir.resolve("refused.onnx")));
  }

  @Test
  void anUnknownBlockIsNamedWithItsPath() {
    FeatureOnnx.UnsupportedBlockException e =
        refusal(
            seq(linear(4), seq(linear(4), LayerNorm.builder().build()), linear(2)), new long[] {5});
    assertEquals("LayerNorm", e.block());
    assertEquals("1.1", e.path());
    assertFalse(e.torchScript());
    assertTrue(
        e.getMessage()
            .startsWith(
                "unsupported block LayerNorm at path 1.1; the ONNX export writes SequentialBlock,"
                    + " Linear, Conv2d, BatchNorm"),
        e.getMessage());
    assertEquals(
        "ParallelBlock",
        refusal(
                new ParallelBlock(
                    l -> new NDList(l.get(0).singletonOrThrow().add(l.get(1).singletonOrThrow())),
                    List.of(linear(2), linear(2))),
                new long[] {5})
            .block());
    assertEquals("(root)", refusal(LayerNorm.builder().build(), new long[] {5}).path());
    assertEquals(
        "LambdaBlock 'GELU'",
        refusal(seq(linear(4), Activation.geluBlock()), new long[] {5}).block());
    assertTrue(
        assertThrows(
                FeatureOnnx.UnsupportedBlockException.class,
                () -> FeatureOnnx.check(seq(linear(4), Activation.geluBlock())))
            .getMessage()
            .startsWith("unsupported block LambdaBlock 'GELU' at path 1;"));
  }

  @Test
  void aLambdaIsIdentifiedByWhatItComputesNotTrustedBlindly() {
    // a clipped ReLU equals ReLU on small inputs; the test input's 1e3 values tell them apart
    FeatureOnnx.UnsupportedBlockException clip =
        refusal(
            new SequentialBlock()
                .add(linear(4))
                .add(l -> new NDList(l.singletonOrThrow().clip(0, 10))),
            new long[] {5});
    assertEquals("LambdaBlock 'anonymous'", clip.block());
    assertEquals("1", clip.path());
    assertTrue(
        clip.getMessage().contains("on a (2, 4) test input it computes none of [ReLU, sigmoid"),
        clip.getMessage());
    FeatureOnnx.UnsupportedBlockException doubled =
        refusal(
            new SequentialBlock().add(l -> new NDList(l.singletonOrThrow().mul(2))),
            new long[] {5});
    assertEquals("0", doubled.path());
    // a block named ReLU that computes something else is refused, not written as Relu
    FeatureOnnx.UnsupportedBlockException fake =
        refusal(
            seq(new LambdaBlock(l -> new NDList(l.singletonOrThrow().abs()), "ReLU")),
            new long[] {5});
    assertTrue(fake.getMessage().contains("computes none of [ReLU]"), fake.getMessage());
  }

  @Test
  void aBatchNormOnAnotherAxisAndACountedPartialAveragePoolAreRefused() {
    FeatureOnnx.UnsupportedBlockException axis =
        refusal(
            seq(conv(2), BatchNorm.builder().optAxis(2).build(), flatten()), new long[] {1, 4, 4});
    assertEquals("BatchNorm", axis.block());
    assertTrue(
        axis.getMessage().contains("normalizes axis 2 of a rank-4 input"), axis.getMessage());
    FeatureOnnx.UnsupportedBlockException avg =
        refusal(
            seq(
                Pool.avgPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), true, true),
                flatten()),
            new long[] {1, 8, 8});
    assertEquals("LambdaBlock 'avgPool2d'", avg.block());
    assertTrue(avg.getMessage().contains("partial last window"), avg.getMessage());
  }

  @Test
  void aTorchScriptModuleIsRefusedAsSuch() throws Exception {
    Block module = TorchScriptBlock.load(Path.of("models/tabular/diabetes-mlp.pt"), manager);
    FeatureModelBlock block =
        new FeatureModelBlock(module, new long[] {10}, null, 1, 0, 0, null, null);
    block.initialize(manager, DataType.FLOAT32, new Shape(1, 10));
    FeatureOnnx.UnsupportedBlockException e =
        assertThrows(FeatureOnnx.UnsupportedBlockException.class, () -> FeatureOnnx.check(block));
    assertTrue(e.torchScript());
    assertEquals("TorchScriptBlock", e.block());
    assertEquals("(root)", e.path());
    assertTrue(e.getMessage().contains("ONNX needs Python: torch.onnx.export"), e.getMessage());
    assertThrows(
        FeatureOnnx.UnsupportedBlockException.class,
        () ->
            FeatureOnnx.graph(
                block, new FeatureOnnx.Spec("x", new long[] {10}, null, null, "y", null, null)));
  }

  // ---- helpers -----------------------------------------------------------------------------

  private FeatureModelBlock block(
      Block module, long[] example, int head, float[] scale, float[] shift, boolean policyNorm) {
    // the module's width, as the pipeline measures it
    module.initialize(manager, DataType.FLOAT32, batchOf(1, example));
    int features = (int) FeatureModelBlock.probe(module, example, null, manager).get(1);
    FeatureModelBlock block =
        new FeatureModelBlock(module, example, null, features, head, 0.1, scale, shift);
    block.initialize(manager, DataType.FLOAT32, new Shape(1, size(example)));
    if (policyNorm) {
      try {
        assertFalse(NormLayers.attach(block).layers().isEmpty(), "no BatchNorm was wrapped");
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    Random r = new Random(42);
    for (Map.Entry<String, Parameter> e : ParameterNames.of(block).entrySet()) {
      NDArray a = e.getValue().getArray();
      float[] v = new float[(int) a.size()];
      boolean variance = e.getKey().endsWith("running_var");
      for (int i = 0; i < v.length; i++) {
        v[i] = variance ? 0.01f + 0.09f * r.nextFloat() : (float) (r.nextGaussian() * 0.5);
      }
      a.set(v);
    }
    return block;
  }

  private static Shape batchOf(long batch, long[] example) {
    long[] s = new long[example.length + 1];
    s[0] = batch;
    System.arraycopy(example, 0, s, 1, example.length);
    return new Shape(s);
  }

  private static long size(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  private static float[] gaussian(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  private float[] djl(FeatureModelBlock block, float[] x, long[] example) {
    try (NDManager m = manager.newSubManager()) {
      NDArray in = m.create(x, batchOf(x.length / size(example), example));
      return block
          .forward(new ParameterStore(m, false), new NDList(in), false)
          .singletonOrThrow()
          .toFloatArray();
    }
  }

  static float[] ort(Path file, String input, float[] x, long[] example, String output)
      throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] shape = batchOf(x.length / size(example), example).getShape();
    try (OrtSession s = env.createSession(file.toString(), new OrtSession.SessionOptions());
        OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
        OrtSession.Result res = s.run(Map.of(input, t))) {
      float[][] out = (float[][]) res.get(output).orElseThrow().getValue();
      float[] flat = new float[out.length * out[0].length];
      for (int i = 0; i < out.length; i++) {
        System.arraycopy(out[i], 0, flat, i * out[0].length, out[0].length);
      }
      return flat;
    }
  }

  static void assertClose(float[] want, float[] got, String what) {
    assertEquals(want.length, got.length, what + ": size");
    double worst = 0;
    for (int i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs(want[i] - got[i]) / Math.max(1, Math.abs(want[i])));
    }
    assertTrue(worst <= 1e-5, what + ": max |djl - ort| / max(1, |djl|) = " + worst);
  }
}
