package io.github.finetune4j.pipeline;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.SourceSpec;
import io.github.finetune4j.train.Task;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one assembly path from a recipe to a run, whatever the model's family: the source is chosen
 * by {@code model.type}, the data splits are checked against what its family reads, the family
 * reads them, the engine is seeded, the family builds the block and the run's parts into a new
 * model, and the parts go to the {@link Runner} as one {@link RunSpec}.
 */
final class Assembler {

  private Assembler() {}

  /** What to do with an assembled run: train it, or sweep its learning rate. */
  @FunctionalInterface
  interface Action {
    ObjectNode apply(RunSpec spec) throws BadInputException, RunFailedException, IOException;
  }

  /**
   * The recipe's plan, from the architecture alone (see {@link ModelFamily#architecture}).
   *
   * @param recipe a validated recipe
   * @return the plan
   * @throws BadInputException when the model, data and groups do not fit
   */
  static Plan plan(Recipe recipe) throws BadInputException {
    ModelSource source = ModelSources.of(recipe.model());
    requireInputs(recipe, source);
    ModelFamily<?> family = source.family();
    try (NDManager manager = NDManager.newBaseManager(Devices.of(recipe), "PyTorch")) {
      Block block = family.architecture(recipe, manager);
      Formats.resolve(
          recipe.output().formats(), Formats.subject(recipe, block, false), "output.formats");
      earlyStoppingMetric(recipe);
      return PlanResolver.resolved(recipe, block, family.parameters(block))
          .plan()
          .withStandardize(family.standardize(recipe));
    }
  }

  /**
   * Refuses an early-stopping metric the recipe's task does not report, as the run would (whether
   * there is a validation split to score is the run's check, with its data).
   */
  private static void earlyStoppingMetric(Recipe recipe) throws BadInputException {
    if (recipe.train().earlyStopping() == null) {
      return;
    }
    List<String> classes =
        recipe.head() != null && recipe.head().classes() != null
            ? recipe.head().classes()
            : List.of();
    List<String> problems;
    try {
      TaskKind kind = TaskKind.of(recipe.task());
      io.github.finetune4j.recipe.SourceSpec valid =
          recipe.data() == null ? null : recipe.data().valid();
      Task task =
          kind instanceof EmbeddingKind e
              ? e.task(valid instanceof io.github.finetune4j.recipe.ScoredPairsSplit)
              : kind.task(classes);
      problems =
          Runner.earlyStoppingProblems(
              recipe, task, true, !(valid instanceof io.github.finetune4j.recipe.IrSplitSpec));
    } catch (RuntimeException e) {
      return; // a task that needs the data's outputs: the run checks it
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(problems);
    }
  }

  /**
   * Checks the output directory, assembles the run and hands it to {@code action}.
   *
   * @param recipe a validated recipe
   * @param recipeFile the file it was read from (protected), or null
   * @param outputDir the directory the action writes
   * @param out progress output
   * @param resume continue the interrupted run
   * @param action what to do with the assembled run
   * @return what the action returns
   */
  static ObjectNode run(
      Recipe recipe,
      Path recipeFile,
      Path outputDir,
      PrintStream out,
      boolean resume,
      Action action)
      throws BadInputException, RunFailedException, IOException {
    long wallStart = System.nanoTime();
    List<Path> data = Provenance.dataFiles(recipe);
    List<Path> inputs = new ArrayList<>(data);
    if (recipeFile != null) {
      inputs.add(recipeFile);
    }
    List<String> outputProblems =
        RunDirectory.check(outputDir, recipe.output().overwrite(), resume, inputs);
    if (!outputProblems.isEmpty()) {
      throw new BadInputException(outputProblems);
    }
    ModelSource source = ModelSources.of(recipe.model());
    requireInputs(recipe, source);
    return assemble(recipe, recipeFile, data, source.family(), out, resume, action, wallStart);
  }

  private static <D> ObjectNode assemble(
      Recipe recipe,
      Path recipeFile,
      List<Path> data,
      ModelFamily<D> family,
      PrintStream out,
      boolean resume,
      Action action,
      long wallStart)
      throws BadInputException, RunFailedException, IOException {
    D splits = family.read(recipe, out);
    Engine.getInstance().setRandomSeed((int) (long) recipe.train().seed());
    if (recipe.train().threads() != null) {
      System.setProperty("ai.djl.pytorch.num_threads", recipe.train().threads().toString());
    }
    try (Model model = Model.newInstance("finetune4j", Devices.of(recipe));
        ModelFamily.Parts parts = family.build(recipe, splits, model, out, resume)) {
      RunSpec spec =
          new RunSpec(
              model,
              model.getBlock(),
              recipe,
              recipeFile,
              true,
              data,
              parts.task(),
              parts.train(),
              parts.valid(),
              parts.test(),
              parts.weights(),
              parts.export(),
              parts.summary(),
              null,
              wallStart,
              resume,
              parts.checkpointFiles(),
              parts.moduleFrom(),
              true);
      return action.apply(spec);
    }
  }

  /**
   * Refuses data splits whose kind the model cannot read (a csv split for a text encoder, texts for
   * a module of feature vectors), before anything is read or loaded.
   */
  private static void requireInputs(Recipe recipe, ModelSource source) throws BadInputException {
    List<String> problems = new ArrayList<>();
    String[] names = {"data.train", "data.valid", "data.test"};
    SourceSpec[] splits = {recipe.data().train(), recipe.data().valid(), recipe.data().test()};
    for (int i = 0; i < splits.length; i++) {
      if (splits[i] == null) {
        continue;
      }
      InputKind gives = InputKind.of(splits[i]);
      if (gives != source.inputKind()) {
        problems.add(
            names[i]
                + ": a "
                + splits[i].kind()
                + " split gives "
                + gives.what()
                + ", but model.type '"
                + recipe.model().kind()
                + "' reads "
                + source.inputKind().what()
                + " (from "
                + source.inputKind().splits()
                + " splits); "
                + (gives == InputKind.FEATURES
                    ? "tabular data needs a model of feature vectors, e.g. type: torchscript"
                    : "texts need a text encoder, e.g. type: bert-onnx"));
      }
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(problems);
    }
  }
}
