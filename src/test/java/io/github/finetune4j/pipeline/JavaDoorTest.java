package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.translate.NoopTranslator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.model.TextClassifierFactory;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.recipe.GroupSpec;
import io.github.finetune4j.recipe.MonitorSpec;
import io.github.finetune4j.recipe.OptimizerSpec;
import io.github.finetune4j.recipe.OutputSpec;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeException;
import io.github.finetune4j.recipe.RecipeReader;
import io.github.finetune4j.recipe.StageSpec;
import io.github.finetune4j.recipe.TrainSpec;
import io.github.finetune4j.train.ClassificationTask;
import io.github.finetune4j.train.TextBatches;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java door holds (issue #19, item 5): a model that plain DJL {@code Criteria} loaded from a
 * CLI export trains and exports, and the caller's model is never left pointing at a directory the
 * run removed.
 */
class JavaDoorTest {

  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> TEXTS =
      List.of(
          "a fine day",
          "nothing to see here",
          "Cheap meds, click now!",
          "Minutes of Tuesday's meeting",
          "win a free cruise today",
          "the report is attached");

  @TempDir Path tmp;

  /** A CLI text-classifier export, loaded the way DjlCriteriaTest loads it. */
  private ZooModel<String, Classifications> loadExport(Path run) throws Exception {
    Criteria<String, Classifications> criteria =
        Criteria.builder()
            .setTypes(String.class, Classifications.class)
            .optModelPath(TinyExport.modelDir(run))
            .optTranslatorFactory(new TextClassifierFactory())
            .build();
    return criteria.loadModel();
  }

  private static TextBatches texts() throws Exception {
    try (TextTokenizer tokenizer = TextTokenizer.miniLm(TinyExport.MAX_LENGTH)) {
      long[][] ids = new long[TEXTS.size()][];
      int[] labels = new int[TEXTS.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = tokenizer.ids(TEXTS.get(i));
        labels[i] = i % 2;
      }
      return new TextBatches(ids, labels);
    }
  }

  private FineTuning textRun(Model model, Path out) throws Exception {
    return FineTuning.builder()
        .setModel(model)
        .setPolicy(
            Path.of("examples/iris-mlp-policy.yaml"),
            "groups=[{name: all, match: [\"*\"]}]",
            "stages=[{epochs: 2, train: [all]}]",
            "data.batch_size=3",
            "monitor.sinks=[jsonl]",
            "output.dir=" + out)
        .setTask(new ClassificationTask(List.of("ham", "spam")))
        .setTrain(texts())
        .build();
  }

  /**
   * Finding 1: a {@code ZooModel} that {@code Criteria} loaded from a CLI export trained every
   * epoch and then failed in the export with DJL's "key value size mismatch", leaving a failed run
   * with a 24-byte parameter file. It trains and exports, and the export holds the trained weights.
   */
  @Test
  void aModelLoadedByCriteriaFromACliExportTrainsAndExports() throws Exception {
    Path run = TinyExport.write(tmp.resolve("cli"));
    Path out = tmp.resolve("java");
    try (ZooModel<String, Classifications> model = loadExport(run)) {
      ai.djl.util.PairList<String, Shape> before = model.describeInput();
      JsonNode summary = textRun(model, out).run(QUIET);
      assertEquals("completed", summary.get("status").asText());
      assertTrue(RunDirectory.isRun(out));
      Path params = out.resolve("model/model-0000.params");
      assertTrue(Files.size(params) > 10_000, "the parameters are in the file: " + params);
      // the file holds the trained weights: the same architecture reloads them
      TextClassifierBlock fresh = new TextClassifierBlock(TinyExport.BERT, 2, "mean", 0.1);
      try (Model reloaded = Model.newInstance("reloaded")) {
        reloaded.setBlock(fresh);
        reloaded.load(out.resolve("model"), "model");
        assertEquals(before.keys(), reloaded.describeInput().keys());
        var trained = model.getBlock().getParameters();
        var loaded = fresh.getParameters();
        assertEquals(trained.keys(), loaded.keys());
        for (int i = 0; i < trained.size(); i++) {
          assertArrayEquals(
              trained.get(i).getValue().getArray().toFloatArray(),
              loaded.get(i).getValue().getArray().toFloatArray(),
              trained.get(i).getKey());
        }
      }
    }
  }

  /**
   * Finding 7: continuing a CLI export from Java wrote an export without {@code serving.properties}
   * and without the tokenizer, which neither plain {@code Criteria} nor {@code predict} could load.
   * The continued export is the CLI's with the trained parameters: both load it, and agree.
   */
  @Test
  void continuingACliExportFromJavaKeepsItLoadableByCriteriaAndPredict() throws Exception {
    Path run = TinyExport.write(tmp.resolve("cli"));
    Path out = tmp.resolve("java");
    try (ZooModel<String, Classifications> model = loadExport(run)) {
      assertEquals("completed", textRun(model, out).run(QUIET).get("status").asText());
    }
    for (String file :
        List.of("serving.properties", "tokenizer.json", "finetune4j-model.json", "manifest.json")) {
      assertTrue(Files.isRegularFile(out.resolve("model").resolve(file)), file);
    }
    List<Prediction> ours;
    try (io.github.finetune4j.pipeline.Predictor p =
        io.github.finetune4j.pipeline.Predictor.open(out)) {
      ours = p.predict(TEXTS);
    }
    // plain DJL Criteria, as it loads a CLI export
    try (ZooModel<String, Classifications> reloaded = loadExport(out);
        var predictor = reloaded.newPredictor()) {
      for (int i = 0; i < TEXTS.size(); i++) {
        Classifications c = predictor.predict(TEXTS.get(i));
        for (String label : List.of("ham", "spam")) {
          assertEquals(
              ours.get(i).probabilities().get(label), c.get(label).getProbability(), 1e-5, label);
        }
      }
    }
    // and the weights are the trained ones, not the CLI export's
    try (io.github.finetune4j.pipeline.Predictor before =
        io.github.finetune4j.pipeline.Predictor.open(run)) {
      assertNotEquals(
          before.predict(TEXTS).get(0).probabilities().get("spam"),
          ours.get(0).probabilities().get("spam"));
    }
  }

  /**
   * Finding 2: DJL's {@code Model.save} points the model at the directory it saved into, the run's
   * {@code .partial} directory, which is renamed away when the run completes; the caller's model
   * then could not make a predictor. It still points where it did, and predicts.
   */
  @Test
  void theCallersModelStillPredictsAfterTheRun() throws Exception {
    Path run = TinyExport.write(tmp.resolve("cli"));
    try (ZooModel<String, Classifications> model = loadExport(run)) {
      Path where = model.getModelPath();
      Classifications first;
      try (Predictor<String, Classifications> p = model.newPredictor()) {
        first = p.predict(TEXTS.get(2));
      }
      textRun(model, tmp.resolve("java")).run(QUIET);
      assertEquals(where, model.getModelPath());
      assertTrue(Files.isDirectory(model.getModelPath()), model.getModelPath().toString());
      try (Predictor<String, Classifications> p = model.newPredictor()) {
        Classifications after = p.predict(TEXTS.get(2));
        assertNotEquals(
            first.get("spam").getProbability(),
            after.get("spam").getProbability(),
            "the predictor uses the trained weights");
      }
    }
  }

  /** Finding 2 for a model of the caller's own: no path before, none after. */
  @Test
  void aFreshModelIsNotLeftPointingAtTheRunsPartialDirectory() throws Exception {
    try (Model model = Model.newInstance("mine");
        NDManager manager = NDManager.newBaseManager()) {
      SequentialBlock mlp =
          new SequentialBlock()
              .add(Linear.builder().setUnits(8).build())
              .add(Activation::relu)
              .add(Linear.builder().setUnits(2).build());
      mlp.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 4));
      model.setBlock(mlp);
      Path where = model.getModelPath();
      ArrayDataset data =
          new ArrayDataset.Builder()
              .setData(manager.randomNormal(new Shape(24, 4)))
              .optLabels(manager.randomInteger(0, 2, new Shape(24), DataType.INT64))
              .setSampling(8, false)
              .build();
      FineTuning.builder()
          .setModel(model)
          .setPolicy(
              Path.of("examples/iris-mlp-policy.yaml"),
              "groups=[{name: all, match: [\"*\"]}]",
              "stages=[{epochs: 1, train: [all]}]",
              "monitor.sinks=[jsonl]",
              "output.dir=" + tmp.resolve("own"))
          .setTask(new ClassificationTask(List.of("a", "b")))
          .setTrain(data)
          .build()
          .run(QUIET);
      assertEquals(where, model.getModelPath());
      try (Predictor<NDList, NDList> p = model.newPredictor(new NoopTranslator())) {
        NDArray y = p.predict(new NDList(manager.ones(new Shape(1, 4)))).singletonOrThrow();
        assertEquals(new Shape(1, 2), y.getShape());
      }
      // the export's parameter file is byte for byte the one DJL's Model.save writes
      model.save(tmp.resolve("djl"), "model");
      assertArrayEquals(
          Files.readAllBytes(tmp.resolve("djl/model-0000.params")),
          Files.readAllBytes(tmp.resolve("own/model/model-0000.params")));
    }
  }

  /**
   * Finding 5: a policy built in Java needed made-up model, head and data.train sections, which
   * {@code FineTune.validate} rejected (the made-up data file) and which changed {@code
   * new_groups}. {@code Recipe.policyBuilder()} has only the policy sections; {@code
   * FineTuning.validatePolicy} checks it as {@code RecipeReader.readPolicy} checks a file, and the
   * result equals the same policy read from a file, {@code new_groups} included.
   */
  @Test
  void aPolicyBuiltInJavaValidatesAndRunsLikeTheSameFile() throws Exception {
    Path file = tmp.resolve("policy.yaml");
    Files.writeString(
        file,
        """
        description: text classifier from an export, in Java
        data: { batch_size: 3 }
        groups:
          - { name: body, match: ["embeddings.*", "encoder.*"] }
          - { name: head, match: ["head.*"], lr: 2.0e-3 }
        stages: [{ epochs: 2, train: [body, head] }]
        optimizer: { type: adamw, lr: 1.0e-3 }
        monitor: { sinks: [jsonl] }
        train: { seed: 7 }
        output: { dir: runs/unused }
        """);
    Recipe built =
        FineTuning.validatePolicy(
            Recipe.policyBuilder()
                .optDescription("text classifier from an export, in Java")
                .optBatchSize(3)
                .addGroup(
                    GroupSpec.builder()
                        .setName("body")
                        .setMatch("embeddings.*", "encoder.*")
                        .build())
                .addGroup(
                    GroupSpec.builder().setName("head").setMatch("head.*").optLr(2.0e-3).build())
                .addStage(StageSpec.builder().setEpochs(2).setTrain("body", "head").build())
                .setOptimizer(OptimizerSpec.builder().optType("adamw").setLr(1.0e-3).build())
                .optMonitor(MonitorSpec.builder().optSinks("jsonl").build())
                .optTrain(TrainSpec.builder().optSeed(7).build())
                .setOutput(OutputSpec.builder().setDir("runs/unused").build())
                .build());
    Recipe read = RecipeReader.readPolicy(file, List.of());
    assertEquals(read, built);
    assertEquals(RecipeReader.toPolicyYaml(read), RecipeReader.toPolicyYaml(built));

    Path run = TinyExport.write(tmp.resolve("cli"));
    JsonNode fromJava;
    JsonNode fromFile;
    Path javaOut = tmp.resolve("java");
    Path fileOut = tmp.resolve("file");
    try (ZooModel<String, Classifications> model = loadExport(run)) {
      fromJava =
          FineTuning.builder()
              .setModel(model)
              .setPolicy(built.withOutput(OutputSpec.builder().setDir(javaOut.toString()).build()))
              .setTask(new ClassificationTask(List.of("ham", "spam")))
              .setTrain(texts())
              .build()
              .run(QUIET);
    }
    try (ZooModel<String, Classifications> model = loadExport(run)) {
      fromFile =
          FineTuning.builder()
              .setModel(model)
              .setPolicy(file, "output.dir=" + fileOut)
              .setTask(new ClassificationTask(List.of("ham", "spam")))
              .setTrain(texts())
              .build()
              .run(QUIET);
    }
    assertEquals(JSON.readTree("[\"head\"]"), fromFile.get("new_groups"));
    assertEquals(fromFile.get("new_groups"), fromJava.get("new_groups"));
    assertEquals(
        Files.readString(fileOut.resolve("recipe.resolved.yaml")).replace(fileOut.toString(), "X"),
        Files.readString(javaOut.resolve("recipe.resolved.yaml")).replace(javaOut.toString(), "X"));
    assertArrayEquals(
        Files.readAllBytes(fileOut.resolve("model/model-0000.params")),
        Files.readAllBytes(javaOut.resolve("model/model-0000.params")));
  }

  /** A whole recipe is not a policy: its model and data would be silently ignored. */
  @Test
  void aWholeRecipeIsNotAPolicy() {
    RecipeException e =
        assertThrows(
            RecipeException.class,
            () ->
                FineTuning.validatePolicy(io.github.finetune4j.examples.QuickstartInJava.recipe()));
    // (its model section is the bundled MiniLM, which is what a policy's placeholder is)
    assertTrue(e.getMessage().contains("head: a policy has no head section"), e.getMessage());
    assertTrue(e.getMessage().contains("data.train: a policy has no data splits"), e.getMessage());
  }
}
