package io.github.finetune4j.model;

import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.nio.file.Path;
import java.util.Map;

/**
 * The built-in small CNN ({@code model: {type: builtin, architecture: small-cnn}}), a DJL block
 * factory so that an export names it in {@code serving.properties} and plain DJL rebuilds it. For
 * {@code [channels, height, width]} images:
 *
 * <pre>
 *  0 Conv2d 3x3, pad 1 -> conv1   1 BatchNorm   2 ReLU   3 MaxPool 2x2
 *  4 Conv2d 3x3, pad 1 -> conv2   5 BatchNorm   6 ReLU   7 MaxPool 2x2
 *  8 flatten   9 Linear -> hidden   10 ReLU   11 Linear -> outputs
 * </pre>
 *
 * (the indices are its parameters' names in a plan: {@code 0.weight}, {@code 1.running_mean}, ...;
 * cut at {@code 10} for its {@code hidden} features). Arguments: {@code outputs} (required), {@code
 * conv1} (default 16), {@code conv2} (32), {@code hidden} (64). Input sizes are inferred when the
 * block is initialized, so one factory serves any image size (height and width at least 4).
 */
public final class SmallCnnFactory implements BlockFactory {

  private static final long serialVersionUID = 1L;

  /** DJL makes it by name. */
  public SmallCnnFactory() {}

  @Override
  public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
    int outputs = positive(arguments, "outputs", -1);
    int conv1 = positive(arguments, "conv1", 16);
    int conv2 = positive(arguments, "conv2", 32);
    int hidden = positive(arguments, "hidden", 64);
    return new SequentialBlock()
        .add(conv(conv1))
        .add(BatchNorm.builder().build())
        .add(Activation::relu)
        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
        .add(conv(conv2))
        .add(BatchNorm.builder().build())
        .add(Activation::relu)
        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(hidden).build())
        .add(Activation::relu)
        .add(Linear.builder().setUnits(outputs).build());
  }

  private static Block conv(int filters) {
    return Conv2d.builder()
        .setKernelShape(new Shape(3, 3))
        .optPadding(new Shape(1, 1))
        .setFilters(filters)
        .build();
  }

  static int positive(Map<String, ?> arguments, String key, int fallback) {
    Object v = arguments.get(key);
    if (v == null) {
      if (fallback < 0) {
        throw new IllegalArgumentException("the argument '" + key + "' is required");
      }
      return fallback;
    }
    int n;
    try {
      n = Integer.parseInt(String.valueOf(v).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "the argument '" + key + "' must be a whole number, got " + v);
    }
    if (n < 1) {
      throw new IllegalArgumentException("the argument '" + key + "' must be at least 1, got " + n);
    }
    return n;
  }
}
