package io.github.finetune4j.optim;

import java.util.List;

/** Validation and buffer names shared by {@link Adam} and {@link AdamW}. */
final class AdamMath {

  static final List<String> BUFFERS = List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq");

  private AdamMath() {}

  static void validate(double beta1, double beta2, double eps) {
    if (!(beta1 >= 0.0 && beta1 < 1.0)) {
      throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
    }
    if (!(beta2 >= 0.0 && beta2 < 1.0)) {
      throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
    }
    if (!(eps >= 0.0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException("eps must be >= 0, got " + eps);
    }
  }
}
