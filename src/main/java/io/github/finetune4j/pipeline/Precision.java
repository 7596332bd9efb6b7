package io.github.finetune4j.pipeline;

import ai.djl.nn.Block;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.recipe.Recipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code train.precision}: whether a run's matrix products are bfloat16, and whether this CPU has
 * units for them (AMX-BF16 or AVX512-BF16, read from {@code /proc/cpuinfo}; detected, never
 * assumed, since machines differ).
 */
final class Precision {

  private static final boolean CPU_BF16 = detect();

  private Precision() {}

  /**
   * Whether this CPU has bfloat16 matrix units.
   *
   * @return true with AMX-BF16 or AVX512-BF16
   */
  static boolean cpuHasBf16() {
    return CPU_BF16;
  }

  private static boolean detect() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines
          .filter(l -> l.startsWith("flags"))
          .findFirst()
          .map(l -> List.of(l.toLowerCase(Locale.ROOT).split("\\s+")))
          .map(f -> f.contains("amx_bf16") || f.contains("avx512_bf16"))
          .orElse(false);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * What is wrong with the recipe's precision for this model (empty: nothing).
   *
   * @param recipe the recipe
   * @param block the model
   * @return problems
   */
  static List<String> problems(Recipe recipe, Block block) {
    if ("bf16".equals(recipe.train().precision()) && !(block instanceof TextClassifierBlock)) {
      return List.of(
          "train.precision: bf16 runs BERT-family text encoders (model.type bert-onnx or"
              + " safetensors) only; this model is a "
              + block.getClass().getSimpleName()
              + ", which runs in float32: use precision fp32 or auto");
    }
    return List.of();
  }

  /**
   * Whether the run computes in bfloat16: {@code bf16}, or {@code auto} on a CPU with bfloat16
   * units, for a model that supports it.
   *
   * @param recipe the recipe
   * @param block the model
   * @return true for bfloat16
   */
  static boolean bf16(Recipe recipe, Block block) {
    String p = recipe.train().precision();
    return block instanceof TextClassifierBlock
        && ("bf16".equals(p) || ("auto".equals(p) && cpuHasBf16()));
  }
}
