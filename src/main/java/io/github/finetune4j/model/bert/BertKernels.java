package io.github.finetune4j.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * One BERT encoder layer with bfloat16 matrix products, run inside libtorch: the TorchScript module
 * {@code bert_kernels.pt} (written by {@code src/test/python/gen_bert_kernels.py}) casts the
 * layer's input and float32 master weights to bfloat16 for the six linear layers and the two
 * attention products and keeps the residual stream, softmax and LayerNorm in float32, as {@code
 * torch.autocast("cpu", torch.bfloat16)} does. DJL 0.36 cannot hold a bfloat16 array itself ({@code
 * toType(BFLOAT16)} aborts the JVM), so no bfloat16 tensor ever reaches Java.
 *
 * <p>The method is called with autograd as the thread has it (recording inside a {@code
 * GradientCollector}, not outside), never in libtorch's inference mode, so that its outputs can be
 * used by later training steps; dropout draws from libtorch's default generator, as DJL's does.
 */
public final class BertKernels implements AutoCloseable {

  /** Classpath resource next to this class. */
  static final String RESOURCE = "bert_kernels.pt";

  /** DJL's input name that selects a module method. */
  private static final String METHOD = "module_method:layer_bf16";

  private final PtSymbolBlock module;

  private BertKernels(PtSymbolBlock module) {
    this.module = module;
  }

  /**
   * Loads the kernel into {@code owner} (freed with it, or with {@link #close}).
   *
   * @param owner a PyTorch manager
   * @return the kernel
   * @throws IllegalArgumentException when {@code owner} is not a PyTorch manager
   * @throws UncheckedIOException when the module cannot be read
   */
  public static BertKernels load(NDManager owner) {
    if (!(owner instanceof PtNDManager pt)) {
      throw new IllegalArgumentException("bfloat16 layers need the PyTorch engine");
    }
    try (InputStream in = BertKernels.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IOException("classpath resource " + RESOURCE + " not found");
      }
      return new BertKernels(JniUtils.loadModule(pt, in, true, false));
    } catch (IOException e) {
      throw new UncheckedIOException("the bfloat16 layer kernel cannot be loaded", e);
    }
  }

  /**
   * Runs one layer.
   *
   * @param x hidden states {@code [B, T, H]}, float32
   * @param additiveMask {@code [B, 1, 1, T]}, 0 for tokens and a large negative value for padding
   * @param weights the layer's 16 parameters in the order of the script (query, key, value,
   *     attention output dense, its LayerNorm, intermediate dense, output dense, its LayerNorm;
   *     each weight then bias)
   * @param config the layer's architecture
   * @param training whether dropout is active
   * @return the layer's output {@code [B, T, H]}, float32
   */
  NDArray layer(
      NDArray x, NDArray additiveMask, NDArray[] weights, BertConfig config, boolean training) {
    NDManager m = x.getManager();
    NDArray cfg =
        m.create(
            new float[] {
              config.numHeads(),
              (float) config.layerNormEps(),
              (float) config.hiddenDropout(),
              (float) config.attentionDropout(),
              training ? 1f : 0f
            });
    NDArray select = m.zeros(new ai.djl.ndarray.types.Shape(1));
    select.setName(METHOD);
    NDList in = new NDList(weights.length + 4);
    in.add(x);
    in.add(additiveMask);
    for (NDArray w : weights) {
      in.add(w);
    }
    in.add(cfg);
    in.add(select);
    return IValueUtils.forward(module, in, true).singletonOrThrow();
  }

  @Override
  public void close() {
    module.close();
  }
}
