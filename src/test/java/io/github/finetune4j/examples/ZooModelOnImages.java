package io.github.finetune4j.examples;

import java.nio.file.Path;

/**
 * A DJL model-zoo CNN fine-tuned on an image folder: {@code examples/zoo-image-folder.yaml} names
 * the zoo id {@code djl://ai.djl.pytorch/resnet18_embedding}, exactly as a DJL user writes it in
 * {@code Criteria.builder().optModelUrls(...)}, and the toolkit loads it through DJL's {@code
 * Criteria}, puts a new head on its 512 features, and fine-tunes it on the 8x8 digits (resized to
 * 224x224 RGB). The zoo download needs the network; any DJL model URL or directory can replace it
 * by an override, e.g. {@code model.url=models/mnist-cnn} (what the offline test does).
 *
 * <pre>
 * examples/run ZooModelOnImages [key=value ...]
 * </pre>
 */
public final class ZooModelOnImages {

  private ZooModelOnImages() {}

  /**
   * Runs the recipe.
   *
   * @param args {@code key=value} overrides of examples/zoo-image-folder.yaml
   * @throws Exception when the recipe is invalid or the run fails
   */
  public static void main(String[] args) throws Exception {
    RecipeProgram.run(Path.of("examples/zoo-image-folder.yaml"), args);
  }
}
