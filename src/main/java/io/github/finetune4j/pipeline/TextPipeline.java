package io.github.finetune4j.pipeline;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.data.DataException;
import io.github.finetune4j.data.TextData;
import io.github.finetune4j.data.TextExample;
import io.github.finetune4j.data.TextJsonlSource;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.model.bert.BertWeights;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.SourceSpec;
import io.github.finetune4j.recipe.TextJsonlSplit;
import io.github.finetune4j.train.ClassificationTask;
import io.github.finetune4j.train.TextBatches;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The run and plan of a text encoder ({@link TextEncoderSource}: bundled MiniLM, bert-onnx by path,
 * safetensors) on {@code text-jsonl} splits: read the splits, build the BERT-family classifier,
 * load the pre-trained weights once the run directory is locked, then the shared {@link
 * FineTune#train}.
 */
final class TextPipeline {

  private TextPipeline() {}

  /** The plan, from the architecture alone (no weight is read). */
  static Plan plan(Recipe recipe, TextEncoderSource source) throws BadInputException {
    try (NDManager manager = NDManager.newBaseManager()) {
      TextClassifierBlock block = newBlock(recipe, source.config());
      block.initialize(manager, DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
      return FineTune.resolved(recipe, block, ParameterNames.trainable(block)).plan();
    }
  }

  /** Reads the splits, builds and loads the model, then trains (see {@link FineTune#run}). */
  static ObjectNode run(
      Recipe recipe,
      Path recipeFile,
      TextEncoderSource source,
      PrintStream out,
      FineTuning.Action action,
      long wallStart,
      boolean resume)
      throws BadInputException, RunFailedException, IOException {
    List<String> classes = recipe.head().classes();
    List<TextExample> train = readSplit("data.train", recipe.data().train(), classes, out);
    List<TextExample> valid = readSplit("data.valid", recipe.data().valid(), classes, out);
    List<TextExample> test = readSplit("data.test", recipe.data().test(), classes, out);
    requireTwoClasses(recipe.data().train(), train, classes);

    Engine.getInstance().setRandomSeed((int) (long) recipe.train().seed());
    if (recipe.train().threads() != null) {
      System.setProperty("ai.djl.pytorch.num_threads", recipe.train().threads().toString());
    }
    BertConfig config = source.config();
    try (Model model = Model.newInstance("finetune4j", Devices.of(recipe));
        TextTokenizer tokenizer = source.tokenizer(recipe.data().maxLength())) {
      TextClassifierBlock block = newBlock(recipe, config);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
      model.setBlock(block);
      out.printf(
          Locale.ROOT,
          "Tokenizing %d/%d/%d examples (max length %d)%n",
          train.size(),
          valid.size(),
          test.size(),
          recipe.data().maxLength());
      String init = FineTune.init(recipe.model());
      FineTuning ft =
          FineTuning.builder()
              .setModel(model)
              .setRecipe(recipe, recipeFile)
              .optProtect(FineTune.dataFiles(recipe))
              .setTask(new ClassificationTask(recipe.head().classes()))
              .setTrain(batches(tokenizer, train))
              .optValid(valid.isEmpty() ? null : batches(tokenizer, valid))
              .optTest(test.isEmpty() ? null : batches(tokenizer, test))
              .optWeights(
                  (b, o) -> {
                    o.printf(Locale.ROOT, "Loading %s (%s weights)%n", source.describe(), init);
                    if ("pretrained".equals(init)) {
                      BertWeights.load(b, source.weights());
                    }
                  })
              .optExport(
                  (modelDir, m) -> {
                    ObjectNode cfg = FineTune.JSON.createObjectNode();
                    cfg.set("bert", FineTune.JSON.valueToTree(block.config()));
                    ArrayNode cls = cfg.putArray("classes");
                    recipe.head().classes().forEach(cls::add);
                    cfg.put("pooling", recipe.head().pooling());
                    cfg.put("dropout", recipe.head().dropout());
                    cfg.put("max_length", recipe.data().maxLength());
                    cfg.put(
                        "text_field",
                        recipe.data().train() instanceof TextJsonlSplit t ? t.text() : "text");
                    Exporter.write(modelDir, m, tokenizer, cfg);
                  })
              .startedAt(wallStart)
              .optResume(resume)
              .build();
      return action.apply(ft);
    }
  }

  static List<TextExample> readSplit(
      String path, SourceSpec spec, List<String> classes, PrintStream out)
      throws BadInputException {
    if (spec == null) {
      return List.of();
    }
    if (!(spec instanceof TextJsonlSplit jsonl)) {
      throw new BadInputException(
          List.of(path + ".type '" + spec.kind() + "' is not wired into the pipeline yet"));
    }
    try {
      TextData data =
          new TextJsonlSource(Path.of(spec.path()), jsonl.text(), jsonl.label(), spec.limit())
              .readData(classes);
      if (data.emptyTextsSkipped() > 0) {
        out.printf(
            Locale.ROOT,
            "Note: %s: skipped %d example%s with an empty text (%s)%n",
            path,
            data.emptyTextsSkipped(),
            data.emptyTextsSkipped() == 1 ? "" : "s",
            spec.path());
      }
      if (data.invalidUtf8Lines() > 0) {
        out.printf(
            Locale.ROOT,
            "Warning: %s: %d line%s of %s %s not valid UTF-8 (first: line %d);"
                + " the invalid bytes were replaced by U+FFFD%n",
            path,
            data.invalidUtf8Lines(),
            data.invalidUtf8Lines() == 1 ? "" : "s",
            spec.path(),
            data.invalidUtf8Lines() == 1 ? "is" : "are",
            data.firstInvalidUtf8Line());
      }
      return data.examples();
    } catch (DataException e) {
      throw new BadInputException(List.of(path + ": " + e.getMessage()));
    }
  }

  /** A classifier needs at least two classes among its training labels. */
  static void requireTwoClasses(SourceSpec spec, List<TextExample> train, List<String> classes)
      throws BadInputException {
    if (train.isEmpty()) {
      return;
    }
    Set<Integer> seen = new TreeSet<>();
    train.forEach(e -> seen.add(e.label()));
    if (seen.size() < 2) {
      throw new BadInputException(
          List.of(
              "data.train: "
                  + spec.path()
                  + ": all "
                  + train.size()
                  + " examples read have the label '"
                  + classes.get(seen.iterator().next())
                  + "'; a classifier needs at least two classes in its training data"));
    }
  }

  static TextClassifierBlock newBlock(Recipe recipe, BertConfig config) throws BadInputException {
    if (recipe.data().maxLength() > config.maxPositions()) {
      throw new BadInputException(
          List.of(
              "data.max_length: "
                  + recipe.data().maxLength()
                  + " is more than the "
                  + config.maxPositions()
                  + " positions the model has"));
    }
    return new TextClassifierBlock(
        config, recipe.head().classes().size(), recipe.head().pooling(), recipe.head().dropout());
  }

  static TextBatches batches(TextTokenizer tokenizer, List<TextExample> examples) {
    long[][] ids = new long[examples.size()][];
    int[] labels = new int[examples.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokenizer.ids(examples.get(i).text());
      labels[i] = examples.get(i).label();
    }
    return new TextBatches(ids, labels);
  }
}
