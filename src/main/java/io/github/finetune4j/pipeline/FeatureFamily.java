package io.github.finetune4j.pipeline;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.data.CsvSource;
import io.github.finetune4j.data.DataException;
import io.github.finetune4j.data.Standardizer;
import io.github.finetune4j.data.TabularData;
import io.github.finetune4j.model.FeatureModelBlock;
import io.github.finetune4j.model.TorchScriptBlock;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.recipe.CsvSplit;
import io.github.finetune4j.recipe.HeadSpec;
import io.github.finetune4j.recipe.ImageFolderSplit;
import io.github.finetune4j.recipe.LabelShape;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RegressionTaskSpec;
import io.github.finetune4j.recipe.TorchScriptModel;
import io.github.finetune4j.train.Checkpoint;
import io.github.finetune4j.train.FeatureBatches;
import io.github.finetune4j.train.Task;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The family of models of feature vectors ({@link FeatureModelSource}: TorchScript, DJL-native,
 * built-in) on csv or image-folder splits: reads the splits and standardizes csv features as {@code
 * data.standardize} says ({@link #scaling}: fitted on the training split, the transform a
 * Finetune4J export recorded, or none), loads the module from its source, puts the head on (a new
 * linear {@code classifier} on the module's output, or {@code none}: the module's own output, whose
 * width must be the number of classes or targets). Every problem with the data, the module or the
 * fit of the two is exit 2 before anything is written.
 */
final class FeatureFamily implements ModelFamily<FeatureFamily.Tables> {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final FeatureModelSource source;

  FeatureFamily(FeatureModelSource source) {
    this.source = source;
  }

  /** The file a checkpoint of a TorchScript module holds it in, buffers included. */
  static final String MODULE_FILE = "module.pt";

  /**
   * The splits as read and standardized.
   *
   * @param train the training split
   * @param valid the validation split, or null
   * @param test the test split, or null
   * @param standardizer what the features went through: fitted on the raw training split, recorded
   *     by the export the module comes from, or the identity (null for images)
   * @param images the images' transform, shape and augmentation (null for csv)
   * @param scaling whether and why the features are standardized (null for images)
   */
  record Tables(
      TabularData train,
      TabularData valid,
      TabularData test,
      Standardizer standardizer,
      ImageTables.Images images,
      Scaling scaling) {

    /** Splits of images, which have their own transform. */
    Tables(
        TabularData train,
        TabularData valid,
        TabularData test,
        Standardizer standardizer,
        ImageTables.Images images) {
      this(train, valid, test, standardizer, images, null);
    }

    /** The input shape of one example the data gives, or null for flat feature vectors. */
    long[] naturalShape() {
      return images == null ? null : images.exampleShape();
    }
  }

  /**
   * What {@code data.standardize} makes of a model's csv features.
   *
   * @param applied whether the features are standardized
   * @param why the setting and, for {@code auto}, what about the model decided it
   * @param recorded the transform a Finetune4J export recorded, reused as it is; null to fit one on
   *     the training split (or none, when not applied)
   * @param recordedIn the export's metadata file, or null
   */
  record Scaling(boolean applied, String why, Standardizer recorded, Path recordedIn) {

    Plan.Standardize word() {
      return new Plan.Standardize(applied, why);
    }
  }

  /**
   * Whether the csv features are standardized: {@code true} and {@code false} say so; {@code auto}
   * standardizes for a network trained from scratch, reuses the transform a Finetune4J export
   * recorded (its statistics, or none), and feeds any other pre-trained module its features as they
   * are. Loads nothing; an export's metadata is read and checked.
   *
   * @param recipe the recipe
   * @param source the model's source, or null when not known (then {@code auto} standardizes)
   * @return the decision
   * @throws BadInputException when an export's metadata cannot be read
   */
  static Scaling scaling(Recipe recipe, FeatureModelSource source) throws BadInputException {
    String setting = recipe.data().standardize();
    if ("true".equals(setting) || "false".equals(setting)) {
      return new Scaling(Boolean.parseBoolean(setting), "data.standardize: " + setting, null, null);
    }
    if (source == null || source.fromScratch()) {
      return new Scaling(
          true,
          "data.standardize: auto; "
              + (source == null ? "the model" : source.describe())
              + " is trained from scratch",
          null,
          null);
    }
    Path file = source.exportMetadata();
    if (file == null) {
      return new Scaling(
          false,
          "data.standardize: auto; "
              + source.describe()
              + " is a pre-trained module not exported by Finetune4J: it gets the features on"
              + " their own scale (data.standardize: true standardizes them)",
          null,
          null);
    }
    Standardizer recorded = FeatureMetadata.read(file).standardizer();
    if (recorded == null) {
      throw new BadInputException(
          List.of(
              "data.standardize: auto reuses the feature transform of the Finetune4J export "
                  + file
                  + ", but it is a model of images and records none for csv features; set"
                  + " data.standardize: true or false"));
    }
    return recorded.isIdentity()
        ? new Scaling(
            false,
            "data.standardize: auto; the Finetune4J export "
                + file
                + " records that its features were fed as they are",
            null,
            file)
        : new Scaling(
            true,
            "data.standardize: auto; reuses the standardizer recorded in the Finetune4J export "
                + file,
            recorded,
            file);
  }

  /** The recorded transform, when its features are not the data's, is refused. */
  private static void requireRecordedFeatures(Scaling scaling, List<String> features)
      throws BadInputException {
    if (scaling.recorded() != null && !scaling.recorded().featureNames().equals(features)) {
      throw new BadInputException(
          List.of(
              "data.standardize: auto reuses the standardizer recorded in "
                  + scaling.recordedIn()
                  + ", fitted on the features "
                  + shortList(scaling.recorded().featureNames())
                  + " in this order, but data.train's feature columns are "
                  + shortList(features)
                  + "; list them in data.train.features in the recorded order, or set"
                  + " data.standardize: true (fit on data.train) or false"));
    }
  }

  @Override
  public Plan.Standardize standardize(Recipe recipe) throws BadInputException {
    if (!(recipe.data().train() instanceof CsvSplit split)) {
      return null;
    }
    Scaling scaling = scaling(recipe, source);
    requireRecordedFeatures(scaling, read("data.train", split, 1, recipe).featureNames());
    return scaling.word();
  }

  /**
   * Loads the module (its file is the architecture) and resolves the plan; reads only the header
   * and first row of the training split, to know its feature columns.
   */
  @Override
  public Block architecture(Recipe recipe, NDManager manager) throws BadInputException {
    int width;
    long[] natural = null;
    List<String> outputs;
    if (recipe.data().train() instanceof ImageFolderSplit) {
      natural = ImageTables.firstShape(recipe);
      width = Math.toIntExact(natural[0] * natural[1] * natural[2]);
      outputs = recipe.head().classes();
    } else {
      TabularData first = read("data.train", (CsvSplit) recipe.data().train(), 1, recipe);
      width = first.featureCount();
      outputs = outputNames(recipe, first);
    }
    FeatureModelBlock block = build(recipe, source, width, natural, outputs, manager, null, null);
    block.initialize(manager, DataType.FLOAT32, new Shape(1, width));
    return block;
  }

  @Override
  public Tables read(Recipe recipe, PrintStream out) throws BadInputException {
    return tables(recipe, source, out);
  }

  @Override
  public Map<String, Parameter> parameters(Block block) throws BadInputException {
    return parameters((FeatureModelBlock) block);
  }

  @Override
  public Parts build(Recipe recipe, Tables tables, Model model, PrintStream out, boolean resume)
      throws BadInputException, IOException {
    boolean regression = recipe.task() instanceof RegressionTaskSpec;
    List<String> outputs = outputNames(recipe, tables.train());
    float[][] mapping =
        regression && ((RegressionTaskSpec) recipe.task()).standardizeTargets()
            ? targetMapping(tables.train())
            : null;
    int width = tables.train().featureCount();
    out.printf(
        Locale.ROOT,
        "Loading %s (%s, %s)%n",
        source.describe(),
        tables.images() == null ? width + " features" : "images of " + shape(tables.naturalShape()),
        "none".equals(recipe.head().replace())
            ? "its own output"
            : "a new linear head of "
                + outputs.size()
                + " output"
                + (outputs.size() == 1 ? "" : "s"));
    // A resumed run of a TorchScript module continues with the module its checkpoint holds
    // (its BatchNorm buffers are not DJL parameters); the run checks it is still the newest.
    Checkpoint peek = resume ? Resume.peek(Path.of(recipe.output().dir())) : null;
    Path moduleFile = peek == null ? null : peek.file(MODULE_FILE);
    FeatureModelBlock block =
        build(
            recipe,
            source,
            width,
            tables.naturalShape(),
            outputs,
            model.getNDManager(),
            mapping,
            moduleFile);
    block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, width));
    model.setBlock(block);
    parameters(block); // a module naming a parameter like the new head's is refused here
    Task task = TaskKind.of(recipe.task()).task(outputs);
    TabularData train = tables.train();
    TabularData valid = tables.valid();
    TabularData test = tables.test();
    if (tables.images() == null) {
      Scaling scaling = tables.scaling();
      String features = width + " feature" + (width == 1 ? "" : "s");
      out.printf(
          Locale.ROOT,
          "%s; %d/%d/%d rows%n",
          !scaling.applied()
              ? features + " fed as they are, not standardized (" + scaling.why() + ")"
              : scaling.recorded() != null
                  ? "Standardized "
                      + features
                      + " (the standardizer recorded in "
                      + scaling.recordedIn()
                      + ")"
                  : "Standardized "
                      + features
                      + " (fitted on the "
                      + train.rows()
                      + " training rows)",
          train.rows(),
          valid == null ? 0 : valid.rows(),
          test == null ? 0 : test.rows());
    } else {
      out.printf(
          Locale.ROOT,
          "Read %d/%d/%d images (%s)%s%n",
          train.rows(),
          valid == null ? 0 : valid.rows(),
          test == null ? 0 : test.rows(),
          shape(tables.naturalShape()),
          tables.images().augment() == null ? "" : "; the training images augmented");
    }
    return new Parts(
        task,
        tables.images() == null
            ? batches(train)
            : ImageTables.trainBatches(train, tables.images(), recipe.train().seed()),
        valid == null ? null : batches(valid),
        test == null ? null : batches(test),
        null,
        (modelDir, m, trained) ->
            Exporter.writeFeatures(
                modelDir,
                m,
                block.module(),
                metadata(recipe, source, block, tables, outputs, mapping, trained)),
        summary -> describe(summary, tables, outputs, TaskKind.of(recipe.task())),
        block.module() instanceof PtSymbolBlock pt
            ? List.of(new Checkpoint.Extra(MODULE_FILE, os -> JniUtils.writeModule(pt, os, false)))
            : List.of(),
        moduleFile == null ? null : peek.dir(),
        null);
  }

  /** The class names, or the target columns of a regression. */
  private static List<String> outputNames(Recipe recipe, TabularData train) {
    return TaskKind.of(recipe.task()).labels() != LabelShape.CLASS
        ? train.targetNames()
        : recipe.head().classes();
  }

  /**
   * Loads the module and puts the head on; one forward pass of a batch of zeros (inference mode)
   * measures its output.
   */
  private static FeatureModelBlock build(
      Recipe recipe,
      FeatureModelSource source,
      int featureCount,
      long[] natural,
      List<String> outputs,
      NDManager manager,
      float[][] mapping,
      Path checkpointModule)
      throws BadInputException {
    long[] example = source.exampleShape(featureCount, natural);
    String method = source.featuresMethod();
    Block module;
    if (checkpointModule != null) {
      try {
        module = TorchScriptBlock.load(checkpointModule, manager);
      } catch (IOException e) {
        throw new BadInputException(
            List.of(
                "--resume: "
                    + checkpointModule
                    + ": "
                    + e.getMessage().lines().findFirst().orElse("cannot be read")));
      }
    } else {
      module = source.load(manager, outputs.size());
    }
    if (module instanceof TorchScriptBlock ts
        && !ts.structure().statisticsModules().isEmpty()
        && recipe.train().earlyStopping() != null
        && recipe.train().earlyStopping().restoreBest()
        && recipe.groups().stream().anyMatch(g -> "train".equals(g.norm()))) {
      throw new BadInputException(
          List.of(
              "train.early_stopping.restore_best: the module's BatchNorm running statistics are"
                  + " TorchScript buffers, which the best epoch's weights cannot be put back with;"
                  + " use norm: freeze_stats for its groups, or restore_best: false"));
    }
    if (method != null && module instanceof PtSymbolBlock pt) {
      List<String> methods = Arrays.asList(JniUtils.getMethodNames(pt));
      if (!methods.contains(method)) {
        throw new BadInputException(
            List.of(
                "model.features_method: the module has no method '"
                    + method
                    + "' (its methods: "
                    + new TreeSet<>(methods)
                    + "); export it with"
                    + " @torch.jit.export"));
      }
    }
    Shape shape;
    long[] batch = new long[example.length + 1];
    batch[0] = 1;
    System.arraycopy(example, 0, batch, 1, example.length);
    try {
      if (!(module instanceof PtSymbolBlock) && !module.isInitialized()) {
        module.initialize(manager, DataType.FLOAT32, new Shape(batch)); // random, seeded
      }
      shape = FeatureModelBlock.probe(module, example, method, manager);
    } catch (RuntimeException e) {
      String m = String.valueOf(e.getMessage());
      throw new BadInputException(
          List.of(
              "model.path: "
                  + recipe.model().kind()
                  + " module "
                  + source.describe()
                  + " cannot run on a batch of shape "
                  + new Shape(batch)
                  + ": "
                  + m.lines().findFirst().orElse(m)
                  + (recipe.model() instanceof TorchScriptModel t && t.inputShape() == null
                      ? " (the input is [batch, feature columns]; give model.input_shape if it takes"
                          + " another shape)"
                      : "")));
    }
    if (shape.dimension() != 2) {
      throw new BadInputException(
          List.of(
              "model.path: the module's output for a batch of "
                  + new Shape(batch)
                  + " has shape "
                  + shape
                  + "; a head needs [batch, values]"
                  + (method == null
                      ? " (export a method that returns them and name it in"
                          + " model.features_method)"
                      : "")));
    }
    int width = Math.toIntExact(shape.get(1));
    HeadSpec head = recipe.head();
    boolean own = "none".equals(head.replace());
    if (own && width != outputs.size()) {
      boolean regression = TaskKind.of(recipe.task()).labels() != LabelShape.CLASS;
      throw new BadInputException(
          List.of(
              "head.replace: 'none' keeps the model's own output,"
                  + " which has "
                  + width
                  + " value"
                  + (width == 1 ? "" : "s")
                  + " per example, but "
                  + (regression
                      ? "data.train.targets names "
                          + outputs.size()
                          + " column"
                          + (outputs.size() == 1 ? "" : "s")
                      : "head.classes lists " + outputs.size() + " classes")
                  + "; use head.replace: classifier to put a new head on it"));
    }
    return new FeatureModelBlock(
        module,
        example,
        method,
        width,
        own ? 0 : outputs.size(),
        head.dropout(),
        mapping == null ? null : mapping[0],
        mapping == null ? null : mapping[1]);
  }

  /** The trainable parameters; a module that already names one like the new head is refused. */
  private static Map<String, Parameter> parameters(FeatureModelBlock block)
      throws BadInputException {
    try {
      return ParameterNames.trainable(block);
    } catch (IllegalStateException e) {
      throw new BadInputException(
          List.of(
              "head.replace: the module has a parameter named like"
                  + " the new head's ("
                  + e.getMessage().replace("Two parameters share the name ", "")
                  + "); rename it in the module, or use head.replace: none"));
    }
  }

  /** Reads the three splits, checks them against each other and standardizes them. */
  static Tables tables(Recipe recipe, PrintStream out) throws BadInputException {
    return tables(recipe, null, out);
  }

  /** {@link #tables(Recipe, PrintStream)}, images normalized by the model's defaults if asked. */
  static Tables tables(Recipe recipe, FeatureModelSource source, PrintStream out)
      throws BadInputException {
    if (recipe.data().train() instanceof ImageFolderSplit) {
      return ImageTables.read(recipe, source == null ? null : source.imageDefaults(), out);
    }
    TabularData train = read("data.train", (CsvSplit) recipe.data().train(), null, recipe);
    TabularData valid =
        recipe.data().valid() == null
            ? null
            : read("data.valid", (CsvSplit) recipe.data().valid(), null, recipe);
    TabularData test =
        recipe.data().test() == null
            ? null
            : read("data.test", (CsvSplit) recipe.data().test(), null, recipe);
    if (TaskKind.of(recipe.task()).labels() == LabelShape.LABEL_SET) {
      String[] names = {"data.train", "data.valid", "data.test"};
      TabularData[] splits = {train, valid, test};
      for (int s = 0; s < splits.length; s++) {
        if (splits[s] != null) {
          requireZeroOne(names[s], splits[s]);
        }
      }
    }
    if (train.isClassification()) {
      int[] counts = new int[train.classes().size()];
      for (int label : train.labels()) {
        counts[label]++;
      }
      long present = Arrays.stream(counts).filter(c -> c > 0).count();
      if (present < 2) {
        String only = train.classes().get(train.label(0));
        throw new BadInputException(
            List.of(
                "data.train: "
                    + recipe.data().train().path()
                    + ": all "
                    + train.rows()
                    + " rows read have the label '"
                    + only
                    + "'; a classifier"
                    + " needs at least two classes in its training data"));
      }
    }
    for (Object[] split :
        new Object[][] {
          {"data.valid", valid, recipe.data().valid()}, {"data.test", test, recipe.data().test()}
        }) {
      TabularData t = (TabularData) split[1];
      if (t != null && !t.featureNames().equals(train.featureNames())) {
        String name = (String) split[0];
        throw new BadInputException(
            List.of(
                name
                    + ": "
                    + ((CsvSplit) split[2]).path()
                    + ": "
                    + featureDifference(t.featureNames(), train.featureNames())
                    + "; every split needs the same features, in the same order (list them in "
                    + name
                    + ".features to read them in data.train's order)"));
      }
    }
    Scaling scaling = scaling(recipe, source);
    requireRecordedFeatures(scaling, train.featureNames());
    Standardizer standardizer;
    if (!scaling.applied()) {
      standardizer = Standardizer.identity(train.featureNames());
    } else if (scaling.recorded() != null) {
      standardizer = scaling.recorded();
    } else {
      standardizer = Standardizer.fit(train);
      if (!standardizer.constantColumns().isEmpty()) {
        out.printf(
            Locale.ROOT,
            "Note: data.train: constant feature column%s %s (standardized to" + " 0)%n",
            standardizer.constantColumns().size() == 1 ? "" : "s",
            standardizer.constantColumns());
      }
    }
    return new Tables(
        standardizer.apply(train),
        valid == null ? null : standardizer.apply(valid),
        test == null ? null : standardizer.apply(test),
        standardizer,
        null,
        scaling);
  }

  /** A multi-label split's label columns hold 0 or 1 only. */
  private static void requireZeroOne(String name, TabularData split) throws BadInputException {
    float[][] t = split.targets();
    for (int r = 0; r < t.length; r++) {
      for (int j = 0; j < t[r].length; j++) {
        if (t[r][j] != 0f && t[r][j] != 1f) {
          throw new BadInputException(
              List.of(
                  name
                      + ": label column '"
                      + split.targetNames().get(j)
                      + "' holds "
                      + t[r][j]
                      + " in data row "
                      + (r + 1)
                      + "; a multilabel task reads 0 (no) or 1 (yes) per label"));
        }
      }
    }
  }

  /**
   * How a split's feature columns differ from the training split's: the same in another order (the
   * first place they part), or the names missing and extra (the columns of one split are distinct:
   * {@link CsvSource} refuses a name twice).
   */
  private static String featureDifference(List<String> split, List<String> train) {
    if (new TreeSet<>(split).equals(new TreeSet<>(train))) {
      int i = 0;
      while (split.get(i).equals(train.get(i))) {
        i++;
      }
      return "its feature columns are data.train's in another order (feature "
          + (i + 1)
          + " is '"
          + split.get(i)
          + "' here, '"
          + train.get(i)
          + "' in data.train)";
    }
    List<String> missing = train.stream().filter(c -> !split.contains(c)).toList();
    List<String> extra = split.stream().filter(c -> !train.contains(c)).toList();
    return "its feature columns differ from data.train's ("
        + (missing.isEmpty() ? "" : "missing: " + shortList(missing))
        + (missing.isEmpty() || extra.isEmpty() ? "" : "; ")
        + (extra.isEmpty() ? "" : "not in data.train: " + shortList(extra))
        + ")";
  }

  /** At most ten names, then how many more. */
  private static String shortList(List<String> names) {
    String shown = String.join(", ", names.subList(0, Math.min(10, names.size())));
    return names.size() > 10 ? shown + " and " + (names.size() - 10) + " more" : shown;
  }

  /** Reads one split (with {@code limit}, when not null, instead of the split's own). */
  private static TabularData read(String path, CsvSplit spec, Integer limit, Recipe recipe)
      throws BadInputException {
    try {
      CsvSource source =
          new CsvSource(
              Path.of(spec.path()),
              spec.delimiter().charAt(0),
              spec.features(),
              limit != null ? limit : spec.limit());
      return spec.targets() != null
          ? source.readRegression(spec.targets())
          : source.readClassification(spec.label(), recipe.head().classes());
    } catch (DataException | IllegalArgumentException e) {
      throw new BadInputException(List.of(path + ": " + e.getMessage()));
    }
  }

  /**
   * Per target, {@code std} and {@code mean} of the training split (population standard deviation
   * in double precision; 1 for a constant target): the network's outputs {@code o} are read as
   * standardized targets and mapped to {@code o · std + mean}.
   */
  private static float[][] targetMapping(TabularData train) {
    int k = train.targetNames().size();
    float[][] t = train.targets();
    double[] mean = new double[k];
    for (float[] row : t) {
      for (int j = 0; j < k; j++) {
        mean[j] += row[j];
      }
    }
    double[] sq = new double[k];
    for (int j = 0; j < k; j++) {
      mean[j] /= t.length;
    }
    for (float[] row : t) {
      for (int j = 0; j < k; j++) {
        sq[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
      }
    }
    float[] scale = new float[k];
    float[] shift = new float[k];
    for (int j = 0; j < k; j++) {
      double std = Math.sqrt(sq[j] / t.length);
      scale[j] = std > 0 ? (float) std : 1f;
      shift[j] = (float) mean[j];
    }
    return new float[][] {scale, shift};
  }

  private static String shape(long[] chw) {
    return chw[0] + "x" + chw[1] + "x" + chw[2];
  }

  private static FeatureBatches batches(TabularData t) {
    return t.isClassification()
        ? new FeatureBatches(t.features(), t.labels())
        : FeatureBatches.regression(t.features(), t.targets());
  }

  private static void describe(
      ObjectNode summary, Tables tables, List<String> outputs, TaskKind kind) {
    ArrayNode names = summary.putArray(kind.outputsKey());
    outputs.forEach(names::add);
    if (tables.images() != null) {
      ObjectNode im = summary.putObject("images");
      ArrayNode shape = im.putArray("shape");
      for (long d : tables.naturalShape()) {
        shape.add(d);
      }
      im.put("skipped", tables.images().skipped());
      if (tables.images().firstSkipped() != null) {
        im.put("first_skipped", tables.images().firstSkipped());
      }
      return;
    }
    ArrayNode features = summary.putArray("features");
    tables.train().featureNames().forEach(features::add);
    summary.set("standardize", tables.scaling().word().toJson());
  }

  /** The exported model's {@value Exporter#MODEL_CONFIG} (see {@link FeatureMetadata}). */
  private static ObjectNode metadata(
      Recipe recipe,
      FeatureModelSource source,
      FeatureModelBlock block,
      Tables tables,
      List<String> outputs,
      float[][] mapping,
      Task trained) {
    ObjectNode m = JSON.createObjectNode();
    m.put("kind", FeatureMetadata.KIND);
    ExportFormat.stamp(m, "features", TaskKind.of(recipe.task()).name());
    ObjectNode module = m.putObject("module");
    module.put("type", block.module() instanceof PtSymbolBlock ? "torchscript" : "djl-block");
    module.put("source", source.kind());
    source.describeModule(module);
    ArrayNode example = module.putArray("example_shape");
    for (long d : block.exampleShape()) {
      example.add(d);
    }
    if (source.featuresMethod() != null) {
      module.put("method", source.featuresMethod());
    }
    module.put("outputs", block.moduleOutputs());
    m.put("head", block.hasHead() ? "classifier" : "none");
    m.put("dropout", recipe.head().dropout());
    ArrayNode names = m.putArray(TaskKind.of(recipe.task()).outputsKey());
    outputs.forEach(names::add);
    TaskKind.of(recipe.task()).describe(m, trained);
    if (mapping != null) {
      ObjectNode map = m.putObject("target_mapping");
      ArrayNode scale = map.putArray("scale");
      ArrayNode shift = map.putArray("shift");
      for (int j = 0; j < mapping[0].length; j++) {
        scale.add(mapping[0][j]);
        shift.add(mapping[1][j]);
      }
    }
    if (tables.images() != null) {
      m.set("image", tables.images().transform().toJson());
      return m;
    }
    m.put("delimiter", ((CsvSplit) recipe.data().train()).delimiter());
    m.set("standardizer", tables.standardizer().toJson());
    return m;
  }
}
