package io.github.finetune4j.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A TorchScript module loaded by Finetune4J: a {@link PtSymbolBlock} that also knows its module
 * tree ({@link TorchScriptStructure}) and can run a <em>training</em> forward pass (gradients
 * recorded) with the module in inference mode, which is how its BatchNorm layers keep their running
 * statistics fixed while training.
 *
 * <p>DJL switches a scripted module between {@code train()} and {@code eval()} as a whole and
 * records no gradient in {@code eval()} forward passes; submodules' modes and buffers are out of
 * reach. So statistics can be fixed only for all BatchNorm layers of a module together, and only
 * when nothing else in the module changes behaviour in inference mode (see {@link NormLayers}).
 */
public final class TorchScriptBlock extends PtSymbolBlock {

  private final TorchScriptStructure structure;
  private boolean statisticsFixed;

  private TorchScriptBlock(PtNDManager manager, long handle, TorchScriptStructure structure) {
    super(manager, handle);
    this.structure = structure;
  }

  /**
   * Loads a TorchScript file ({@code torch.jit.save}) onto the manager's device.
   *
   * @param file the {@code .pt} file
   * @param manager a PyTorch-engine manager that will own the module
   * @return the block
   * @throws IOException when the file cannot be read or is not TorchScript
   */
  public static TorchScriptBlock load(Path file, NDManager manager) throws IOException {
    TorchScriptStructure structure;
    try {
      structure = TorchScriptStructure.read(file);
    } catch (IOException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
    long handle;
    try (InputStream in = Files.newInputStream(file)) {
      handle = JniUtils.loadModuleHandle(in, manager.getDevice(), true, false);
    } catch (RuntimeException e) {
      throw new IOException(file + ": PyTorch could not load it: " + e.getMessage(), e);
    }
    return new TorchScriptBlock((PtNDManager) manager, handle, structure);
  }

  /**
   * Always true: a loaded module's parameters all hold their values. Otherwise DJL would
   * "initialize" the block at its first training forward pass, which sets every parameter to
   * require gradients again — those of frozen groups included, which then get gradients computed
   * and accumulated (never reset, since they are not updated) until they unfreeze.
   *
   * @return true
   */
  @Override
  public boolean isInitialized() {
    return true;
  }

  /**
   * The module tree read from the archive.
   *
   * @return the structure
   */
  public TorchScriptStructure structure() {
    return structure;
  }

  /**
   * Whether training forward passes run the module in inference mode (statistics fixed).
   *
   * @param fixed true to keep every BatchNorm layer's running statistics fixed
   */
  void fixStatistics(boolean fixed) {
    this.statisticsFixed = fixed;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    // Set the mode on every call: DJL's cached mode flag is not ours to rely on.
    if (training && !statisticsFixed) {
      JniUtils.enableTrainingMode(this);
    } else {
      JniUtils.enableInferenceMode(this);
    }
    // "training" here only decides whether autograd records the pass.
    return IValueUtils.forward(this, inputs, training);
  }
}
