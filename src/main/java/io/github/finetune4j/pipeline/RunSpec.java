package io.github.finetune4j.pipeline;

import ai.djl.Model;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.optim.UpdateRule;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.train.Batches;
import io.github.finetune4j.train.Checkpoint;
import io.github.finetune4j.train.Task;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Everything the {@link Runner} needs to run, built once by whoever assembled it — the {@link
 * Assembler} from a recipe, or the Java door ({@link FineTuning}) from a user's block and datasets.
 * Nothing below it reads the recipe's model, head or data sections.
 *
 * @param model the caller's model, or null (the runner makes one for the block and closes it)
 * @param block the block to train (initialized)
 * @param policy the recipe whose policy sections apply
 * @param policyFile the file the policy was read from (protected), or null
 * @param wholeRecipe whether {@code policy} is a whole recipe ({@code recipe.resolved.yaml} records
 *     all of it) or only its policy sections
 * @param inputs files no output directory may replace (the data files)
 * @param task the task
 * @param train the training split
 * @param valid the validation split, or null
 * @param test the test split, or null
 * @param weights loads pre-trained weights under the run directory's lock, or null
 * @param export writes the trained model, or null for the default export of a block
 * @param summary adds entries to {@code summary.json}, or null
 * @param rule an update rule replacing the policy's, or null
 * @param startedAt when the run started (System.nanoTime), or 0 for now
 * @param resume continue the interrupted run in {@code output.dir}
 * @param checkpointFiles files every checkpoint holds besides the DJL parameters
 * @param moduleFrom the checkpoint a resumed module was loaded from, or null
 * @param outputChecked whether the output directory was checked already (by the {@link Assembler},
 *     before it read the data): the runner then does not check it again
 */
record RunSpec(
    Model model,
    Block block,
    Recipe policy,
    Path policyFile,
    boolean wholeRecipe,
    List<Path> inputs,
    Task task,
    Batches train,
    Batches valid,
    Batches test,
    LoadWeights weights,
    WriteModel export,
    Consumer<ObjectNode> summary,
    UpdateRule rule,
    long startedAt,
    boolean resume,
    List<Checkpoint.Extra> checkpointFiles,
    Path moduleFrom,
    boolean outputChecked) {

  RunSpec {
    inputs = List.copyOf(inputs);
    checkpointFiles = List.copyOf(checkpointFiles);
  }

  /** Loads pre-trained weights into the block (see {@link FineTuning.Weights}). */
  @FunctionalInterface
  interface LoadWeights {
    void load(Block block, PrintStream out) throws BadInputException, IOException;
  }

  /** Writes the trained model into a directory (see {@link FineTuning.Export}). */
  @FunctionalInterface
  interface WriteModel {
    void write(Path modelDir, Model model, io.github.finetune4j.train.Task trained)
        throws IOException;
  }
}
