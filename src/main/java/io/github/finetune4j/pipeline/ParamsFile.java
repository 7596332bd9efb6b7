package io.github.finetune4j.pipeline;

import ai.djl.BaseModel;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import ai.djl.util.Utils;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * DJL's parameter file for a model the Java door was given, written without {@code Model.save}'s
 * two surprises for a caller's model (docs/decisions.md, "The Java door holds"):
 *
 * <ul>
 *   <li>A block whose parameters were <em>loaded</em> ({@code Criteria}, {@code Model.load}) but
 *       never {@code initialize}d knows its input shapes but not their names, so {@code
 *       Block.describeInput()} — and with it {@code Model.save} — throws "key value size mismatch"
 *       after writing 24 bytes. The model itself still knows its inputs (read from the file it was
 *       loaded from), so the file is written with those.
 *   <li>{@code Model.save} points the model at the directory it saved into, which for a run is the
 *       {@code .partial} directory that is renamed away when the run completes. {@link #keepPath}
 *       puts the path back after any export.
 * </ul>
 *
 * <p>The bytes are exactly {@code BaseModel.save}'s (DJL 0.36, format version 1), so {@code
 * Model.load} and {@code Criteria} read the file as one DJL wrote.
 */
final class ParamsFile {

  /** {@code BaseModel.MODEL_VERSION} of DJL 0.36. */
  private static final int MODEL_VERSION = 1;

  private ParamsFile() {}

  /** Something that writes into a model directory and may move the model's path. */
  @FunctionalInterface
  interface Write {
    void run() throws IOException;
  }

  /**
   * Writes {@code modelDir/name-EPOCH.params} as {@code model.save(modelDir, name)} would, for any
   * model whose block is initialized or loaded; the model's path is left as it was.
   *
   * @param model the model
   * @param modelDir the directory (created if needed)
   * @param name the model name
   * @return the file written
   * @throws IOException when writing fails
   */
  static Path save(Model model, Path modelDir, String name) throws IOException {
    Block block = model.getBlock();
    if (block == null || !block.isInitialized()) {
      throw new IllegalStateException("Model has not be trained or loaded yet.");
    }
    Files.createDirectories(modelDir);
    String epochValue = model.getProperty("Epoch");
    int epoch =
        epochValue == null
            ? Utils.getCurrentEpoch(modelDir, name) + 1
            : Integer.parseInt(epochValue);
    Path file = modelDir.resolve(String.format(Locale.ROOT, "%s-%04d.params", name, epoch));
    PairList<String, Shape> inputs = inputs(model);
    try (DataOutputStream dos =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
      dos.writeBytes("DJL@");
      dos.writeInt(MODEL_VERSION);
      dos.writeUTF(name);
      dos.writeUTF(model.getDataType().name());
      dos.writeInt(inputs.size());
      for (Pair<String, Shape> in : inputs) {
        dos.writeUTF(in.getKey() == null ? "" : in.getKey());
        dos.write(in.getValue().getEncoded());
      }
      Map<String, String> properties = model.getProperties();
      dos.writeInt(properties.size());
      for (Map.Entry<String, String> e : properties.entrySet()) {
        dos.writeUTF(e.getKey());
        dos.writeUTF(e.getValue());
      }
      block.saveParameters(dos);
    }
    return file;
  }

  /**
   * The block's description of its inputs, or, for a loaded block that knows its shapes but not
   * their names, the model's (read from the file it was loaded from), or none.
   */
  private static PairList<String, Shape> inputs(Model model) {
    try {
      return model.getBlock().describeInput();
    } catch (IllegalArgumentException | IllegalStateException e) {
      try {
        PairList<String, Shape> described = model.describeInput();
        return described == null ? new PairList<>() : described;
      } catch (IllegalArgumentException | IllegalStateException again) {
        return new PairList<>();
      }
    }
  }

  /**
   * Runs {@code write} and then points the model back at the directory it pointed at before (DJL's
   * {@code Model.save} sets it to the directory it saved into).
   *
   * @param model the caller's model
   * @param write the export
   * @return whether the path is as it was (false only when DJL's model cannot be reached)
   * @throws IOException from the export
   */
  static boolean keepPath(Model model, Write write) throws IOException {
    Path before = model.getModelPath();
    try {
      write.run();
    } finally {
      if (!Objects.equals(before, model.getModelPath())) {
        setPath(model, before);
      }
    }
    return Objects.equals(before, model.getModelPath());
  }

  /** Sets {@code BaseModel.modelDir}, which DJL offers no public setter for. */
  private static void setPath(Model model, Path path) {
    Model m = model;
    while (m instanceof ZooModel<?, ?> z) {
      m = z.getWrappedModel();
    }
    if (!(m instanceof BaseModel)) {
      return;
    }
    try {
      Field dir = BaseModel.class.getDeclaredField("modelDir");
      dir.setAccessible(true);
      dir.set(m, path);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // a DJL without the field, or a module layer that closes it: the caller is told
    }
  }
}
