package io.github.finetune4j.pipeline;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.train.Batches;
import io.github.finetune4j.train.Checkpoint;
import io.github.finetune4j.train.Task;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A kind of model the one assembly path ({@link Assembler}) runs, whatever its source: it reads the
 * recipe's splits, builds the block (with the head the recipe asks for), says how its pre-trained
 * weights are loaded, and writes the export's metadata. Built in: text encoders on token ids
 * ({@link TextFamily}) and models of feature vectors fed CSV rows or images ({@link
 * FeatureFamily}). A {@link ModelSource} names its family; a new family is one class.
 *
 * @param <D> the splits as this family reads them
 */
interface ModelFamily<D> {

  /**
   * Reads the splits and checks them against each other and against the recipe, before anything is
   * loaded or seeded.
   *
   * @param recipe the recipe
   * @param out progress output (notes about skipped examples)
   * @return the splits
   * @throws BadInputException for unusable data
   */
  D read(Recipe recipe, PrintStream out) throws BadInputException;

  /**
   * The architecture with random weights (no weight file is read; a module file that is the
   * architecture is loaded), initialized, for a plan.
   *
   * @param recipe the recipe
   * @param manager owns the block's arrays
   * @return the block
   * @throws BadInputException when the architecture cannot be built or does not fit the data
   */
  Block architecture(Recipe recipe, NDManager manager) throws BadInputException;

  /**
   * Whether the inputs are standardized before the model sees them, and why, for the plan; null
   * when the family has no such choice (texts, images). Reads no more data than {@link
   * #architecture} does.
   *
   * @param recipe the recipe
   * @return the word on it, or null
   * @throws BadInputException when a recorded transform cannot be read
   */
  default Plan.Standardize standardize(Recipe recipe) throws BadInputException {
    return null;
  }

  /**
   * The block's trainable parameters by name (a family may explain a clash of names its own way).
   *
   * @param block the block
   * @return the parameters
   * @throws BadInputException when two parameters share a name
   */
  default Map<String, ai.djl.nn.Parameter> parameters(Block block) throws BadInputException {
    return Runner.parameters(block);
  }

  /**
   * Builds the run's parts into {@code model} (its block is set here) from the splits read.
   *
   * @param recipe the recipe
   * @param data the splits
   * @param model a new model (seeded engine)
   * @param out progress output
   * @param resume whether the run continues from a checkpoint
   * @return the parts; closed when the run ends
   * @throws BadInputException for a model or data that cannot be used
   * @throws IOException when reading fails
   */
  Parts build(Recipe recipe, D data, Model model, PrintStream out, boolean resume)
      throws BadInputException, IOException;

  /**
   * What a family hands to the runner besides the block (set on the model).
   *
   * @param task the task
   * @param train the training split
   * @param valid the validation split, or null
   * @param test the test split, or null
   * @param weights loads the pre-trained weights under the run directory's lock, or null
   * @param export writes the trained model and its metadata
   * @param summary what this family adds to {@code summary.json}, or null
   * @param checkpointFiles files every checkpoint holds besides the DJL parameters
   * @param moduleFrom the checkpoint a resumed module was loaded from, or null
   * @param resources closed when the run ends (e.g. the tokenizer), or null
   */
  record Parts(
      Task task,
      Batches train,
      Batches valid,
      Batches test,
      RunSpec.LoadWeights weights,
      RunSpec.WriteModel export,
      Consumer<ObjectNode> summary,
      List<Checkpoint.Extra> checkpointFiles,
      Path moduleFrom,
      AutoCloseable resources)
      implements AutoCloseable {

    @Override
    public void close() throws IOException {
      if (resources != null) {
        try {
          resources.close();
        } catch (IOException | RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new IOException(e);
        }
      }
    }
  }
}
