package io.github.finetune4j.cli;

import ai.djl.Model;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import java.nio.file.Path;
import java.util.Map;

/**
 * A DJL block factory as a user writes one for their own model directory ({@code
 * serving.properties} {@code blockFactory=}): {@code Linear(hidden) -> BatchNorm -> ReLU ->
 * Linear(outputs)}, its sizes from the properties {@code hidden} and {@code outputs}. Children:
 * {@code 01Linear}, {@code 02BatchNorm}, {@code 03LambdaBlock}, {@code 04Linear}.
 */
public final class TinyMlpFactory implements BlockFactory {

  private static final long serialVersionUID = 1L;

  /** DJL makes it by name. */
  public TinyMlpFactory() {}

  @Override
  public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
    int hidden = Integer.parseInt(String.valueOf(arguments.get("hidden")));
    int outputs = Integer.parseInt(String.valueOf(arguments.get("outputs")));
    return new SequentialBlock()
        .add(Linear.builder().setUnits(hidden).build())
        .add(BatchNorm.builder().build())
        .add(Activation::relu)
        .add(Linear.builder().setUnits(outputs).build());
  }
}
