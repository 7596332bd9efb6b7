package io.github.finetune4j.pipeline;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.model.MlpFactory;
import io.github.finetune4j.model.SmallCnnFactory;
import io.github.finetune4j.recipe.BuiltinModel;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code model: {type: builtin, architecture: small-cnn | mlp, outputs, hidden}}: an architecture
 * built into the toolkit ({@link SmallCnnFactory}, {@link MlpFactory}), with random weights
 * (initialized, seeded by {@code train.seed}, when the run builds the model). Its export records
 * the factory and its arguments, so the exported directory is a DJL model directory that {@code
 * model: {type: djl}} and plain DJL {@code Criteria} load.
 */
final class BuiltinSource implements FeatureModelSource {

  private final BuiltinModel spec;
  private Map<String, String> arguments;

  BuiltinSource(BuiltinModel spec) {
    this.spec = spec;
  }

  @Override
  public String describe() {
    return "builtin " + spec.architecture() + " (random weights)";
  }

  @Override
  public String kind() {
    return "builtin";
  }

  /** {@code init: random}, the only init: a network trained from scratch. */
  @Override
  public boolean fromScratch() {
    return true;
  }

  @Override
  public Block load(NDManager manager) throws BadInputException {
    if (spec.outputs() == null) {
      throw new BadInputException(List.of("model.outputs: the width of the output is not known"));
    }
    return load(manager, spec.outputs());
  }

  @Override
  public Block load(NDManager manager, int outputs) throws BadInputException {
    arguments = new TreeMap<>();
    arguments.put("outputs", String.valueOf(spec.outputs() != null ? spec.outputs() : outputs));
    arguments.put("hidden", String.valueOf(spec.hidden()));
    try {
      return factory().newBlock(null, null, arguments);
    } catch (IllegalArgumentException | IOException e) {
      throw new BadInputException(List.of("model: " + e.getMessage()));
    }
  }

  @Override
  public void describeModule(ObjectNode module) {
    module.put("block_factory", factory().getClass().getName());
    ObjectNode args = module.putObject("arguments");
    arguments.forEach(args::put);
  }

  private BlockFactory factory() {
    return "mlp".equals(spec.architecture()) ? new MlpFactory() : new SmallCnnFactory();
  }

  @Override
  public long[] exampleShape(int featureCount, long[] natural) throws BadInputException {
    if ("mlp".equals(spec.architecture())) {
      if (natural != null) {
        return new long[] {featureCount}; // an image's pixels, flattened
      }
      return FeatureModelSource.exampleShape(null, featureCount, null);
    }
    if (natural == null || natural.length != 3) {
      throw new BadInputException(
          List.of(
              "model.architecture: small-cnn reads images ([channels, height, width]); give"
                  + " image-folder splits"));
    }
    if (natural[1] < 4 || natural[2] < 4) {
      throw new BadInputException(
          List.of(
              "model.architecture: small-cnn pools twice by 2, so the images must be at least"
                  + " 4x4; give data.image.resize"));
    }
    return natural.clone();
  }

  @Override
  public String featuresMethod() {
    return null;
  }
}
