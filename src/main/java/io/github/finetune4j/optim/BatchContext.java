package io.github.finetune4j.optim;

import ai.djl.ndarray.NDManager;

/**
 * What the {@link Updater} lends an {@link UpdateRule#newBatch} for one step: a manager for the
 * batch's temporaries, closed after {@link UpdateRule.Batch#run()}. (The built-in rules also reach
 * the updater's TorchScript kernels through it.)
 */
public final class BatchContext {

  private final NDManager stateManager;
  private final Updater updater;
  private NDManager scope;

  BatchContext(Updater updater, NDManager stateManager) {
    this.updater = updater;
    this.stateManager = stateManager;
  }

  /**
   * A manager for this step's batch temporaries, made on first use and closed by the updater after
   * the batch has run. The {@link ParamContext#manager()} of every slot offered to the batch is
   * this one.
   *
   * @return the manager
   */
  public NDManager manager() {
    if (scope == null) {
      scope = stateManager.newSubManager();
    }
    return scope;
  }

  /** The updater's fused kernels, loaded on first use; null where they cannot be loaded. */
  FusedKernels fusedKernels() {
    return updater.kernels();
  }

  /** Closes the step's manager, if one was made. */
  void close() {
    if (scope != null) {
      scope.close();
      scope = null;
    }
  }
}
