package io.github.finetune4j.examples;

import java.nio.file.Path;

/**
 * Your own TorchScript model with a custom group plan and gradual unfreezing: {@code
 * examples/torchscript-gradual.yaml} splits the scripted BatchNorm body of {@code
 * models/tabular/digits-bn-body.pt} into one group per layer and unfreezes them from the top, one
 * every 3 epochs, each lower one at a 2.6x lower rate, with the body's BatchNorm statistics fixed.
 *
 * <pre>
 * examples/run TorchScriptGradual [key=value ...]
 * </pre>
 */
public final class TorchScriptGradual {

  private TorchScriptGradual() {}

  /**
   * Runs the recipe.
   *
   * @param args {@code key=value} overrides of examples/torchscript-gradual.yaml
   * @throws Exception when the recipe is invalid or the run fails
   */
  public static void main(String[] args) throws Exception {
    RecipeProgram.run(Path.of("examples/torchscript-gradual.yaml"), args);
  }
}
