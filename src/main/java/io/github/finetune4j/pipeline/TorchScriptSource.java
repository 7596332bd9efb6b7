package io.github.finetune4j.pipeline;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import io.github.finetune4j.model.TorchScriptBlock;
import io.github.finetune4j.recipe.TorchScriptModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * {@code model: {type: torchscript, path, input_shape, features_method}}: a user's TorchScript
 * module ({@code torch.jit.save}), loaded with {@link TorchScriptBlock#load} so that the norm
 * policy reaches its BatchNorm layers. Its parameters keep their PyTorch names.
 */
final class TorchScriptSource implements FeatureModelSource {

  private final TorchScriptModel spec;

  TorchScriptSource(TorchScriptModel spec) {
    this.spec = spec;
  }

  @Override
  public String describe() {
    return "torchscript " + spec.path();
  }

  @Override
  public String kind() {
    return "torchscript";
  }

  @Override
  public PtSymbolBlock load(NDManager manager) throws BadInputException {
    try {
      return FeatureModelSource.requireScripted(
          TorchScriptBlock.load(Path.of(spec.path()), manager), "model.path", spec.path());
    } catch (IOException e) {
      String m = e.getMessage() == null ? "cannot be read" : e.getMessage();
      // TorchScriptBlock names the file; libtorch's messages run over many lines.
      String first = m.lines().findFirst().orElse(m);
      throw new BadInputException(
          List.of(
              "model.path: "
                  + (first.startsWith(spec.path()) ? first : spec.path() + ": " + first)
                  + " (expected a module saved with"
                  + " torch.jit.save)"));
    }
  }

  @Override
  public long[] exampleShape(int featureCount) throws BadInputException {
    List<Long> declared = spec.inputShape();
    if (declared == null) {
      if (featureCount < 1) {
        throw new BadInputException(
            List.of(
                "model.input_shape: not given, and the number of"
                    + " feature columns is not known; give model.input_shape, e.g. [1, 10]"));
      }
      return new long[] {featureCount};
    }
    if (declared.size() < 2) {
      throw new BadInputException(
          List.of(
              "model.input_shape: "
                  + declared
                  + " has no batch"
                  + " dimension; give the shape of one input batch, e.g. [1, "
                  + declared.get(0)
                  + "]"));
    }
    long[] example =
        declared.subList(1, declared.size()).stream().mapToLong(Long::longValue).toArray();
    long size = Arrays.stream(example).reduce(1, Math::multiplyExact);
    if (featureCount >= 1 && size != featureCount) {
      throw new BadInputException(
          List.of(
              "model.input_shape: "
                  + declared
                  + " takes "
                  + size
                  + " values per example, but data.train has "
                  + featureCount
                  + " feature columns"));
    }
    return example;
  }

  @Override
  public String featuresMethod() {
    return spec.featuresMethod();
  }
}
