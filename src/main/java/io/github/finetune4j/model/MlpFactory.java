package io.github.finetune4j.model;

import ai.djl.Model;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import java.nio.file.Path;
import java.util.Map;

/**
 * The built-in multi-layer perceptron ({@code model: {type: builtin, architecture: mlp}}) for
 * feature vectors, a DJL block factory like {@link SmallCnnFactory}:
 *
 * <pre>
 *  0 Linear -> hidden   1 ReLU   2 Dropout 0.1   3 Linear -> hidden   4 ReLU   5 Linear -> outputs
 * </pre>
 *
 * Arguments: {@code outputs} (required) and {@code hidden} (default 64); the input width is
 * inferred when the block is initialized.
 */
public final class MlpFactory implements BlockFactory {

  private static final long serialVersionUID = 1L;

  /** DJL makes it by name. */
  public MlpFactory() {}

  @Override
  public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
    int outputs = SmallCnnFactory.positive(arguments, "outputs", -1);
    int hidden = SmallCnnFactory.positive(arguments, "hidden", 64);
    return new SequentialBlock()
        .add(Linear.builder().setUnits(hidden).build())
        .add(Activation::relu)
        .add(Dropout.builder().optRate(0.1f).build())
        .add(Linear.builder().setUnits(hidden).build())
        .add(Activation::relu)
        .add(Linear.builder().setUnits(outputs).build());
  }
}
