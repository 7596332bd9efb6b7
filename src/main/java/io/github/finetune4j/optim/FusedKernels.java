package io.github.finetune4j.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SGD, Adam and AdamW steps run inside libtorch: the TorchScript module {@code update_kernels.pt}
 * (written by {@code src/test/python/gen_update_kernels.py}) loops over all the tensors of one
 * {@link Updater#step} in one JNI call and applies {@code torch.optim}'s per-tensor operations with
 * torch's own kernels, in place on the weights and the optimizer state.
 *
 * <p>Why: DJL's {@code NDArray} has no {@code add(other, alpha)}, so with DJL operations the
 * coupled weight decay and the final update each need a product into a new full-size temporary and
 * a separate addition: 6 passes over memory and 2 allocations per tensor against torch's 4 passes
 * and 1 allocation, plus a JNI call and a Java object per operation (see {@code
 * docs/benchmarks.md}). Here SGD takes 3 passes and Adam/AdamW torch's passes less two, and nothing
 * is allocated, because the gradients are used as scratch (see {@link Updater}). Where a kernel
 * fuses two of torch.optim's operations ({@code torch.add(d_p, buf, alpha=m, out=buf)}, {@code
 * exp_avg.lerp_}) or uses Adam's algebraically equal "efficient" update (denominator {@code sqrt(v)
 * + eps * sqrt(bc2)}, step {@code lr * sqrt(bc2) / bc1}), values differ from torch 1.13's by
 * float32 rounding only; the golden trajectories still agree within 1e-6 relative.
 *
 * <p>An SGD batch only takes tensors whose momentum buffer already exists (torch's first step,
 * {@code buf = clone(d_p)}, stays in {@link Sgd#update}) and Adam's buffers are created before the
 * call, so that long-lived state is never created inside the inference mode that DJL uses to run
 * TorchScript methods. Only weight decay is handled here; the rules' batches ({@link Sgd#newBatch},
 * {@code AdamMath.newBatch}) decline slots with L1 or L2-SP, which then take the rules' {@link
 * UpdateRule#update}.
 */
final class FusedKernels {

  /** Classpath resource next to this class. */
  static final String RESOURCE = "update_kernels.pt";

  private static final Logger LOG = LoggerFactory.getLogger(FusedKernels.class);

  private final PtSymbolBlock module;
  private long tensorsUpdated;

  private FusedKernels(PtSymbolBlock module) {
    this.module = module;
  }

  /**
   * Loads the kernels into {@code owner} (freed with it).
   *
   * @return the kernels, or {@code null} when {@code owner} is not a PyTorch manager or the module
   *     cannot be loaded (a warning is logged; the caller then uses the DJL operations)
   */
  static FusedKernels load(NDManager owner) {
    if (!(owner instanceof PtNDManager pt)) {
      return null;
    }
    try (InputStream in = FusedKernels.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IOException("classpath resource " + RESOURCE + " not found");
      }
      return new FusedKernels(JniUtils.loadModule(pt, in, true, false));
    } catch (IOException | RuntimeException e) {
      LOG.warn("SGD kernels not loaded, using DJL operations (slower, same results): {}", e);
      return null;
    }
  }

  /** SGD tensors of one step, collected by {@link Sgd}'s batch, then run with {@link #run()}. */
  final class Batch {

    private final double dampening;
    private final boolean nesterov;
    private final Group momentum = new Group();
    private final Group plain = new Group();

    private Batch(double dampening, boolean nesterov) {
      this.dampening = dampening;
      this.nesterov = nesterov;
    }

    /**
     * Adds one tensor if this batch can update it (see the class comment).
     *
     * @param w the parameter array
     * @param g its gradient (used as scratch)
     * @param buf its momentum buffer, {@code null} if it has none yet
     * @param lr the learning rate
     * @param coupledWd the coupled weight decay, 0 for none
     * @param mom the momentum
     * @return whether the tensor was taken
     */
    boolean offer(NDArray w, NDArray g, NDArray buf, double lr, double coupledWd, double mom) {
      if (!(w instanceof PtNDArray && g instanceof PtNDArray)
          || g.getDataType() != w.getDataType()
          || !g.getDevice().equals(w.getDevice())) {
        return false;
      }
      if (mom == 0.0) {
        plain.add(w, g, null, lr, coupledWd, 0.0);
        return true;
      }
      if (!(buf instanceof PtNDArray)
          || buf.getDataType() != w.getDataType()
          || !buf.getDevice().equals(w.getDevice())) {
        return false;
      }
      momentum.add(w, g, buf, lr, coupledWd, mom);
      return true;
    }

    /** Runs the collected updates, at most two calls (with and without momentum). */
    void run() {
      if (!momentum.isEmpty()) {
        call(
            "sgd_momentum",
            IValue.listFrom(momentum.weights()),
            IValue.listFrom(momentum.grads.toArray(PtNDArray[]::new)),
            IValue.listFrom(momentum.bufs.toArray(PtNDArray[]::new)),
            IValue.listFrom(momentum.lrs()),
            IValue.listFrom(momentum.wds()),
            IValue.listFrom(momentum.moms()),
            IValue.from(dampening),
            IValue.from(nesterov));
      }
      if (!plain.isEmpty()) {
        call(
            "sgd_plain",
            IValue.listFrom(plain.weights()),
            IValue.listFrom(plain.grads.toArray(PtNDArray[]::new)),
            IValue.listFrom(plain.lrs()),
            IValue.listFrom(plain.wds()));
      }
    }
  }

  /**
   * A new, empty SGD batch.
   *
   * @param dampening the rule's dampening
   * @param nesterov whether the rule uses Nesterov momentum
   * @return the batch
   */
  Batch batch(double dampening, boolean nesterov) {
    return new Batch(dampening, nesterov);
  }

  /**
   * Adam and AdamW steps collected for one call of the {@code adam} kernel: torch.optim's {@code
   * _single_tensor_adam}/{@code _single_tensor_adamw} with the gradient as scratch for the
   * denominator (torch allocates it), so no allocation at all.
   */
  final class AdamBatch {
    private final double beta2;
    private final double eps;
    private final boolean amsgrad;
    private final List<PtNDArray> weights = new ArrayList<>();
    private final List<PtNDArray> grads = new ArrayList<>();
    private final List<PtNDArray> expAvgs = new ArrayList<>();
    private final List<PtNDArray> expAvgSqs = new ArrayList<>();
    private final List<PtNDArray> maxExpAvgSqs = new ArrayList<>();
    private final List<double[]> scalars = new ArrayList<>();

    private AdamBatch(double beta2, double eps, boolean amsgrad) {
      this.beta2 = beta2;
      this.eps = eps;
      this.amsgrad = amsgrad;
    }

    double beta2() {
      return beta2;
    }

    boolean amsgrad() {
      return amsgrad;
    }

    /**
     * Takes one tensor when every array is a PyTorch array of the weight's type and device.
     *
     * @param coupledWd Adam's coupled weight decay (0 for none)
     * @param decoupledFactor AdamW's {@code 1 - lr * wd} (1 for none)
     * @param stepSize {@code lr / (1 - beta1^t)}
     * @param bc2Sqrt {@code sqrt(1 - beta2^t)}
     * @return false when the tensor must take the DJL path
     */
    boolean offer(
        NDArray w,
        NDArray g,
        NDArray m,
        NDArray v,
        NDArray max,
        double coupledWd,
        double decoupledFactor,
        double beta1,
        double stepSize,
        double bc2Sqrt) {
      for (NDArray a : amsgrad ? new NDArray[] {g, m, v, max} : new NDArray[] {g, m, v}) {
        if (!(a instanceof PtNDArray)
            || a.getDataType() != w.getDataType()
            || !a.getDevice().equals(w.getDevice())) {
          return false;
        }
      }
      if (!(w instanceof PtNDArray)) {
        return false;
      }
      weights.add((PtNDArray) w);
      grads.add((PtNDArray) g);
      expAvgs.add((PtNDArray) m);
      expAvgSqs.add((PtNDArray) v);
      if (amsgrad) {
        maxExpAvgSqs.add((PtNDArray) max);
      }
      scalars.add(new double[] {coupledWd, decoupledFactor, beta1, stepSize, bc2Sqrt});
      return true;
    }

    /** Runs the collected updates in one call. */
    void run() {
      if (weights.isEmpty()) {
        return;
      }
      call(
          "adam",
          IValue.listFrom(weights.toArray(PtNDArray[]::new)),
          IValue.listFrom(grads.toArray(PtNDArray[]::new)),
          IValue.listFrom(expAvgs.toArray(PtNDArray[]::new)),
          IValue.listFrom(expAvgSqs.toArray(PtNDArray[]::new)),
          IValue.listFrom(maxExpAvgSqs.toArray(PtNDArray[]::new)),
          IValue.listFrom(column(0)),
          IValue.listFrom(column(1)),
          IValue.listFrom(column(2)),
          IValue.listFrom(column(3)),
          IValue.listFrom(column(4)),
          IValue.from(beta2),
          IValue.from(eps),
          IValue.from(amsgrad));
    }

    private double[] column(int k) {
      return FusedKernels.column(scalars, k);
    }
  }

  AdamBatch adamBatch(double beta2, double eps, boolean amsgrad) {
    return new AdamBatch(beta2, eps, amsgrad);
  }

  /** How many tensor updates the kernels have applied since loading (a probe for tests). */
  long tensorsUpdated() {
    return tensorsUpdated;
  }

  private void call(String method, IValue... args) {
    try (IValue result = IValueUtils.runMethod(module, method, args)) {
      // the number of tensors updated; the call itself raises on any error
      tensorsUpdated += result.toLong();
    } finally {
      for (IValue a : args) {
        a.close();
      }
    }
  }

  /** Parallel lists of one method's arguments. */
  private static final class Group {
    final List<NDArray> weights = new ArrayList<>();
    final List<PtNDArray> grads = new ArrayList<>();
    final List<PtNDArray> bufs = new ArrayList<>();
    final List<double[]> scalars = new ArrayList<>();

    void add(NDArray w, NDArray g, NDArray buf, double lr, double wd, double mom) {
      weights.add(w);
      grads.add((PtNDArray) g);
      if (buf != null) {
        bufs.add((PtNDArray) buf);
      }
      scalars.add(new double[] {lr, wd, mom});
    }

    boolean isEmpty() {
      return weights.isEmpty();
    }

    /**
     * The weights themselves, not detached views: DJL runs TorchScript methods with autograd off
     * (inference mode), where in-place updates of a leaf that requires gradients are allowed, as
     * under torch.optim's no_grad. A view per tensor would cost a JNI call, an object and a release
     * each (about 2 ms per ResNet-18 step, a quarter of the step).
     */
    PtNDArray[] weights() {
      return weights.stream().map(w -> (PtNDArray) w).toArray(PtNDArray[]::new);
    }

    double[] lrs() {
      return column(0);
    }

    double[] wds() {
      return column(1);
    }

    double[] moms() {
      return column(2);
    }

    private double[] column(int k) {
      return FusedKernels.column(scalars, k);
    }
  }

  /** Column {@code k} of per-tensor scalar rows, as one array for an {@code IValue} list. */
  private static double[] column(List<double[]> rows, int k) {
    double[] out = new double[rows.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = rows.get(i)[k];
    }
    return out;
  }
}
