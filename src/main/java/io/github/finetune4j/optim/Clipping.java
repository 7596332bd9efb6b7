package io.github.finetune4j.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.List;

/**
 * Gradient clipping in place, with {@code torch.nn.utils} semantics. Temporaries are freed before
 * returning.
 */
public final class Clipping {

  private Clipping() {}

  /**
   * {@code torch.nn.utils.clip_grad_norm_} with the 2-norm: the total norm is the norm of all
   * gradients concatenated; if {@code maxNorm / (total + 1e-6) < 1} every gradient is multiplied by
   * that coefficient (computed in float32 as torch does).
   *
   * @param grads gradient arrays, modified in place
   * @param maxNorm the largest allowed total norm, {@code > 0}
   * @return the total norm before clipping
   */
  public static double clipGlobalNorm(List<NDArray> grads, double maxNorm) {
    return clipGlobalNorm(grads, maxNorm, null);
  }

  /**
   * {@link #clipGlobalNorm(List, double)} that also returns each gradient's squared norm as
   * measured before clipping (so a caller can tell which gradients were not finite, even after a
   * NaN total has scaled every gradient).
   *
   * @param grads the gradients, modified in place
   * @param maxNorm the largest allowed global norm (positive)
   * @param squaredNorms filled with each gradient's squared L2 norm before clipping (may be null;
   *     else at least {@code grads.size()} long)
   * @return the global norm before clipping
   */
  public static double clipGlobalNorm(List<NDArray> grads, double maxNorm, double[] squaredNorms) {
    if (!(maxNorm > 0.0)) {
      throw new IllegalArgumentException("maxNorm must be > 0, got " + maxNorm);
    }
    if (grads.isEmpty()) {
      return 0.0;
    }
    try (NDManager scope = NDManager.subManagerOf(grads.get(0))) {
      double sumSq = 0.0;
      NDArray[] views = new NDArray[grads.size()];
      for (int i = 0; i < views.length; i++) {
        views[i] = Updater.view(grads.get(i), scope);
        double n = views[i].norm().toType(DataType.FLOAT32, false).getFloat();
        sumSq += n * n;
        if (squaredNorms != null) {
          squaredNorms[i] = n * n;
        }
      }
      float total = (float) Math.sqrt(sumSq);
      // torch: clip_coef = max_norm / (total_norm + 1e-6), clamped to at most 1, in float32
      float coef = (float) maxNorm / (total + 1e-6f);
      if (coef < 1.0f || Float.isNaN(coef)) {
        for (NDArray v : views) {
          v.muli(coef);
        }
      }
      return total;
    }
  }

  /**
   * {@code torch.nn.utils.clip_grad_value_}: clamps every element into {@code [-clipValue,
   * clipValue]}.
   *
   * @param grads gradient arrays, modified in place
   * @param clipValue the bound, {@code >= 0}
   */
  public static void clipValue(List<NDArray> grads, double clipValue) {
    if (!(clipValue >= 0.0) || Double.isInfinite(clipValue)) {
      throw new IllegalArgumentException(
          "clipValue must be a finite number >= 0, got " + clipValue);
    }
    if (grads.isEmpty()) {
      return;
    }
    float v = (float) clipValue;
    try (NDManager scope = NDManager.subManagerOf(grads.get(0))) {
      for (NDArray g : grads) {
        NDArray view = Updater.view(g, scope);
        view.set(new NDIndex("..."), view.clip(-v, v));
      }
    }
  }
}
