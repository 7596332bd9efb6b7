package io.github.finetune4j.pipeline;

import static io.github.finetune4j.pipeline.Exporter.MODEL_CONFIG;
import static io.github.finetune4j.pipeline.Exporter.MODEL_DIR;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The one predictor: opens any export of a run — a text model, or a model of feature vectors fed
 * csv rows or images — checks it, and predicts what it was trained for, each input decoded by its
 * task into one {@link Prediction} (a class, a label set, or values).
 *
 * <p>{@link #open} refuses, with a {@link BadInputException} whose every sentence names its file, a
 * model directory whose files differ from its {@code manifest.json} (changed, damaged, missing or
 * added files), whose {@code finetune4j-model.json} is not valid or of a newer format, whose
 * parameters do not have exactly the shapes the metadata describes, or that holds a Java user's own
 * block (which only the user's code can rebuild; the message says how). Inputs of the wrong kind
 * (texts for a model of rows, say) are refused with what the model reads. Not thread-safe.
 *
 * <pre>{@code
 * try (Predictor p = Predictor.open(Path.of("runs/quickstart"))) {
 *   List<Prediction> out = p.predict(List.of("WIN a FREE prize now"));   // texts
 * }
 * try (Predictor p = Predictor.open(Path.of("runs/spamassassin-reranker"))) {
 *   List<Prediction> out = p.predictPairs(List.of("cheap meds"), List.of("Buy now ...")); // pairs
 * }
 * try (Predictor p = Predictor.open(Path.of("runs/breast-cancer-mlp"))) {
 *   List<Prediction> out = p.predictRows(Path.of("data/breast-cancer/test.csv")); // csv rows
 * }
 * }</pre>
 */
public final class Predictor implements AutoCloseable {

  /** Texts per forward pass of a text model. */
  public static final int BATCH_SIZE = TextReader.BATCH_SIZE;

  private final Path dir;
  private final TextReader text;
  private final FeatureReader features;

  private Predictor(Path dir, TextReader text, FeatureReader features) {
    this.dir = dir;
    this.text = text;
    this.features = features;
  }

  /**
   * Checks and loads an exported model of any family.
   *
   * @param runDir a run directory, or its {@code model} directory
   * @return the loaded model; close it when done
   * @throws BadInputException when there is no exported model or it is damaged or inconsistent
   */
  public static Predictor open(Path runDir) throws BadInputException {
    Path dir = modelDir(runDir);
    List<String> damaged = Manifest.verify(dir);
    if (!damaged.isEmpty()) {
      throw new BadInputException(damaged);
    }
    Path metaFile = dir.resolve(MODEL_CONFIG);
    ExportFormat.refuseOwnBlock(dir, metaFile);
    return FeatureMetadata.KIND.equals(FeatureMetadata.kindOf(metaFile))
        ? new Predictor(dir, null, FeatureReader.open(dir, metaFile))
        : new Predictor(dir, TextReader.open(dir, metaFile), null);
  }

  /**
   * Whether a run directory (or model directory) holds a model of feature vectors (csv rows or
   * images) rather than a text model, read from its metadata without loading anything; false when
   * it holds no readable metadata ({@link #open} says why).
   *
   * @param runDir a run directory, or its {@code model} directory
   * @return true for a model of feature vectors
   */
  public static boolean readsFeatures(Path runDir) {
    Path sub = runDir.resolve(MODEL_DIR);
    Path dir = Files.isDirectory(sub) ? sub : runDir;
    return FeatureMetadata.KIND.equals(FeatureMetadata.kindOf(dir.resolve(MODEL_CONFIG)));
  }

  /**
   * Loads an exported run and classifies texts (see {@link FineTune#predict}).
   *
   * @param runDir a run directory (or its {@code model} directory)
   * @param texts the texts
   * @return per text, in order
   * @throws BadInputException when the directory holds no usable exported text model
   */
  static List<Prediction> predict(Path runDir, List<String> texts) throws BadInputException {
    try (Predictor p = open(runDir)) {
      return p.predict(texts);
    }
  }

  /**
   * What the model reads: {@code texts}, {@code rows} (of a CSV file, or arrays of features) or
   * {@code images}.
   *
   * @return the kind of input
   */
  public String reads() {
    return text != null ? "texts" : features.readsImages() ? "images" : "rows";
  }

  /**
   * The task the model was trained for: {@code classification}, {@code multilabel} or {@code
   * regression}.
   *
   * @return the task
   */
  public String task() {
    return text != null ? text.task() : features.task();
  }

  /**
   * The names of the outputs, in order: classes, labels or targets.
   *
   * @return the names
   */
  public List<String> outputs() {
    return text != null ? text.classes() : features.outputs();
  }

  /**
   * The class names (or a multi-label model's labels) of a text model, in output order.
   *
   * @return the names
   */
  public List<String> classes() {
    return outputs();
  }

  /**
   * The JSONL field a text model's inputs are read from when none is given (recorded at export).
   *
   * @return the field name, or null for a model of rows or images
   */
  public String textField() {
    return text == null ? null : text.textField();
  }

  /**
   * The JSONL field of the second text of a model of text pairs (a cross-encoder, trained with
   * {@code text_pair}), recorded at export.
   *
   * @return the field name, or null for a model of single texts, rows or images
   */
  public String textPair() {
    return text == null ? null : text.textPair();
  }

  /**
   * The feature columns a model of rows reads, in order.
   *
   * @return the names (empty for a text or image model)
   */
  public List<String> featureColumns() {
    return features == null ? List.of() : features.featureColumns();
  }

  /**
   * Sets a text encoder's matrix products: {@code fp32} (the default), {@code bf16}, or {@code
   * auto} (bf16 where the CPU has bfloat16 units).
   *
   * @param precision {@code fp32}, {@code bf16} or {@code auto}
   * @throws BadInputException for {@code bf16} on a model of rows or images
   * @throws IllegalArgumentException for another value
   */
  public void setPrecision(String precision) throws BadInputException {
    if (text != null) {
      text.setPrecision(precision);
    } else if (!"fp32".equals(precision) && !"auto".equals(precision)) {
      throw new BadInputException(
          List.of(
              dir + ": --precision bf16 applies to text encoders; this model reads " + reads()));
    }
  }

  /**
   * Predicts texts, in batches of {@value #BATCH_SIZE} grouped by length.
   *
   * @param texts the texts (any number, empty ones too)
   * @return per text, in input order
   * @throws BadInputException when the model does not read single texts (a model of rows or images,
   *     or of text pairs), or the tokenizer gives an id outside the encoder's vocabulary
   */
  public List<Prediction> predict(List<String> texts) throws BadInputException {
    TextReader t = textModel();
    if ("embedding".equals(t.task())) {
      throw new BadInputException(
          List.of(
              dir
                  + ": an embedding model (task embedding) predicts no labels; `finetune embed "
                  + dir
                  + " --input FILE` prints its vectors"));
    }
    if (t.textPair() != null) {
      throw new BadInputException(
          List.of(
              dir
                  + ": holds a model of text pairs (a cross-encoder trained on \""
                  + t.textField()
                  + "\" and \""
                  + t.textPair()
                  + "\"); it scores pairs of texts (JSON Lines with both fields, or"
                  + " Predictor.predictPairs), not single texts"));
    }
    return t.predict(texts);
  }

  /**
   * Scores pairs of texts with a model trained on pairs ({@code text_pair}), tokenized as in
   * training: {@code [CLS] text [SEP] pair [SEP]} with segment ids 0 and 1.
   *
   * @param texts the first texts (queries)
   * @param pairs the second texts (passages), one per first text
   * @return per pair, in input order; {@link Prediction#text()} is the first text
   * @throws BadInputException when the model does not read pairs of texts, or the tokenizer gives
   *     an id outside the encoder's vocabulary
   * @throws IllegalArgumentException when the two lists differ in length
   */
  public List<Prediction> predictPairs(List<String> texts, List<String> pairs)
      throws BadInputException {
    TextReader t = textModel();
    if (t.textPair() == null) {
      throw new BadInputException(
          List.of(
              dir
                  + ": holds a model of single texts; it classifies texts, not pairs of texts"
                  + " (a model of pairs is trained with data.train.text_pair)"));
    }
    return t.predictPairs(texts, pairs);
  }

  /**
   * Whether {@code embed} normalizes by default: an embedding model as its recipe said ({@code
   * task.normalize}), any other text model yes.
   *
   * @return whether vectors are L2-normalized unless asked otherwise
   */
  public boolean normalizesEmbeddings() {
    return text == null || text.normalizes();
  }

  /**
   * Reads the feature columns of a CSV file with a header row (other columns are ignored) and
   * predicts every row.
   *
   * @param csv the file (gzip-compressed when its name ends in {@code .gz})
   * @return one prediction per row, in file order
   * @throws BadInputException when the model does not read rows, or the file cannot be read, lacks
   *     a feature column, or holds a cell that is not a number
   */
  public List<Prediction> predictRows(Path csv) throws BadInputException {
    return featureModel("rows").predict(csv);
  }

  /**
   * Predicts rows of raw feature values (the recorded transform is applied).
   *
   * @param rows one row per example, its values in the order of {@link #featureColumns()}
   * @return one prediction per row, in order
   * @throws BadInputException when the model does not read feature vectors, or its outputs are not
   *     finite
   */
  public List<Prediction> predict(float[][] rows) throws BadInputException {
    return featureModel(null).predict(rows);
  }

  /**
   * Reads image files with the export's transform (the one training used, without augmentation) and
   * predicts them.
   *
   * @param files the images
   * @return one prediction per image, in order
   * @throws BadInputException when the model does not read images, or an image cannot be read or
   *     does not fit the model
   */
  public List<Prediction> predictImages(List<Path> files) throws BadInputException {
    return featureModel("images").predictImages(files);
  }

  private TextReader textModel() throws BadInputException {
    if (text == null) {
      throw new BadInputException(
          List.of(
              dir
                  + ": holds a model of "
                  + (features.readsImages() ? "images" : "feature vectors")
                  + "; it predicts "
                  + (features.readsImages()
                      ? "image files"
                      : "rows of a CSV file (--input FILE.csv, or Predictor.predictRows)")
                  + ", not texts"));
    }
    return text;
  }

  private FeatureReader featureModel(String wanted) throws BadInputException {
    if (features == null) {
      throw new BadInputException(
          List.of(dir + ": holds a text classifier; it predicts texts, not rows of features"));
    }
    if ("rows".equals(wanted) && features.readsImages()) {
      throw new BadInputException(
          List.of(dir + ": holds a model of images; give image files, not a CSV of rows"));
    }
    if ("images".equals(wanted) && !features.readsImages()) {
      throw new BadInputException(List.of(dir + ": holds a model of csv rows, not of images"));
    }
    return features;
  }

  /** The model directory of a run directory (or the directory itself), or why there is none. */
  static Path modelDir(Path runDir) throws BadInputException {
    Path sub = runDir.resolve(MODEL_DIR);
    if (Files.isDirectory(sub)) {
      return sub;
    }
    if (Files.isRegularFile(runDir.resolve(MODEL_CONFIG))
        || Files.isRegularFile(runDir.resolve(Manifest.FILE_NAME))) {
      return runDir;
    }
    throw new BadInputException(
        List.of(
            runDir
                + ": no exported model here (expected "
                + MODEL_DIR
                + "/"
                + MODEL_CONFIG
                + " written by `finetune run`)"));
  }

  /**
   * A text model's sentence embeddings: its pooled token states, the vectors its head reads (what
   * the ONNX export's {@code sentence_embedding} gives), in input order.
   *
   * @param texts the texts
   * @param normalize whether each vector is scaled to length 1 (as {@code sentence_embedding})
   * @return one vector per text
   * @throws BadInputException for a model of feature vectors, or a tokenizer id outside the
   *     vocabulary
   */
  public float[][] embed(List<String> texts, boolean normalize) throws BadInputException {
    if (text == null) {
      throw new BadInputException(
          List.of(
              dir
                  + ": a model of feature vectors ("
                  + reads()
                  + "); finetune embed gives the sentence embeddings of a text model"));
    }
    return text.embed(texts, normalize);
  }

  /**
   * The loaded block (for writing other formats from an export).
   *
   * @return the text classifier or the model of feature vectors
   */
  ai.djl.nn.Block block() {
    return text != null ? text.block() : features.block();
  }

  /**
   * The checked model directory this predictor loaded.
   *
   * @return the directory
   */
  Path dir() {
    return dir;
  }

  /** Frees the model (and a text model's tokenizer). */
  @Override
  public void close() {
    if (text != null) {
      text.close();
    }
    if (features != null) {
      features.close();
    }
  }
}
