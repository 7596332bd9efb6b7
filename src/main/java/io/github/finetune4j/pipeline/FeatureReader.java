package io.github.finetune4j.pipeline;

import static io.github.finetune4j.pipeline.Exporter.MODEL_NAME;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.training.ParameterStore;
import io.github.finetune4j.data.CsvSource;
import io.github.finetune4j.data.DataException;
import io.github.finetune4j.data.TabularData;
import io.github.finetune4j.model.DjlModules;
import io.github.finetune4j.model.FeatureModelBlock;
import io.github.finetune4j.params.ParameterNames;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The feature family's part of {@link Predictor}: an exported model of feature vectors (a
 * TorchScript or DJL-native module with its head), loaded and checked against its metadata ({@link
 * FeatureMetadata}: the new head has one output per class, label or target on the module's outputs,
 * and the module gives as many values as recorded). It reads the feature columns of a CSV file by
 * name (other columns are ignored), applies the recorded transform, and runs rows in batches of
 * {@value #BATCH_SIZE}; or reads images with the recorded transform. Not thread-safe.
 */
final class FeatureReader implements AutoCloseable {

  /** Rows per forward pass. */
  static final int BATCH_SIZE = 256;

  private final FeatureMetadata metadata;
  private final Model model;
  private final FeatureModelBlock block;
  private final ParameterStore ps;
  private final Path dir;

  /**
   * The loaded model (for writing other formats from an export).
   *
   * @return the block
   */
  FeatureModelBlock block() {
    return block;
  }

  private FeatureReader(FeatureMetadata metadata, Model model, FeatureModelBlock block, Path dir) {
    this.metadata = metadata;
    this.model = model;
    this.block = block;
    this.dir = dir;
    this.ps = new ParameterStore(model.getNDManager(), false);
  }

  /**
   * Loads a model of feature vectors whose directory the {@link Predictor} has checked.
   *
   * @param dir the model directory
   * @param metaFile its metadata
   * @return the loaded model; close it when done
   * @throws BadInputException when the files are inconsistent
   */
  static FeatureReader open(Path dir, Path metaFile) throws BadInputException {
    FeatureMetadata meta = FeatureMetadata.read(metaFile);
    Model model = Model.newInstance("finetune4j", Device.cpu());
    try {
      Block module =
          meta.blockFactory() == null
              ? new PtSymbolBlock((PtNDManager) model.getNDManager())
              : nativeModule(model, dir, meta);
      int k = meta.outputs().size();
      FeatureModelBlock block =
          new FeatureModelBlock(
              module,
              meta.exampleShape(),
              meta.method(),
              meta.moduleOutputs(),
              "classifier".equals(meta.head()) ? k : 0,
              meta.dropout(),
              meta.scale(),
              meta.shift());
      model.setBlock(block);
      load(model, block, dir, meta, metaFile);
      return new FeatureReader(meta, model, block, dir);
    } catch (BadInputException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** Rebuilds a DJL-native module with its block factory (see {@link DjlModules#build}). */
  private static Block nativeModule(Model model, Path dir, FeatureMetadata meta)
      throws BadInputException {
    try {
      return DjlModules.build(
          meta.blockFactory(), model, dir, meta.arguments(), meta.featuresBlock());
    } catch (IOException e) {
      throw new BadInputException(
          List.of(dir + ": cannot rebuild the exported DJL model: " + e.getMessage()));
    }
  }

  private static void load(
      Model model, FeatureModelBlock block, Path dir, FeatureMetadata meta, Path metaFile)
      throws BadInputException {
    Path params = dir.resolve(MODEL_NAME + "-0000.params");
    BadInputException foreign =
        new BadInputException(
            List.of(
                params
                    + ": not a parameter file"
                    + " of the model that "
                    + metaFile
                    + " describes (it is damaged, or the two files do not"
                    + " belong together)"));
    if (!Files.isRegularFile(params)) {
      throw new BadInputException(List.of(params + ": missing (the exported parameters)"));
    }
    try {
      model.load(dir, MODEL_NAME);
    } catch (EOFException e) {
      throw new BadInputException(List.of(params + ": ends early (the file is truncated)"));
    } catch (Exception e) {
      throw foreign;
    }
    List<String> problems = new ArrayList<>();
    Shape out;
    try {
      out =
          FeatureModelBlock.probe(
              block.module(), meta.exampleShape(), meta.method(), model.getNDManager());
    } catch (RuntimeException e) {
      throw foreign;
    }
    if (out.dimension() != 2 || out.get(1) != meta.moduleOutputs()) {
      problems.add(
          params
              + ": its module gives "
              + out
              + " values for one example, but "
              + metaFile
              + " records "
              + meta.moduleOutputs()
              + " (the metadata does not match the"
              + " parameters)");
    }
    if (block.hasHead()) {
      Map<String, Parameter> p = ParameterNames.of(block);
      Parameter w = p.get("head.weight");
      Parameter b = p.get("head.bias");
      Shape want = new Shape(meta.outputs().size(), meta.moduleOutputs());
      if (w == null || b == null || !w.isInitialized() || !b.isInitialized()) {
        throw foreign;
      }
      if (!w.getArray().getShape().equals(want)
          || b.getArray().getShape().size() != meta.outputs().size()) {
        problems.add(
            metaFile
                + ": lists "
                + meta.outputs().size()
                + " "
                + (meta.classification() ? "classes" : "targets")
                + " on "
                + meta.moduleOutputs()
                + " module outputs, but the head in "
                + params.getFileName()
                + " has shape "
                + w.getArray().getShape());
      }
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(problems);
    }
  }

  /**
   * {@code classification} or {@code regression}.
   *
   * @return the task
   */
  String task() {
    return metadata.task();
  }

  /**
   * The class names (classification) or target names (regression), in output order.
   *
   * @return the names
   */
  List<String> outputs() {
    return metadata.outputs();
  }

  /**
   * The feature columns the model reads, in order.
   *
   * @return the names
   */
  List<String> featureColumns() {
    return metadata.featureColumns();
  }

  /**
   * Reads the feature columns of a CSV file with a header row (other columns are ignored) and
   * predicts every row.
   *
   * @param csv the file (gzip-compressed when its name ends in {@code .gz})
   * @return one prediction per row, in file order
   * @throws BadInputException when the file cannot be read, lacks a feature column, or holds a cell
   *     that is not a number
   */
  List<Prediction> predict(Path csv) throws BadInputException {
    if (metadata.images()) {
      throw new BadInputException(
          List.of(dir + ": holds a model of images; give image files, not a CSV of rows"));
    }
    TabularData rows;
    try {
      rows = new CsvSource(csv, metadata.delimiter(), featureColumns(), null).readFeatures();
    } catch (DataException e) {
      throw new BadInputException(List.of(e.getMessage()));
    }
    return predict(rows.features());
  }

  /**
   * Predicts rows of raw (not yet standardized) feature values.
   *
   * @param rows one row per example, its values in the order of {@link #featureColumns()}
   * @return one prediction per row, in order
   * @throws BadInputException when the model's outputs are not finite
   */
  List<Prediction> predict(float[][] rows) throws BadInputException {
    int width =
        metadata.images()
            ? Math.toIntExact(Arrays.stream(metadata.exampleShape()).reduce(1, Math::multiplyExact))
            : featureColumns().size();
    List<String> names = metadata.outputs();
    TaskKind kind = TaskKind.ofExport(metadata.task(), metadata.threshold(), metadata.thresholds());
    List<Prediction> out = new ArrayList<>(rows.length);
    for (int start = 0; start < rows.length; start += BATCH_SIZE) {
      int b = Math.min(BATCH_SIZE, rows.length - start);
      float[] flat = new float[b * width];
      for (int r = 0; r < b; r++) {
        float[] x =
            metadata.standardizer() == null
                ? rows[start + r]
                : metadata.standardizer().apply(rows[start + r]);
        System.arraycopy(x, 0, flat, r * width, width);
      }
      float[] y;
      try (NDScope scope = new NDScope();
          NDManager sm = model.getNDManager().newSubManager()) {
        NDArray x = sm.create(flat, new Shape(b, width));
        NDArray o = block.forward(ps, new NDList(x), false).singletonOrThrow();
        y = kind.activate(o).toFloatArray();
      }
      for (float v : y) {
        if (!Float.isFinite(v)) {
          throw new BadInputException(
              List.of(
                  dir
                      + ": the model's outputs are not finite (its"
                      + " weights hold NaN or infinity); it cannot predict anything"));
        }
      }
      for (int r = 0; r < b; r++) {
        out.add(kind.decode(null, y, r, names));
      }
    }
    return out;
  }

  /**
   * Whether the model reads images (then {@link #predictImages} predicts).
   *
   * @return true for a model of images
   */
  boolean readsImages() {
    return metadata.images();
  }

  /**
   * Reads image files with the export's transform (the one training used, without augmentation) and
   * classifies them.
   *
   * @param files the images
   * @return one prediction per image, in order
   * @throws BadInputException when an image cannot be read or its size does not fit the model
   */
  List<Prediction> predictImages(List<Path> files) throws BadInputException {
    if (!metadata.images()) {
      throw new BadInputException(List.of(dir + ": holds a model of csv rows, not of images"));
    }
    long[] shape = metadata.exampleShape();
    List<String> problems = new ArrayList<>();
    float[][] rows = new float[files.size()][];
    for (int i = 0; i < rows.length; i++) {
      try {
        rows[i] = metadata.image().read(files.get(i), (int) shape[1], (int) shape[2]);
      } catch (DataException e) {
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(problems);
    }
    return predict(rows);
  }

  /** Frees the model. */
  @Override
  public void close() {
    model.close();
  }
}
