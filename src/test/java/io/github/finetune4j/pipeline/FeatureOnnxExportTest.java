package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.nn.Block;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.cli.Main;
import io.github.finetune4j.model.FeatureModelFactory;
import io.github.finetune4j.model.onnx.OnnxChecker;
import io.github.finetune4j.recipe.RecipeReader;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ONNX form of real feature-family exports, run by ONNX Runtime on what a user has — the raw
 * rows of the test csv, the image files — against the toolkit's own {@link Predictor}:
 *
 * <ul>
 *   <li>the built-in MLP trained (2 epochs) on the breast-cancer table with one extra column that
 *       is constant in training and varies in the test rows: softmax of the graph's logits equals
 *       predict's probabilities to 1e-5, every label the same;
 *   <li>the built-in MLP as a regression on the diabetes table (standardized target, so the graph
 *       ends in the output mapping): the values equal predict's to 1e-5 relative;
 *   <li>the shipped small CNN ({@code models/mnist-cnn}) on 50 MNIST test images, as shipped and
 *       with a normalization (mean 0.1307, std 0.3081) recorded, which the graph then applies;
 *   <li>a TorchScript export is refused with the paragraph that says ONNX needs Python there.
 * </ul>
 *
 * The inputs are read here independently of the toolkit (csv cells parsed by hand, PNG samples /
 * 255), as a consumer reads them; every file passes {@code onnx.checker}.
 */
class FeatureOnnxExportTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  private static Path mlpRun;
  private static Path testCsv;
  private static Path regressionRun;

  @BeforeAll
  static void train() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("breast-cancer"));
    for (String split : List.of("train", "valid", "test")) {
      List<String> lines = Files.readAllLines(Path.of("data/breast-cancer/" + split + ".csv"));
      List<String> out = new ArrayList<>();
      out.add(lines.get(0) + ",constant_in_training");
      for (int i = 1; i < lines.size(); i++) {
        // constant in training; the test rows step away from it, which predict standardizes to
        // (x - 3.25) / 1
        String v = split.equals("test") ? Double.toString(3.25 + (i % 4) * 0.5) : "3.25";
        out.add(lines.get(i) + "," + v);
      }
      Files.write(data.resolve(split + ".csv"), out);
    }
    testCsv = data.resolve("test.csv");
    mlpRun = tmp.resolve("mlp");
    run(
        "run",
        "recipes/tabular/breast-cancer-mlp.yaml",
        "data.train.path=" + data.resolve("train.csv"),
        "data.valid.path=" + data.resolve("valid.csv"),
        "data.test.path=" + testCsv,
        "stages.0.epochs=2",
        "monitor.sinks=[jsonl]",
        "output.dir=" + mlpRun);

    regressionRun = tmp.resolve("regression");
    Path recipe = tmp.resolve("diabetes-mlp.yaml");
    String d = Path.of("data/diabetes").toAbsolutePath().toString();
    Files.writeString(
        recipe,
        String.join(
            "\n",
            "description: the built-in MLP as a regression on the diabetes table",
            "model: { type: builtin, architecture: mlp, init: random }",
            "head: { replace: none }",
            "task: { type: regression, loss: mse }",
            "data:",
            "  train: { type: csv, path: " + d + "/train.csv, targets: [progression] }",
            "  valid: { type: csv, path: " + d + "/valid.csv, targets: [progression] }",
            "  test:  { type: csv, path: " + d + "/test.csv,  targets: [progression] }",
            "  batch_size: 32",
            "groups: [{ name: all, match: ['*'] }]",
            "stages: [{ epochs: 2, train: [all] }]",
            "optimizer: { type: adamw, lr: 1.0e-3 }",
            "monitor: { sinks: [jsonl] }",
            "train: { seed: 42 }",
            "output: { dir: " + regressionRun + " }",
            ""));
    run("run", recipe.toString());
  }

  @Test
  void onnxRuntimeOnTheRawTestRowsGivesPredictsProbabilitiesAndLabels() throws Exception {
    Path modelDir = mlpRun.resolve("model");
    JsonNode standardizer = JSON.readTree(modelDir.resolve("finetune4j-model.json").toFile());
    assertEquals(
        "[\"constant_in_training\"]",
        standardizer.path("standardizer").path("constant").toString());
    Path onnx = tmp.resolve("mlp-onnx");
    export(modelDir, onnx);
    assertEquals(
        "ir 8 opset 17 inputs features outputs logits",
        OnnxChecker.check(onnx.resolve("model.onnx")));
    JsonNode config = JSON.readTree(onnx.resolve("config.json").toFile());
    assertEquals("classification", config.path("task").asText());
    assertEquals("softmax", config.path("output").path("activation").asText());
    assertEquals("[\"malignant\",\"benign\"]", config.path("classes").toString());
    List<String> columns = new ArrayList<>();
    config.path("input").path("columns").forEach(c -> columns.add(c.asText()));
    assertEquals(31, columns.size());
    assertEquals("constant_in_training", columns.get(30));

    float[][] rows = csvColumns(testCsv, columns);
    assertEquals(114, rows.length);
    float[][] logits = ort(onnx.resolve("model.onnx"), "features", rows, 31, "logits");
    List<Prediction> predicted;
    try (Predictor p = Predictor.open(mlpRun)) {
      predicted = p.predictRows(testCsv);
    }
    double worst = 0;
    int sameLabel = 0;
    for (int r = 0; r < rows.length; r++) {
      double[] soft = softmax(logits[r]);
      Prediction want = predicted.get(r);
      worst = Math.max(worst, Math.abs(soft[0] - want.probabilities().get("malignant")));
      worst = Math.max(worst, Math.abs(soft[1] - want.probabilities().get("benign")));
      String label = logits[r][1] > logits[r][0] ? "benign" : "malignant";
      sameLabel += label.equals(want.label()) ? 1 : 0;
    }
    assertTrue(worst <= 1e-5, "max |softmax(onnx) - predict| = " + worst);
    assertEquals(rows.length, sameLabel, "rows with the same label");

    String input = metadata(onnx.resolve("model.onnx")).get("finetune4j.input");
    assertTrue(
        input.startsWith("features: float32 [batch, 31], the raw values of the csv columns mean_"),
        input);
    assertTrue(input.contains("is inside the graph"), input);
  }

  @Test
  void aRegressionsValuesComeOutInTheTargetsUnits() throws Exception {
    Path modelDir = regressionRun.resolve("model");
    JsonNode meta = JSON.readTree(modelDir.resolve("finetune4j-model.json").toFile());
    assertTrue(meta.has("target_mapping"), "the target is standardized, so the graph maps back");
    Path onnx = tmp.resolve("regression-onnx");
    export(modelDir, onnx);
    assertEquals(
        "ir 8 opset 17 inputs features outputs values",
        OnnxChecker.check(onnx.resolve("model.onnx")));
    Path csv = Path.of("data/diabetes/test.csv");
    List<String> columns = List.of("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6");
    float[][] rows = csvColumns(csv, columns);
    float[][] values = ort(onnx.resolve("model.onnx"), "features", rows, 10, "values");
    List<Prediction> predicted;
    try (Predictor p = Predictor.open(regressionRun)) {
      predicted = p.predictRows(csv);
    }
    double worst = 0;
    for (int r = 0; r < rows.length; r++) {
      double want = predicted.get(r).values().get("progression");
      worst = Math.max(worst, Math.abs(values[r][0] - want) / Math.max(1, Math.abs(want)));
    }
    assertTrue(worst <= 1e-5, "max relative |onnx - predict| = " + worst);
    // values in the target's units (progression is 25 to 346), not standardized ones
    assertTrue(Math.abs(values[0][0]) > 10, "value " + values[0][0]);
  }

  @Test
  void theSmallCnnOnImagesWithAndWithoutANormalizationInTheGraph() throws Exception {
    List<Path> images = new ArrayList<>();
    for (int digit = 0; digit < 10; digit++) {
      try (Stream<Path> s = Files.list(Path.of("data/mnist/test/" + digit))) {
        s.sorted().limit(5).forEach(images::add);
      }
    }
    float[][] pixels = new float[images.size()][];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = grayPixels(images.get(i));
    }
    Path shipped = tmp.resolve("mnist-cnn");
    copy(Path.of("models/mnist-cnn"), shipped);
    Path normalized = tmp.resolve("mnist-cnn-normalized");
    copy(Path.of("models/mnist-cnn"), normalized);
    Path metaFile = normalized.resolve("finetune4j-model.json");
    ObjectNode meta = (ObjectNode) JSON.readTree(metaFile.toFile());
    ((ObjectNode) meta.path("image")).putArray("mean").add(0.1307);
    ((ObjectNode) meta.path("image")).putArray("std").add(0.3081);
    Files.writeString(metaFile, RecipeReader.toJson(meta));
    Files.delete(normalized.resolve("manifest.json"));
    Manifest.write(normalized);

    for (Path modelDir : List.of(shipped, normalized)) {
      Path onnx = tmp.resolve(modelDir.getFileName() + "-onnx");
      export(modelDir, onnx);
      assertEquals(
          "ir 8 opset 17 inputs pixels outputs logits",
          OnnxChecker.check(onnx.resolve("model.onnx")));
      float[][] logits = ort(onnx.resolve("model.onnx"), "pixels", pixels, 28, "logits");
      List<Prediction> predicted;
      try (Predictor p = Predictor.open(modelDir)) {
        predicted = p.predictImages(images);
      }
      double worst = 0;
      int sameLabel = 0;
      int correct = 0;
      for (int i = 0; i < images.size(); i++) {
        double[] soft = softmax(logits[i]);
        int best = 0;
        for (int c = 0; c < 10; c++) {
          worst = Math.max(worst, Math.abs(soft[c] - predicted.get(i).probabilities().get("" + c)));
          best = logits[i][c] > logits[i][best] ? c : best;
        }
        sameLabel += predicted.get(i).label().equals("" + best) ? 1 : 0;
        correct += images.get(i).getParent().getFileName().toString().equals("" + best) ? 1 : 0;
      }
      assertTrue(worst <= 1e-5, modelDir + ": max |softmax(onnx) - predict| = " + worst);
      assertEquals(images.size(), sameLabel, modelDir + ": images with the same label");
      if (modelDir.equals(shipped)) {
        // the shipped model is a good one, so a wrong layout would show here too
        assertTrue(correct >= 45, "correct: " + correct + " of 50");
      }
      String input = metadata(onnx.resolve("model.onnx")).get("finetune4j.input");
      assertTrue(input.startsWith("pixels: float32 [batch, 1, 28, 28], channels first"), input);
      JsonNode config = JSON.readTree(onnx.resolve("config.json").toFile());
      assertEquals(
          modelDir.equals(normalized),
          config.path("input").path("image").path("normalization_in_graph").asBoolean());
    }
  }

  @Test
  void aTorchScriptExportIsRefusedWithWhatToDo() throws Exception {
    Path run = tmp.resolve("torchscript");
    run(
        "run",
        "recipes/tabular/diabetes-regression.yaml",
        "stages.0.epochs=1",
        "monitor.sinks=[jsonl]",
        "output.dir=" + run);
    Path modelDir = run.resolve("model");
    Path onnx = tmp.resolve("torchscript-onnx");
    try (Model model = Model.newInstance("torchscript", Device.cpu())) {
      Block block = new FeatureModelFactory().newBlock(model, modelDir, Map.of());
      model.setBlock(block);
      model.load(modelDir, "model");
      BadInputException e =
          assertThrows(
              BadInputException.class, () -> FeatureOnnxExport.write(modelDir, onnx, block));
      assertEquals(1, e.problems().size());
      String message = e.problems().get(0);
      assertTrue(
          message.startsWith(
              "ONNX export: the model's module is a TorchScript module (PtSymbolBlock at path"
                  + " (root)), which Finetune4J cannot write as ONNX in Java: a TorchScript module"
                  + " keeps its model.pt, and ONNX needs Python there —"
                  + " torch.onnx.export(torch.jit.load(\"model.pt\"), ...)"),
          message);
      assertTrue(
          message.endsWith(
              ". model.pt holds the module alone: the input transform recorded in"
                  + " finetune4j-model.json is applied outside it. Leave onnx out of the formats"
                  + " for this model"),
          message);
      assertFalse(Files.exists(onnx), "nothing is written");
      assertEquals(
          message,
          assertThrows(BadInputException.class, () -> FeatureOnnxExport.check(block))
              .problems()
              .get(0));
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

  private static void run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(args, o, e);
    }
    assertEquals(
        0, code, () -> out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
  }

  /** Loads an export as plain DJL does (its block factory) and writes its ONNX form. */
  private static void export(Path modelDir, Path onnx) throws Exception {
    try (Model model = Model.newInstance("export", Device.cpu())) {
      Block block = new FeatureModelFactory().newBlock(model, modelDir, Map.of());
      model.setBlock(block);
      model.load(modelDir, "model");
      FeatureOnnxExport.write(modelDir, onnx, block);
    }
  }

  private static float[][] csvColumns(Path csv, List<String> columns) throws Exception {
    List<String> lines = Files.readAllLines(csv);
    List<String> header = List.of(lines.get(0).split(","));
    float[][] rows = new float[lines.size() - 1][columns.size()];
    for (int r = 1; r < lines.size(); r++) {
      String[] cells = lines.get(r).split(",");
      for (int c = 0; c < columns.size(); c++) {
        rows[r - 1][c] = Float.parseFloat(cells[header.indexOf(columns.get(c))]);
      }
    }
    return rows;
  }

  /** An 8-bit grayscale PNG as [1, h, w] values sample / 255. */
  private static float[] grayPixels(Path png) throws Exception {
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(BufferedImage.TYPE_BYTE_GRAY, img.getType(), png.toString());
    Raster raster = img.getRaster();
    float[] out = new float[img.getHeight() * img.getWidth()];
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        out[y * img.getWidth() + x] = (float) (raster.getSample(x, y, 0) / 255.0);
      }
    }
    return out;
  }

  private static float[][] ort(Path file, String input, float[][] rows, int width, String output)
      throws Exception {
    long[] shape =
        input.equals("pixels")
            ? new long[] {rows.length, 1, width, width}
            : new long[] {rows.length, width};
    int n = rows[0].length;
    float[] flat = new float[rows.length * n];
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(rows[r], 0, flat, r * n, n);
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(file.toString(), new OrtSession.SessionOptions());
        OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(flat), shape);
        OrtSession.Result res = s.run(Map.of(input, t))) {
      return (float[][]) res.get(output).orElseThrow().getValue();
    }
  }

  private static Map<String, String> metadata(Path file) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
      return s.getMetadata().getCustomMetadata();
    }
  }

  private static double[] softmax(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double sum = 0;
    double[] out = new double[logits.length];
    for (int i = 0; i < logits.length; i++) {
      out[i] = Math.exp(logits[i] - max);
      sum += out[i];
    }
    for (int i = 0; i < logits.length; i++) {
      out[i] /= sum;
    }
    return out;
  }

  private static void copy(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
  }
}
