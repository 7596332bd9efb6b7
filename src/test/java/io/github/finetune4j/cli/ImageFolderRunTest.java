package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.FeatureModelFactory;
import io.github.finetune4j.pipeline.RunDirectory;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images end to end on real data: the built-in CNN pre-trained by recipe on MNIST digits, its
 * export used as a {@code djl} model directory (cut at its hidden ReLU, a new head) for the 8x8
 * digits, predict on image files (arguments and a list on standard input) agreeing with plain DJL
 * {@code Criteria<Path, Classifications>}, and the committed {@code models/mnist-cnn} still
 * classifying MNIST.
 */
class ImageFolderRunTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  private static Path pretrained;

  /** The shipped pre-training recipe, shortened: 600 MNIST digits, 2 epochs. */
  private static CliResult pretrain(Path out, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                "recipes/pretrain/mnist-cnn.yaml",
                "data.train.limit=600",
                "data.test.limit=200",
                "stages=[{epochs: 2, train: [conv, dense]}]",
                "monitor.sinks=[jsonl]",
                "output.dir=" + out));
    args.addAll(List.of(more));
    return CliResult.run(args.toArray(String[]::new));
  }

  /** Fine-tunes the shipped transfer recipe from a model directory, shortened. */
  private static CliResult fineTune(Path model, Path out, String stages) {
    return CliResult.run(
        "run",
        "recipes/vision/digits-from-mnist.yaml",
        "model.url=" + model,
        "stages=" + stages,
        "data.test.limit=100",
        "monitor.sinks=[jsonl]",
        "output.dir=" + out);
  }

  @BeforeAll
  static void pretrain() {
    pretrained = tmp.resolve("mnist");
    CliResult r = pretrain(pretrained);
    assertEquals(0, r.code(), r::toString);
    assertTrue(
        r.out().contains("Read 600/898/200 images (1x28x28); the training images augmented"),
        r::toString);
  }

  private static JsonNode json(Path file) throws Exception {
    return JSON.readTree(file.toFile());
  }

  private static List<Path> images(String dir, int n) throws Exception {
    try (Stream<Path> s = Files.walk(Path.of(dir))) {
      return s.filter(p -> p.toString().endsWith(".png")).sorted().limit(n).toList();
    }
  }

  @Test
  void thePretrainedExportIsADjlModelDirectoryToFineTuneFurther() throws Exception {
    JsonNode meta = json(pretrained.resolve("model/finetune4j-model.json"));
    assertEquals("djl-block", meta.at("/module/type").asText());
    assertEquals(
        "io.github.finetune4j.model.SmallCnnFactory", meta.at("/module/block_factory").asText());
    assertEquals(1, meta.at("/image/channels").asInt());
    JsonNode s = json(pretrained.resolve("summary.json"));
    assertEquals(List.of(1, 28, 28), JSON.convertValue(s.at("/images/shape"), List.class));
    assertTrue(s.get("test_accuracy").asDouble() > 0.3, s::toString); // chance is 0.1

    Path run = tmp.resolve("digits");
    CliResult r =
        fineTune(
            pretrained.resolve("model"),
            run,
            "[{epochs: 3, train: [head]}, {epochs: 2, train: [body, head]}]");
    assertEquals(0, r.code(), r::toString);
    JsonNode plan = json(run.resolve("plan.json"));
    List<String> names = new ArrayList<>();
    plan.get("parameters").forEach(p -> names.add(p.get("name").asText()));
    assertFalse(names.contains("11.weight"), "the old output layer is cut away: " + names);
    assertTrue(names.contains("head.weight"), names::toString);
    assertEquals("freeze_stats", plan.at("/parameters/2/norm").asText(), plan::toString);
    assertEquals(100, json(run.resolve("summary.json")).get("test_examples").asInt());

    // predict: files as arguments == plain DJL Criteria<Path, Classifications>
    List<Path> files = images("data/digits-images/test", 12);
    List<String> args = new ArrayList<>(List.of("predict", run.toString(), "--format", "jsonl"));
    files.forEach(f -> args.add(f.toString()));
    CliResult p = CliResult.run(args.toArray(String[]::new));
    assertEquals(0, p.code(), p::toString);
    List<String> lines = p.out().lines().toList();
    assertEquals(12, lines.size());
    Criteria<Path, Classifications> criteria =
        Criteria.builder()
            .setTypes(Path.class, Classifications.class)
            .optModelPath(run.resolve("model"))
            .optTranslatorFactory(new FeatureModelFactory())
            .build();
    try (ZooModel<Path, Classifications> m = criteria.loadModel();
        Predictor<Path, Classifications> predictor = m.newPredictor()) {
      for (int i = 0; i < files.size(); i++) {
        JsonNode want = JSON.readTree(lines.get(i));
        assertEquals(files.get(i).toString(), want.get("image").asText());
        Classifications c = predictor.predict(files.get(i));
        assertEquals(want.get("label").asText(), c.best().getClassName(), files.get(i)::toString);
        for (String k : List.of("0", "3", "9")) {
          assertEquals(want.at("/probabilities/" + k).asDouble(), c.get(k).getProbability(), 1e-5);
        }
      }
    }

    // a list of paths on standard input gives the same, as tsv with the path last
    InputStream stdin = System.in;
    try {
      String list = String.join("\n", files.stream().map(Path::toString).toList()) + "\n";
      System.setIn(new ByteArrayInputStream(list.getBytes(StandardCharsets.UTF_8)));
      CliResult viaStdin = CliResult.run("predict", run.toString(), "--input", "-");
      assertEquals(0, viaStdin.code(), viaStdin::toString);
      List<String> tsv = viaStdin.out().lines().toList();
      for (int i = 0; i < files.size(); i++) {
        String[] cols = tsv.get(i).split("\t");
        assertEquals(JSON.readTree(lines.get(i)).get("label").asText(), cols[0]);
        assertEquals(files.get(i).toString(), cols[2]);
      }
    } finally {
      System.setIn(stdin);
    }

    // a file that is not an image: exit 2 naming it
    Path notImage = Files.writeString(tmp.resolve("notes.png"), "hello");
    CliResult bad = CliResult.run("predict", run.toString(), notImage.toString());
    assertEquals(2, bad.code(), bad::toString);
    assertTrue(bad.err().contains(notImage + ": cannot read the image"), bad::toString);
  }

  /** A model's recorded mean/std normalize the images of a recipe that gives none. */
  @Test
  void theModelsOwnNormalizationIsTheDefault() throws Exception {
    Path base = tmp.resolve("normalized");
    CliResult pre =
        pretrain(
            base,
            "data.train.limit=100",
            "data.image={channels: 1, mean: [0.13], std: [0.31]}",
            "stages=[{epochs: 1, train: [conv, dense]}]");
    assertEquals(0, pre.code(), pre::toString);
    Path run = tmp.resolve("inherits");
    CliResult r = fineTune(base.resolve("model"), run, "[{epochs: 1, train: [head]}]");
    assertEquals(0, r.code(), r::toString);
    assertTrue(
        r.out().contains("Note: data.image: mean [0.13] and std [0.31] from the model's own"),
        r::toString);
    JsonNode image = json(run.resolve("model/finetune4j-model.json")).get("image");
    assertEquals(0.13, image.at("/mean/0").asDouble(), 1e-12);
    assertEquals(0.31, image.at("/std/0").asDouble(), 1e-12);
  }

  @Test
  void aRunWithAugmentationIsDeterministic() throws Exception {
    Path again = tmp.resolve("mnist-again");
    CliResult r = pretrain(again);
    assertEquals(0, r.code(), r::toString);
    assertArrayEquals(
        Files.readAllBytes(pretrained.resolve("model/model-0000.params")),
        Files.readAllBytes(again.resolve("model/model-0000.params")));
  }

  /** The committed pre-trained model, loaded by plain DJL, classifies real MNIST test digits. */
  @Test
  void theCommittedMnistCnnClassifiesMnist() throws Exception {
    Criteria<Path, Classifications> criteria =
        Criteria.builder()
            .setTypes(Path.class, Classifications.class)
            .optModelPath(Path.of("models/mnist-cnn"))
            .optModelName("model")
            .optTranslatorFactory(new FeatureModelFactory())
            .build();
    List<Path> files = images("data/mnist/test", 300);
    int correct = 0;
    try (ZooModel<Path, Classifications> m = criteria.loadModel();
        Predictor<Path, Classifications> predictor = m.newPredictor()) {
      for (Path f : files) {
        String digit = f.getParent().getFileName().toString();
        correct += predictor.predict(f).best().getClassName().equals(digit) ? 1 : 0;
      }
    }
    assertEquals(300, files.size());
    assertTrue(correct >= 285, correct + " of 300 right");
  }

  @Test
  void badImageFoldersAreExitTwoWithNothingWritten() throws Exception {
    Path data = tmp.resolve("bad-data");
    ImageFolderFixtures.write(data);
    Path out = tmp.resolve("bad-run");
    String[][] cases = {
      {"data.train.path=" + data.resolve("missing-class"), "no sub-folder for [9]"},
      {"data.train.path=" + data.resolve("extra-class"), "not a class: [x]"},
      {"data.train.path=" + data.resolve("empty-class"), "the class '9' has no image"},
      {"data.train.path=" + data.resolve("corrupt"), "cannot read the image"},
      {"data.train.path=" + data.resolve("file.png"), "is a file, not a folder"},
      {"data.image={channels: 2}", "data.image.channels: must be 1 (grayscale) or 3 (RGB)"},
      {"data.image={channels: 1, mean: [0.5, 0.5]}", "data.image.mean: give one value per channel"},
      {"data.train.valid_fraction=0.2", "data.valid is given too"},
      {
        "data.image={channels: 1, resize: [8, 8], crop: [10, 10]}",
        "is larger than data.image.resize"
      },
    };
    for (String[] c : cases) {
      CliResult r =
          CliResult.run(
              "run", "recipes/vision/digits-from-scratch.yaml", c[0], "output.dir=" + out);
      assertEquals(2, r.code(), c[0] + "\n" + r);
      assertTrue(r.err().contains(c[1]), c[0] + "\n" + r);
      assertFalse(Files.exists(out), c[0]);
      assertFalse(Files.exists(RunDirectory.partialOf(out)), c[0]);
    }
    // a corrupt image with on_bad_record: skip runs, counted in the summary
    CliResult skip =
        CliResult.run(
            "run",
            "recipes/vision/digits-from-scratch.yaml",
            "data.train={type: image-folder, path: "
                + data.resolve("corrupt")
                + ", on_bad_record: skip}",
            "stages=[{epochs: 1, train: [all]}]",
            "data.test.limit=20",
            "monitor.sinks=[jsonl]",
            "output.dir=" + out);
    assertEquals(0, skip.code(), skip::toString);
    assertTrue(skip.out().contains("skipped 1 unreadable image"), skip::toString);
    assertEquals(1, json(out.resolve("summary.json")).at("/images/skipped").asInt());
  }
}
