package io.github.finetune4j.pipeline;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtSymbolBlock;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.data.ImageTransform;
import io.github.finetune4j.model.TorchScriptBlock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A model source of modules that read fixed-length feature vectors (tabular rows), whose own output
 * is either the prediction ({@code head.replace: none}) or the features a new head is put on. One
 * class per kind; {@link ModelSources} registers them.
 */
interface FeatureModelSource extends ModelSource {

  @Override
  default ModelFamily<?> family() {
    return new FeatureFamily(this);
  }

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
   * Loads the module, its parameters under their own names (e.g. {@code body.0.weight}): a
   * TorchScript module ({@link PtSymbolBlock}), or a DJL-native block whose parameters {@code
   * manager} then owns.
   *
   * @param manager the PyTorch-engine manager that owns it
   * @return the module, with its weights
   * @throws BadInputException when the file cannot be read or is not a module of this kind
   */
  Block load(NDManager manager) throws BadInputException;

  /**
   * Loads the module knowing how many outputs the task has (a built-in architecture sizes its
   * output layer by it); by default {@link #load(NDManager)}.
   *
   * @param manager the PyTorch-engine manager that owns it
   * @param outputs the number of classes or targets
   * @return the module
   * @throws BadInputException as {@link #load(NDManager)}
   */
  default Block load(NDManager manager, int outputs) throws BadInputException {
    return load(manager);
  }

  /**
   * Adds to the export's {@code module} metadata what rebuilding a loaded DJL-native module needs
   * (its block factory, arguments and cut point); nothing for a TorchScript module, which is
   * exported whole.
   *
   * @param module the metadata object
   */
  default void describeModule(ObjectNode module) {}

  /**
   * The model's own image transform, whose {@code mean} and {@code std} image splits use when the
   * recipe gives none (a Finetune4J export records the one it was trained with); null when the
   * model has none.
   *
   * @return the transform, or null
   */
  default ImageTransform imageDefaults() {
    return null;
  }

  /**
   * Whether the module starts from random weights (a network trained from scratch), so that {@code
   * data.standardize: auto} standardizes its csv features.
   *
   * @return true for a module trained from scratch
   */
  default boolean fromScratch() {
    return false;
  }

  /**
   * The {@value Exporter#MODEL_CONFIG} of the Finetune4J export the module comes from (found
   * without loading it), whose recorded feature transform {@code data.standardize: auto} reuses;
   * null for a module from elsewhere (a pre-trained module fed its features as they are).
   *
   * @return the metadata file, or null
   */
  default Path exportMetadata() {
    return null;
  }

  /**
   * {@code file}, when it is the metadata of a Finetune4J export of a model of feature vectors.
   *
   * @param file where an export keeps its metadata
   * @return the file, or null
   */
  static Path exportMetadata(Path file) {
    return Files.isRegularFile(file) && FeatureMetadata.KIND.equals(FeatureMetadata.kindOf(file))
        ? file
        : null;
  }

  /**
   * The input shape of one example: {@code declared} without its batch dimension, or when not
   * declared the data's own ({@code natural}, e.g. {@code [channels, height, width]} of images) or
   * {@code [featureCount]}.
   *
   * @param declared the recipe's {@code model.input_shape} (batch first), or null
   * @param featureCount the number of feature columns of the data, or -1 when not known
   * @param natural the data's own example shape, or null
   * @return the shape of one example
   * @throws BadInputException when the declared shape does not fit the data, or neither is known
   */
  static long[] exampleShape(List<Long> declared, int featureCount, long[] natural)
      throws BadInputException {
    if (declared == null && natural != null) {
      return natural.clone();
    }
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

  /**
   * The module's input shape of one example.
   *
   * @param featureCount the number of feature columns of the data, or -1 when not known
   * @param natural the shape of one example the data gives (e.g. {@code [1, 28, 28]} for images),
   *     or null for flat feature vectors
   * @return the shape, e.g. {@code [10]} or {@code [1, 8, 8]}
   * @throws BadInputException when the declared input shape does not fit the data, or neither is
   *     known
   */
  long[] exampleShape(int featureCount, long[] natural) throws BadInputException;

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
