package io.github.finetune4j.pipeline;

import ai.djl.Model;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.FeatureModelBlock;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.train.Task;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The export of a Java run that continued a toolkit export: a model that plain DJL {@code Criteria}
 * loaded from a run's {@code model/} directory (a text classifier, or a model of feature vectors),
 * trained further through {@link FineTuning}. The new export is the old one with the trained
 * parameters — its metadata (classes, pooling, standardizer or image transform), tokenizer and
 * {@code serving.properties} carried over, a TorchScript module rewritten — so that {@code
 * Criteria} and {@code finetune predict} load it as they loaded the first.
 */
final class ContinuedExport {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ContinuedExport() {}

  /**
   * Writes the continued export, when the run's model was loaded from a toolkit export whose
   * architecture and outputs the run kept; otherwise writes nothing.
   *
   * @param s the run
   * @param modelDir the directory to create
   * @param model the trained model
   * @return whether it wrote the export
   * @throws IOException when writing fails
   */
  static boolean write(RunSpec s, Path modelDir, Model model) throws IOException {
    Path from = source(s, model);
    if (from == null) {
      return false;
    }
    List<Path> carried = new ArrayList<>();
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString();
        if (Files.isRegularFile(f)
            && !name.matches(".*-\\d{4}\\.params")
            && !name.equals(Manifest.FILE_NAME)
            && !name.equals(Provenance.FILE)
            && !name.equals(Exporter.TORCHSCRIPT_FILE)) {
          carried.add(f);
        }
      }
    }
    ParamsFile.save(model, modelDir, Exporter.MODEL_NAME);
    for (Path f : carried) {
      Files.copy(f, modelDir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }
    if (model.getBlock() instanceof FeatureModelBlock b && b.module() instanceof PtSymbolBlock pt) {
      JniUtils.enableInferenceMode(pt);
      try (OutputStream os = Files.newOutputStream(modelDir.resolve(Exporter.TORCHSCRIPT_FILE))) {
        JniUtils.writeModule(pt, os, false);
      }
    }
    Manifest.write(modelDir);
    return true;
  }

  /**
   * The toolkit export the model was loaded from, when the block is of its family and the task has
   * its outputs; else null.
   */
  private static Path source(RunSpec s, Model model) {
    if (s.model() == null || model.getModelPath() == null) {
      return null;
    }
    Path from = model.getModelPath();
    Path meta = from.resolve(Exporter.MODEL_CONFIG);
    if (!Files.isRegularFile(meta)) {
      return null;
    }
    JsonNode root;
    try {
      root = JSON.readTree(meta.toFile());
    } catch (IOException e) {
      return null;
    }
    if (root == null || !root.isObject()) {
      return null;
    }
    String kind = root.path("kind").asText("text");
    boolean family =
        kind.equals("text")
            ? model.getBlock() instanceof TextClassifierBlock
            : kind.equals(FeatureMetadata.KIND) && model.getBlock() instanceof FeatureModelBlock;
    return family && sameOutputs(root, s.task()) ? from : null;
  }

  /**
   * Whether the task is the export's and keeps its outputs (a classifier's classes, say; a text
   * export names a multi-label model's labels {@code classes} too).
   */
  private static boolean sameOutputs(JsonNode root, Task task) {
    if (!root.path("task").asText("classification").equals(task.name())) {
      return false;
    }
    String key = TaskKind.outputsKey(task.name());
    if (key == null) {
      return false;
    }
    JsonNode names = root.has(key) ? root.get(key) : root.path("classes");
    List<String> recorded = new ArrayList<>();
    names.forEach(n -> recorded.add(n.asText()));
    return !recorded.isEmpty() && recorded.equals(task.outputs());
  }
}
