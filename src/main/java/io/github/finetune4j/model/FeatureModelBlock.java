package io.github.finetune4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Arrays;
import java.util.List;

/**
 * A module that reads feature vectors — a TorchScript module, or a DJL-native block — with an
 * optional new linear head and an optional fixed output mapping: {@code x [batch, F] -> module ->
 * [dropout, head] -> [out · scale + shift]}.
 *
 * <p>The module is a child under the empty name, so its parameters keep their PyTorch names ({@code
 * body.0.weight}); the head is the child {@code head} ({@code head.weight}, {@code head.bias}). A
 * batch of feature rows is reshaped to {@code [batch, ...exampleShape]} when the module takes more
 * than one dimension per example (e.g. {@code [1, 8, 8]} images). With a method name the module's
 * exported method of that name is run instead of {@code forward} (DJL's {@code module_method:}
 * input convention), with gradients recorded like {@code forward}.
 *
 * <p>The output mapping (a regression's target standardization undone) is made of constants that
 * are no parameters: they are stored by the pipeline's metadata, not in the parameter file.
 */
public final class FeatureModelBlock extends AbstractBlock implements Segmented {

  private static final byte VERSION = 1;

  /** Prefix of DJL's input name that selects a module method other than forward. */
  private static final String METHOD_INPUT = "module_method:";

  private final Block module;
  private final Block head;
  private final long[] exampleShape;
  private final String method;
  private final int features;
  private final int outputs;
  private final float dropout;
  private final float[] scale;
  private final float[] shift;

  /**
   * Creates the block; call {@link #initialize} (which sets up the head) before training.
   *
   * @param module the TorchScript module (loaded, or an empty {@link PtSymbolBlock} to load into),
   *     or a DJL-native block
   * @param exampleShape the module's input shape of one example, e.g. {@code [10]} or {@code [1, 8,
   *     8]}
   * @param method the exported method that returns the outputs, or null for {@code forward}
   * @param features the width of the module's output, {@code [batch, features]}
   * @param head the outputs of a new linear head on the module's output, or 0 for none (the
   *     module's output is the block's)
   * @param dropout dropout before the new head, in training
   * @param scale per output, the factor of the output mapping, or null for none
   * @param shift per output, the offset of the output mapping (with {@code scale})
   */
  public FeatureModelBlock(
      Block module,
      long[] exampleShape,
      String method,
      int features,
      int head,
      double dropout,
      float[] scale,
      float[] shift) {
    super(VERSION);
    int outputs = head > 0 ? head : features;
    if (method != null && !(module instanceof PtSymbolBlock)) {
      throw new IllegalArgumentException("only a TorchScript module has exported methods");
    }
    if (scale != null && (shift == null || scale.length != outputs || shift.length != outputs)) {
      throw new IllegalArgumentException(
          "the output mapping needs " + outputs + " factors and offsets");
    }
    this.module = addChildBlock("", module);
    this.head = head > 0 ? addChildBlock("head", Linear.builder().setUnits(head).build()) : null;
    this.exampleShape = exampleShape.clone();
    this.method = method;
    this.features = features;
    this.outputs = outputs;
    this.dropout = (float) dropout;
    this.scale = scale == null ? null : scale.clone();
    this.shift = shift == null ? null : shift.clone();
  }

  /**
   * The module: a TorchScript module ({@link PtSymbolBlock}) or a DJL-native block.
   *
   * @return the module
   */
  public Block module() {
    return module;
  }

  /**
   * The number of outputs per example.
   *
   * @return the width of the block's output
   */
  public int outputs() {
    return outputs;
  }

  /**
   * The module's input shape of one example.
   *
   * @return a copy, e.g. {@code [10]}
   */
  public long[] exampleShape() {
    return exampleShape.clone();
  }

  /**
   * The width of the module's own output.
   *
   * @return values per example
   */
  public int moduleOutputs() {
    return features;
  }

  /**
   * Whether an output mapping (a regression's target standardization undone) follows.
   *
   * @return true with one
   */
  public boolean hasOutputMapping() {
    return scale != null;
  }

  /**
   * Whether a new head is put on the module's output.
   *
   * @return true with a head
   */
  public boolean hasHead() {
    return head != null;
  }

  /**
   * Runs the module alone on a batch of one example of zeros, in inference mode (no running
   * statistic moves), and returns the shape of its output: how many values it gives per example.
   *
   * @param module the module
   * @param exampleShape its input shape of one example
   * @param method the exported method to run, or null for {@code forward}
   * @param manager owns the temporaries
   * @return the output shape, {@code [1, ...]}
   */
  public static Shape probe(Block module, long[] exampleShape, String method, NDManager manager) {
    try (NDManager sm = manager.newSubManager()) {
      long[] shape = new long[exampleShape.length + 1];
      shape[0] = 1;
      System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
      NDList in = inputs(sm.zeros(new Shape(shape)), method);
      NDList out = module.forward(new ParameterStore(sm, false), in, false);
      return out.singletonOrThrow().getShape();
    }
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return forwardSegments(ps, inputs, 0, segments().size(), training);
  }

  /**
   * With a new head: {@code module} (every parameter but the head's) and {@code head} (dropout, the
   * head, the output mapping); without one, the module alone (nothing to cache).
   */
  @Override
  public List<Segment> segments() {
    if (head == null) {
      return List.of(new Segment("module", n -> true));
    }
    return List.of(
        new Segment("module", n -> !n.startsWith("head.")),
        new Segment("head", n -> n.startsWith("head.")));
  }

  @Override
  public NDList forwardSegments(
      ParameterStore ps, NDList inputs, int from, int to, boolean training) {
    NDArray out = inputs.singletonOrThrow();
    if (from == 0 && to > 0) {
      out = module(ps, out, training);
    }
    if (head == null ? to > 0 : to > 1) {
      out = tail(ps, out, training);
    }
    return new NDList(out);
  }

  private NDArray module(ParameterStore ps, NDArray x, boolean training) {
    if (exampleShape.length != 1) {
      long[] shape = new long[exampleShape.length + 1];
      shape[0] = x.getShape().get(0);
      System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
      x = x.reshape(new Shape(shape));
    }
    return module.forward(ps, inputs(x, method), training).singletonOrThrow();
  }

  /** The new head and the output mapping on the module's output. */
  private NDArray tail(ParameterStore ps, NDArray out, boolean training) {
    if (head != null) {
      if (training && dropout > 0) {
        out = Dropout.dropout(out, dropout, true).singletonOrThrow();
      }
      out = head.forward(ps, new NDList(out), training).singletonOrThrow();
    }
    if (scale != null) {
      // Constants in engine-owned storage (a copy), never aliasing a Java buffer: autograd keeps
      // the factor for the backward pass (see docs/decisions.md, memory safety).
      NDManager m = out.getManager(); // the batch's (per-step) manager
      try (NDArray s = m.create(scale);
          NDArray b = m.create(shift)) {
        NDArray factor = s.duplicate();
        NDArray offset = b.duplicate();
        out = out.mul(factor).add(offset);
      }
    }
    return out;
  }

  private static NDList inputs(NDArray x, String method) {
    if (method == null) {
      return new NDList(x);
    }
    NDArray select = x.getManager().zeros(new Shape(1));
    select.setName(METHOD_INPUT + method);
    return new NDList(x, select);
  }

  /**
   * Initializes the head and marks the module initialized for its batch shape. The module must be
   * marked here, before any freezing is applied: DJL initializes a block at its first training
   * forward pass if it was not, and for a TorchScript module that sets every parameter to require
   * gradients again — frozen ones included.
   */
  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    long[] shape = new long[exampleShape.length + 1];
    shape[0] = inputShapes[0].get(0);
    System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
    module.initialize(manager, dataType, new Shape(shape));
    if (head != null) {
      head.initialize(manager, dataType, new Shape(inputShapes[0].get(0), features));
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), outputs)};
  }

  @Override
  public String toString() {
    return "FeatureModelBlock(example "
        + Arrays.toString(exampleShape)
        + ", features "
        + features
        + (head == null ? ", own output" : ", head " + outputs)
        + ")";
  }
}
