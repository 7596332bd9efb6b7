package io.github.finetune4j.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.ParameterList;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.Field;

/**
 * Stands in for a DJL {@link BatchNorm} in its parent's place and decides, per forward pass,
 * whether the layer runs in training mode (normalizes with batch statistics and updates its running
 * statistics) or in inference mode (normalizes with the stored statistics, which stay
 * bit-identical) while gradients still flow to its weight and bias. It is transparent: it owns the
 * wrapped layer's parameters under the same names, saves and loads in the same format, and has no
 * children of its own.
 */
final class PolicyBatchNorm extends AbstractBlock {

  private final BatchNorm inner;
  private final int axis;
  private boolean statisticsFixed;
  private boolean reached;

  /** While re-estimating: sums of batch means and unbiased batch variances, per channel. */
  private double[] sumMean;

  private double[] sumVar;
  private long batches;
  private boolean recalibrating;

  PolicyBatchNorm(BatchNorm inner) {
    this.inner = inner;
    this.axis = axisOf(inner);
    this.inputShapes = inner.getInputShapes();
  }

  /** The wrapped layer (its epsilon and axis, for {@link FeatureOnnx}). */
  BatchNorm inner() {
    return inner;
  }

  void fixStatistics(boolean fixed) {
    this.statisticsFixed = fixed;
  }

  /** Whether a forward pass went through this layer since the last {@link #resetReached()}. */
  boolean reached() {
    return reached;
  }

  void resetReached() {
    reached = false;
  }

  /** Starts a re-estimation: forward passes now accumulate batch statistics. */
  void beginRecalibration() {
    sumMean = null;
    sumVar = null;
    batches = 0;
    recalibrating = true;
  }

  /**
   * Ends a re-estimation: the running statistics become the average over the batches seen of the
   * batch means and of the unbiased batch variances ({@code torch.nn.BatchNorm} with {@code
   * momentum=None}).
   *
   * @return the number of batches averaged (0: nothing was seen, statistics unchanged)
   */
  long endRecalibration() {
    long n = batches;
    if (n > 0) {
      write("runningMean", sumMean, n);
      write("runningVar", sumVar, n);
    }
    sumMean = null;
    sumVar = null;
    batches = 0;
    recalibrating = false;
    return n;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    reached = true;
    if (recalibrating) {
      accumulate(inputs.singletonOrThrow());
      return inner.forward(store, inputs, true, params);
    }
    return inner.forward(store, inputs, training && !statisticsFixed, params);
  }

  private void accumulate(NDArray x) {
    int rank = x.getShape().dimension();
    int ax = axis < 0 ? axis + rank : axis;
    int[] reduce = new int[rank - 1];
    long[] keep = new long[rank];
    for (int i = 0, j = 0; i < rank; i++) {
      keep[i] = i == ax ? x.getShape().get(i) : 1;
      if (i != ax) {
        reduce[j++] = i;
      }
    }
    long count = x.getShape().size() / x.getShape().get(ax);
    NDArray xd = x.toType(DataType.FLOAT64, false);
    NDArray mean = xd.mean(reduce);
    NDArray var =
        xd.sub(mean.reshape(new Shape(keep))).square().sum(reduce).div(Math.max(1, count - 1));
    double[] m = mean.toDoubleArray();
    double[] v = var.toDoubleArray();
    if (sumMean == null) {
      sumMean = new double[m.length];
      sumVar = new double[v.length];
    }
    for (int i = 0; i < m.length; i++) {
      sumMean[i] += m[i];
      sumVar[i] += v[i];
    }
    batches++;
  }

  private void write(String param, double[] sums, long n) {
    NDArray target = inner.getDirectParameters().get(param).getArray();
    float[] avg = new float[sums.length];
    for (int i = 0; i < avg.length; i++) {
      avg[i] = (float) (sums[i] / n);
    }
    try (NDManager m = target.getManager().newSubManager()) {
      target.set(new NDIndex("..."), m.create(avg, target.getShape()));
    }
  }

  @Override
  public ParameterList getDirectParameters() {
    return inner.getDirectParameters();
  }

  @Override
  public boolean isInitialized() {
    return inner.isInitialized();
  }

  @Override
  public void initialize(NDManager manager, DataType dataType, Shape... shapes) {
    if (!inner.isInitialized()) {
      inner.initialize(manager, dataType, shapes);
    }
    this.inputShapes = inner.getInputShapes();
  }

  @Override
  public Shape[] getOutputShapes(Shape[] shapes) {
    return inner.getOutputShapes(shapes);
  }

  @Override
  public void saveParameters(DataOutputStream os) throws IOException {
    inner.saveParameters(os);
  }

  @Override
  public void loadParameters(NDManager manager, DataInputStream is)
      throws IOException, MalformedModelException {
    inner.loadParameters(manager, is);
  }

  @Override
  public String toString() {
    return inner.toString();
  }

  /** DJL keeps the normalized axis private; 1 (channels first) unless built otherwise. */
  private static int axisOf(BatchNorm bn) {
    try {
      Field f = BatchNorm.class.getDeclaredField("axis");
      f.setAccessible(true);
      return f.getInt(bn);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return 1;
    }
  }
}
