package io.github.finetune4j.pipeline;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.github.finetune4j.recipe.Recipe;
import java.util.List;

/**
 * {@code train.device}: where a run computes. {@code auto} takes the engine's GPU when it has one
 * (the CUDA native library, Maven profile {@code cuda}) and the CPU otherwise; {@code cpu} always
 * the CPU; {@code gpu} fails as bad input when the engine has no GPU.
 */
final class Devices {

  private Devices() {}

  /**
   * What is wrong with the recipe's device here (empty: nothing).
   *
   * @param recipe the recipe
   * @return problems
   */
  static List<String> problems(Recipe recipe) {
    if ("gpu".equals(recipe.train().device()) && gpus() == 0) {
      return List.of(
          "train.device: gpu, but the engine ("
              + Engine.getInstance().getEngineName()
              + " "
              + Engine.getInstance().getVersion()
              + ") sees no GPU: this build has the CPU native library (build with -Pcuda on a"
              + " machine with CUDA, see README), or use device cpu or auto");
    }
    return List.of();
  }

  /**
   * The device a recipe's run computes on.
   *
   * @param recipe the recipe
   * @return the device
   */
  static Device of(Recipe recipe) {
    return switch (recipe.train().device()) {
      case "cpu" -> Device.cpu();
      default -> gpus() > 0 ? Device.gpu() : Device.cpu();
    };
  }

  private static int gpus() {
    return Engine.getInstance().getGpuCount();
  }
}
