package io.github.finetune4j.pipeline;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import io.github.finetune4j.model.TorchScriptBlock;
import io.github.finetune4j.recipe.TorchScriptModel;
import java.io.IOException;
import java.nio.file.Path;
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

  /**
   * The metadata next to the file, when the file is the {@value Exporter#TORCHSCRIPT_FILE} of a
   * Finetune4J export.
   */
  @Override
  public Path exportMetadata() {
    try {
      Path file = Path.of(spec.path()).toAbsolutePath();
      return Exporter.TORCHSCRIPT_FILE.equals(String.valueOf(file.getFileName()))
          ? FeatureModelSource.exportMetadata(file.resolveSibling(Exporter.MODEL_CONFIG))
          : null;
    } catch (RuntimeException e) {
      return null; // not a path here; loading it says what is wrong
    }
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
  public long[] exampleShape(int featureCount, long[] natural) throws BadInputException {
    return FeatureModelSource.exampleShape(spec.inputShape(), featureCount, natural);
  }

  @Override
  public String featuresMethod() {
    return spec.featuresMethod();
  }
}
