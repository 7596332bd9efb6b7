package io.github.finetune4j.pipeline;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.training.dataset.RandomAccessDataset;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.optim.UpdateRule;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeException;
import io.github.finetune4j.recipe.RecipeReader;
import io.github.finetune4j.train.Batches;
import io.github.finetune4j.train.Checkpoint;
import io.github.finetune4j.train.DatasetBatches;
import io.github.finetune4j.train.Task;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The Java door for your own DJL {@link Block} and datasets: the toolkit's policies — groups,
 * stages or an unfreezing policy, the optimizer with discriminative learning rates, weight decay,
 * L2-SP, schedule, clipping, norm policy, monitoring, fault policy — come from a policy recipe (a
 * recipe file without {@code model}, {@code head}, {@code task} and data splits, see {@link
 * RecipeReader#readPolicy}), and a run writes what a CLI run writes: {@code plan.json}, metrics,
 * TensorBoard events, {@code report.html}, {@code summary.json} and the exported parameters, in a
 * run directory with the same guarantees ({@code docs/runs.md}).
 *
 * <pre>{@code
 * FineTuning ft = FineTuning.builder()
 *     .setBlock(block)                        // initialized; inputs -> logits or values
 *     .setPolicy(Path.of("policy.yaml"))      // groups, stages, optimizer, ...
 *     .setTask(new ClassificationTask(classes))
 *     .setTrain(trainDataset)                 // any DJL RandomAccessDataset
 *     .optValid(validDataset).optTest(testDataset)
 *     .build();
 * Plan plan = ft.plan();
 * ObjectNode summary = ft.run(System.out);
 * }</pre>
 */
public final class FineTuning {

  /**
   * Loads pre-trained weights into the block once the run directory is locked, so that an output
   * directory that cannot be used is found before a large file is read; an exception from it
   * discards the just-created run directory (nothing is left behind).
   */
  @FunctionalInterface
  public interface Weights {
    /**
     * Loads the weights.
     *
     * @param block the block given to the builder
     * @param out progress output
     * @throws BadInputException when the weights are unusable (exit code 2 in the CLI)
     * @throws IOException when they cannot be read
     */
    void load(Block block, PrintStream out) throws BadInputException, IOException;
  }

  /** Writes the trained model into the run's {@code model} directory. */
  @FunctionalInterface
  public interface Export {
    /**
     * Writes the model; the run's manifest of the directory should be written last ({@code
     * Manifest.write}), as the default export does.
     *
     * @param modelDir the directory to create
     * @param model the trained model
     * @throws IOException when writing fails
     */
    void write(Path modelDir, Model model) throws IOException;
  }

  private final Model model;
  private final Block block;
  private final Recipe policy;
  private final Path policyFile;
  private final boolean wholeRecipe;
  private final List<Path> inputs;
  private final Task task;
  private final Batches train;
  private final Batches valid;
  private final Batches test;
  private final Weights weights;
  private final Export export;
  private final Consumer<ObjectNode> summary;
  private final UpdateRule rule;
  private final long startedAt;
  private final boolean resume;
  private final List<Checkpoint.Extra> checkpointFiles;
  private final Path moduleFrom;

  private FineTuning(Builder b) {
    this.model = b.model;
    this.block = b.model != null ? b.model.getBlock() : b.block;
    this.policy = b.policy;
    this.policyFile = b.policyFile;
    this.wholeRecipe = b.wholeRecipe;
    this.inputs = List.copyOf(b.inputs);
    this.task = b.task;
    this.train = b.train;
    this.valid = b.valid;
    this.test = b.test;
    this.weights = b.weights;
    this.export = b.export;
    this.summary = b.summary;
    this.startedAt = b.startedAt;
    this.rule = b.rule;
    this.resume = b.resume;
    this.checkpointFiles = b.checkpointFiles;
    this.moduleFrom = b.moduleFrom;
  }

  /**
   * Validates a policy built in Java ({@code Recipe.policyBuilder()}: groups, stages or unfreezing,
   * optimizer, schedule, monitor, train, output, batch size) as a policy file is validated ({@link
   * RecipeReader#readPolicy}); the result equals the same policy read from a file.
   *
   * @param policy the policy
   * @return the validated policy, for {@link Builder#setPolicy(Recipe)}
   * @throws RecipeException listing every problem, also for a recipe that has a model, head, task
   *     or data split of its own (they would be silently ignored)
   */
  public static Recipe validatePolicy(Recipe policy) throws RecipeException {
    return RecipeReader.checkPolicy(policy);
  }

  /**
   * Seeds DJL's engine, as a run does with {@code train.seed} once its directory is locked. Call it
   * before you build and {@code initialize} your block: the initial weights are drawn from the
   * engine when the block is initialized, before the run starts, so without it two runs of the same
   * program start from different weights and are not bit-identical (a loaded model draws nothing,
   * and the run re-seeds itself for everything it draws).
   *
   * <pre>{@code
   * FineTuning.seed(7);                     // the policy's train.seed, say
   * block.initialize(manager, DataType.FLOAT32, inputShape);
   * }</pre>
   *
   * @param seed the seed ({@code train.seed}); DJL takes its low 32 bits, as a run does
   */
  public static void seed(long seed) {
    Runner.seed(seed);
  }

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Resolves the plan for the block: per parameter its group, shape, trainable flag and lr per
   * stage, weight decay, L2-SP and norm mode (the same resolution a run uses, see {@link
   * Plan#rows()}).
   *
   * @return the plan
   * @throws BadInputException when the groups do not partition the block's parameters or the norm
   *     policy cannot be honoured
   */
  public Plan plan() throws BadInputException {
    return PlanResolver.resolved(policy, block, Runner.parameters(block)).plan();
  }

  /**
   * Trains by the policy, evaluates, and exports the model into the policy's {@code output.dir}.
   *
   * @param out progress output
   * @return the summary written to {@code summary.json}
   * @throws BadInputException for an unusable output directory, groups or weights (nothing is
   *     written)
   * @throws RunFailedException when a loss is not finite or too many steps were skipped
   * @throws IOException when the run fails otherwise
   */
  public ObjectNode run(PrintStream out) throws BadInputException, RunFailedException, IOException {
    return run(out, List.of());
  }

  /**
   * Like {@link #run(PrintStream)}, with extra metric sinks. In order: the output directory is
   * checked, the groups, norm policy and plan are resolved, the run directory is locked, the {@link
   * Weights} (if any) are loaded, the engine is seeded with {@code train.seed}, and the shared
   * training step runs (see {@code docs/runs.md}).
   *
   * @param out progress output
   * @param extraSinks sinks added to the run's own
   * @return the summary
   * @throws BadInputException for an unusable output directory, groups or weights
   * @throws RunFailedException when the run failed numerically
   * @throws IOException when the run fails otherwise
   */
  public ObjectNode run(PrintStream out, List<MetricsSink> extraSinks)
      throws BadInputException, RunFailedException, IOException {
    return Runner.run(spec(), out, extraSinks);
  }

  /**
   * Runs an LR range test instead of training (see {@link LrFind}): the stage's trainable groups
   * train for up to {@code options.steps()} steps at an exponentially growing learning rate, the
   * loss of each step is recorded, and a rate is suggested. The model's weights and running
   * statistics are bit-identical afterwards (BatchNorm buffers inside a TorchScript module, which
   * are not DJL parameters, are the exception). {@code lr_find.json} and {@code report.html} go to
   * {@code options.out()}, a directory made and guarded like a run directory.
   *
   * @param options the sweep
   * @param out progress output
   * @return the summary ({@code lr_find.json}): the points, the suggestions, the overrides that
   *     apply the default one
   * @throws BadInputException for an unusable output directory, stage, groups or weights
   * @throws IOException when writing fails
   */
  public ObjectNode lrFind(LrFind.Options options, PrintStream out)
      throws BadInputException, IOException {
    return Runner.lrFind(spec(), options, out);
  }

  /** What the runner runs: this fine-tuning's parts. */
  private RunSpec spec() {
    return new RunSpec(
        model,
        block,
        policy,
        policyFile,
        wholeRecipe,
        inputs,
        task,
        train,
        valid,
        test,
        weights == null ? null : weights::load,
        export == null ? null : (dir, m, trained) -> export.write(dir, m),
        summary,
        rule,
        startedAt,
        resume,
        checkpointFiles,
        moduleFrom,
        false);
  }

  /** Builder: {@code setX} for required parts, {@code optX} for optional ones. */
  public static final class Builder {
    private Model model;
    private Block block;
    private Recipe policy;
    private Path policyFile;
    private boolean wholeRecipe;
    private final List<Path> inputs = new ArrayList<>();
    private Weights weights;
    private Export export;
    private Consumer<ObjectNode> summary;
    private UpdateRule rule;
    private Task task;
    private Batches train;
    private Batches valid;
    private Batches test;
    private long startedAt;
    private boolean resume;
    private List<Checkpoint.Extra> checkpointFiles = List.of();
    private Path moduleFrom;

    private Builder() {}

    /**
     * Files every checkpoint holds besides the DJL parameters (a TorchScript module, written whole
     * with its buffers), and the checkpoint the module was loaded from when resuming.
     */
    Builder optCheckpointFiles(List<Checkpoint.Extra> files, Path loadedFrom) {
      this.checkpointFiles = List.copyOf(files);
      this.moduleFrom = loadedFrom;
      return this;
    }

    /**
     * Continues the interrupted run in the policy's {@code output.dir} from its newest valid
     * checkpoint instead of starting one (see docs/runs.md, "Checkpoints and resume").
     *
     * @param resume true to resume
     * @return this builder
     */
    public Builder optResume(boolean resume) {
      this.resume = resume;
      return this;
    }

    /** The CLI counts the wall time from before it read the data (System.nanoTime). */
    Builder startedAt(long nanos) {
      this.startedAt = nanos;
      return this;
    }

    /**
     * Sets the model (required): an initialized DJL block whose forward maps a batch of inputs to
     * logits (classification) or values (regression).
     *
     * @param block the block
     * @return this builder
     */
    public Builder setBlock(Block block) {
      this.block = block;
      this.model = null;
      return this;
    }

    /**
     * Sets the model (required, or {@link #setBlock}): a DJL model whose block is initialized, such
     * as a {@code ZooModel} that {@code Criteria} loaded; it is trained in place and stays open
     * (the caller closes it).
     *
     * @param model the model
     * @return this builder
     */
    public Builder setModel(Model model) {
      this.model = model;
      this.block = null;
      return this;
    }

    /**
     * Sets the policy from a policy recipe file (required, or {@link #setPolicy(Recipe)}).
     *
     * @param file the file
     * @param overrides {@code key=value} overrides
     * @return this builder
     * @throws RecipeException listing every problem of the file
     */
    public Builder setPolicy(Path file, String... overrides) throws RecipeException {
      this.policy = RecipeReader.readPolicy(file, List.of(overrides));
      this.policyFile = file;
      return this;
    }

    /**
     * Sets the policy from a recipe built in Java, best with {@code Recipe.policyBuilder()} and
     * checked by {@link FineTuning#validatePolicy}; the model, head, task and data splits of a
     * whole recipe are not used.
     *
     * @param recipe a validated policy (or recipe)
     * @return this builder
     */
    public Builder setPolicy(Recipe recipe) {
      this.policy = recipe;
      this.policyFile = null;
      this.wholeRecipe = false;
      return this;
    }

    /**
     * Sets the policy from a whole recipe (as {@code finetune run} does): its model, head, task and
     * data sections describe the block and datasets given to this builder, and {@code
     * recipe.resolved.yaml} records all of it, so that {@code finetune run} repeats the run.
     *
     * @param recipe a validated recipe
     * @param file the file it was read from (never replaced by the run), or null
     * @return this builder
     */
    public Builder setRecipe(Recipe recipe, Path file) {
      this.policy = recipe;
      this.policyFile = file;
      this.wholeRecipe = true;
      return this;
    }

    /**
     * Adds files the run must never replace: no output directory that is or contains one of them is
     * accepted (the policy file and the working directory are always protected).
     *
     * @param files e.g. the data files
     * @return this builder
     */
    public Builder optProtect(List<Path> files) {
      this.inputs.addAll(files);
      return this;
    }

    /**
     * Sets weights to load once the run directory is locked (see {@link Weights}); without it the
     * block trains from the values it has.
     *
     * @param weights the loader
     * @return this builder
     */
    public Builder optWeights(Weights weights) {
      this.weights = weights;
      return this;
    }

    /**
     * Sets how the trained model is exported; by default DJL's parameter file, a {@code
     * config.json} naming the block and task, and the manifest.
     *
     * @param export the export
     * @return this builder
     */
    public Builder optExport(Export export) {
      this.export = export;
      return this;
    }

    /**
     * Sets an update rule of your own instead of the policy's {@code optimizer.type}; the policy's
     * learning rates, schedule, weight decay (mode and exclusions), L2-SP and clipping still apply
     * (see docs/java-api.md, "Writing your own update rule").
     *
     * @param rule the rule
     * @return this builder
     */
    public Builder optRule(UpdateRule rule) {
      this.rule = rule;
      return this;
    }

    /**
     * Adds entries to {@code summary.json}.
     *
     * @param summary called with the summary before it is written
     * @return this builder
     */
    public Builder optSummary(Consumer<ObjectNode> summary) {
      this.summary = summary;
      return this;
    }

    /**
     * Sets the task (required): the loss and the metrics.
     *
     * @param task e.g. {@code new ClassificationTask(classes)}
     * @return this builder
     */
    public Builder setTask(Task task) {
      this.task = task;
      return this;
    }

    /**
     * Sets the training split (required).
     *
     * @param dataset any DJL random-access dataset; each record's labels are one array
     * @return this builder
     * @throws IOException when the dataset cannot be prepared
     */
    public Builder setTrain(RandomAccessDataset dataset) throws IOException {
      return setTrain(new DatasetBatches(dataset));
    }

    /**
     * Sets the training split (required).
     *
     * @param batches the split
     * @return this builder
     */
    public Builder setTrain(Batches batches) {
      this.train = batches;
      return this;
    }

    /**
     * Sets the validation split, evaluated after every epoch.
     *
     * @param dataset the split
     * @return this builder
     * @throws IOException when the dataset cannot be prepared
     */
    public Builder optValid(RandomAccessDataset dataset) throws IOException {
      this.valid = new DatasetBatches(dataset);
      return this;
    }

    /**
     * Sets the validation split.
     *
     * @param batches the split, or null for none
     * @return this builder
     */
    public Builder optValid(Batches batches) {
      this.valid = batches;
      return this;
    }

    /**
     * Sets the test split.
     *
     * @param batches the split, or null for none
     * @return this builder
     */
    public Builder optTest(Batches batches) {
      this.test = batches;
      return this;
    }

    /**
     * Sets the test split, evaluated once after training.
     *
     * @param dataset the split
     * @return this builder
     * @throws IOException when the dataset cannot be prepared
     */
    public Builder optTest(RandomAccessDataset dataset) throws IOException {
      this.test = new DatasetBatches(dataset);
      return this;
    }

    /**
     * Builds the fine-tuning.
     *
     * @return it
     * @throws IllegalStateException naming every required part that was not set
     */
    public FineTuning build() {
      List<String> missing = new ArrayList<>();
      if (block == null && model == null) {
        missing.add("block or model");
      }
      if (policy == null) {
        missing.add("policy");
      }
      if (task == null) {
        missing.add("task");
      }
      if (train == null) {
        missing.add("train");
      }
      if (!missing.isEmpty()) {
        throw new IllegalStateException("FineTuning: required parts not set: " + missing);
      }
      return new FineTuning(this);
    }
  }
}
