package io.github.finetune4j.pipeline;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.nn.Block;
import ai.djl.training.dataset.RandomAccessDataset;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeException;
import io.github.finetune4j.recipe.RecipeReader;
import io.github.finetune4j.train.Batches;
import io.github.finetune4j.train.ClassificationTask;
import io.github.finetune4j.train.DatasetBatches;
import io.github.finetune4j.train.RegressionTask;
import io.github.finetune4j.train.Task;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Block block;
  private final Recipe policy;
  private final Path policyFile;
  private final Task task;
  private final Batches train;
  private final Batches valid;
  private final Batches test;

  private FineTuning(Builder b) {
    this.block = b.block;
    this.policy = b.policy;
    this.policyFile = b.policyFile;
    this.task = b.task;
    this.train = b.train;
    this.valid = b.valid;
    this.test = b.test;
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
   * stage, weight decay, L2-SP and norm mode.
   *
   * @return the plan
   * @throws BadInputException when the groups do not partition the block's parameters or the norm
   *     policy cannot be honoured
   */
  public Plan plan() throws BadInputException {
    return FineTune.resolved(policy, block, ParameterNames.trainable(block)).plan();
  }

  /**
   * Trains by the policy, evaluates, and exports the parameters into the policy's {@code
   * output.dir}.
   *
   * @param out progress output
   * @return the summary written to {@code summary.json}
   * @throws BadInputException for an unusable output directory or groups (nothing is written)
   * @throws RunFailedException when a loss is not finite or too many steps were skipped
   * @throws IOException when the run fails otherwise
   */
  public ObjectNode run(PrintStream out) throws BadInputException, RunFailedException, IOException {
    return run(out, List.of());
  }

  /**
   * Like {@link #run(PrintStream)}, with extra metric sinks.
   *
   * @param out progress output
   * @param extraSinks sinks added to the run's own
   * @return the summary
   * @throws BadInputException for an unusable output directory or groups
   * @throws RunFailedException when the run failed numerically
   * @throws IOException when the run fails otherwise
   */
  public ObjectNode run(PrintStream out, List<MetricsSink> extraSinks)
      throws BadInputException, RunFailedException, IOException {
    long wallStart = System.nanoTime();
    Path runDir = Path.of(policy.output().dir());
    List<Path> inputs = policyFile == null ? List.of() : List.of(policyFile);
    List<String> problems = RunDirectory.check(runDir, policy.output().overwrite(), inputs);
    if (!problems.isEmpty()) {
      throw new BadInputException(problems);
    }
    FineTune.Resolved r = FineTune.resolved(policy, block, ParameterNames.trainable(block));
    Engine.getInstance().setRandomSeed((int) (long) policy.train().seed());
    try (Model model = Model.newInstance("finetune4j", Device.cpu());
        RunDirectory dir = RunDirectory.open(runDir, out)) {
      model.setBlock(block);
      FineTune.Training training =
          new FineTune.Training(
              model,
              block,
              r.params(),
              r.groups(),
              r.norms(),
              r.plan(),
              task,
              train.size(),
              test == null ? 0 : test.size(),
              () -> new FineTune.Splits(train, valid, test),
              modelDir -> export(modelDir, model),
              summary -> summary.put("block", block.getClass().getName()));
      ActiveRun.begin(dir.partial());
      try {
        return FineTune.train(
            policy, RecipeReader.toPolicyYaml(policy), training, dir, out, extraSinks, wallStart);
      } finally {
        ActiveRun.end();
      }
    }
  }

  /** DJL's parameter file, what the block and task were, and the manifest (written last). */
  private void export(Path modelDir, Model model) throws IOException {
    Files.createDirectories(modelDir);
    model.save(modelDir, Exporter.MODEL_NAME);
    ObjectNode meta = JSON.createObjectNode();
    meta.put("kind", "block");
    meta.put("block", block.getClass().getName());
    meta.put("task", task.name());
    if (task instanceof ClassificationTask c) {
      c.classes().forEach(meta.putArray("classes")::add);
    } else if (task instanceof RegressionTask r) {
      r.targets().forEach(meta.putArray("targets")::add);
    }
    meta.put(
        "load",
        "model.setBlock(<the same architecture>); model.load(dir, \""
            + Exporter.MODEL_NAME
            + "\")");
    Files.writeString(modelDir.resolve(Exporter.MODEL_CONFIG), RecipeReader.toJson(meta));
    Manifest.write(modelDir);
  }

  /** Builder: {@code setX} for required parts, {@code optX} for optional ones. */
  public static final class Builder {
    private Block block;
    private Recipe policy;
    private Path policyFile;
    private Task task;
    private Batches train;
    private Batches valid;
    private Batches test;

    private Builder() {}

    /**
     * Sets the model (required): an initialized DJL block whose forward maps a batch of inputs to
     * logits (classification) or values (regression).
     *
     * @param block the block
     * @return this builder
     */
    public Builder setBlock(Block block) {
      this.block = block;
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
     * Sets the policy from a recipe built in Java; its model, head, task and data splits are not
     * used.
     *
     * @param recipe a validated recipe
     * @return this builder
     */
    public Builder setPolicy(Recipe recipe) {
      this.policy = recipe;
      this.policyFile = null;
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
      if (block == null) {
        missing.add("block");
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
