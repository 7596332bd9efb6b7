package io.github.finetune4j.pipeline;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import io.github.finetune4j.model.TorchScriptBlock;
import java.util.List;

/**
 * A model source of modules that read fixed-length feature vectors (tabular rows), whose own output
 * is either the prediction ({@code head.replace: none}) or the features a new head is put on. One
 * class per kind; {@link ModelSources} registers them.
 */
interface FeatureModelSource extends ModelSource {

  @Override
  default InputKind inputKind() {
    return InputKind.FEATURES;
  }

  /**
   * The {@code model.type} written into the exported metadata, e.g. {@code torchscript}.
   *
   * @return the kind
   */
  String kind();

  /**
   * Loads the module, its parameters under their own names (e.g. {@code body.0.weight}).
   *
   * @param manager the PyTorch-engine manager that owns it
   * @return the module
   * @throws BadInputException when the file cannot be read or is not a module of this kind
   */
  PtSymbolBlock load(NDManager manager) throws BadInputException;

  /**
   * The module's input shape of one example.
   *
   * @param featureCount the number of feature columns of the data, or -1 when not known
   * @return the shape, e.g. {@code [10]} or {@code [1, 8, 8]}
   * @throws BadInputException when the declared input shape does not fit the data, or neither is
   *     known
   */
  long[] exampleShape(int featureCount) throws BadInputException;

  /**
   * The exported method whose output the head is put on, or null for {@code forward}.
   *
   * @return the method name, or null
   */
  String featuresMethod();

  /**
   * Refuses a module saved with {@code torch.jit.trace} whose BatchNorm or Dropout layers are fixed
   * in the mode it was traced in: the norm policy and the training mode would silently not apply to
   * them.
   *
   * @param block the loaded module
   * @param key the recipe key that names it, e.g. {@code model.path}
   * @param file the file, for the message
   * @return the block
   * @throws BadInputException naming the layers and the fix
   */
  static TorchScriptBlock requireScripted(TorchScriptBlock block, String key, Object file)
      throws BadInputException {
    List<String> fixed =
        block.structure().modeFixedByTracing().stream()
            .map(m -> (m.path().isEmpty() ? "(root)" : m.path()) + " (" + m.shortType() + ")")
            .toList();
    if (fixed.isEmpty()) {
      return block;
    }
    block.close();
    throw new BadInputException(
        List.of(
            key
                + ": "
                + file
                + " was saved with torch.jit.trace: its layers "
                + String.join(", ", fixed)
                + " run in the mode they were traced in (their code never reads self.training),"
                + " whatever the recipe's norm policy and training mode say; save the model with"
                + " torch.jit.script instead"));
  }
}
