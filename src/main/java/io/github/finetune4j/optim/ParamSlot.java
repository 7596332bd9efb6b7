package io.github.finetune4j.optim;

import ai.djl.ndarray.NDArray;

/**
 * One parameter as the {@link Updater} sees it for one step.
 *
 * @param name the parameter's stable name; optimizer state is keyed by it
 * @param weight the parameter's array, updated in place
 * @param grad its gradient for this step; {@link Updater#step} may use it as scratch, so its
 *     contents are unspecified after the step
 * @param hyper the group's hyper-parameters for this step
 * @param anchor the starting-point weights for L2-SP, or {@code null} when {@code hyper.l2sp()} is
 *     0
 */
public record ParamSlot(
    String name, NDArray weight, NDArray grad, GroupHyper hyper, NDArray anchor) {

  /** Checks that the arrays are present and agree in shape. */
  public ParamSlot {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("parameter name must not be empty");
    }
    if (weight == null || grad == null || hyper == null) {
      throw new IllegalArgumentException(name + ": weight, grad and hyper must not be null");
    }
    if (!weight.getShape().equals(grad.getShape())) {
      throw new IllegalArgumentException(
          name + ": gradient shape " + grad.getShape() + " != weight shape " + weight.getShape());
    }
    if (hyper.l2sp() > 0.0 && anchor == null) {
      throw new IllegalArgumentException(name + ": L2-SP coefficient > 0 needs an anchor array");
    }
    if (anchor != null && !weight.getShape().equals(anchor.getShape())) {
      throw new IllegalArgumentException(
          name + ": anchor shape " + anchor.getShape() + " != weight shape " + weight.getShape());
    }
  }

  /**
   * A slot without an L2-SP anchor.
   *
   * @param name the parameter name
   * @param weight the parameter array
   * @param grad its gradient
   * @param hyper the group hyper-parameters
   * @return the slot
   */
  public static ParamSlot of(String name, NDArray weight, NDArray grad, GroupHyper hyper) {
    return new ParamSlot(name, weight, grad, hyper, null);
  }
}
