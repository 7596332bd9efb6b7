package io.github.finetune4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same recipe and seed on the same machine give bit-identical weights, for every model source:
 * the bundled ONNX MiniLM, a safetensors checkpoint, a TorchScript file, a DJL model directory of a
 * TorchScript module and of a DJL-native block, and a built-in architecture (with augmentation on).
 * Each recipe runs twice (shrunk like {@link ShippedRecipesRunTest}); the exported parameter files
 * are equal byte for byte, and {@code summary.json} records what this depends on.
 */
class DeterminismTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;

  private static void run(String recipe, Path out, List<String> more) {
    List<String> args =
        new ArrayList<>(List.of(ShippedRecipesRunTest.shrunk(Path.of(recipe), out)));
    args.addAll(more);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(
            args.toArray(String[]::new),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, code, recipe + ": " + err.toString(StandardCharsets.UTF_8));
  }

  @TestFactory
  Stream<DynamicTest> everyModelSourceIsBitIdenticalOnARerun() throws Exception {
    Path djlTorchScript = Files.createDirectories(tmp.resolve("diabetes-mlp"));
    Files.copy(
        Path.of("models/tabular/diabetes-mlp.pt"), djlTorchScript.resolve("diabetes-mlp.pt"));
    Files.writeString(djlTorchScript.resolve("serving.properties"), "engine=PyTorch\n");
    String[][] cases = {
      {"bert-onnx (bundled MiniLM)", "recipes/quickstart.yaml"},
      {"safetensors", "recipes/spamassassin/safetensors.yaml"},
      {"torchscript", "recipes/tabular/digits-transfer.yaml"},
      {
        "djl: a TorchScript module",
        "recipes/tabular/diabetes-regression.yaml",
        "model={type: djl, url: " + djlTorchScript + "}"
      },
      {"djl: a DJL-native block (models/mnist-cnn)", "recipes/vision/digits-from-mnist.yaml"},
      {
        "builtin small-cnn with augmentation",
        "recipes/vision/digits-from-scratch.yaml",
        "data.image={channels: 1, resize: [20, 20], pad: 4, augment: {rotation: 10, shift: 0.1,"
            + " flip: 0.5, resized_crop: [0.8, 1.0]}}"
      },
      {"builtin mlp", "recipes/tabular/breast-cancer-mlp.yaml"},
    };
    return Stream.of(cases)
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c[0],
                    () -> {
                      List<String> more = c.length > 2 ? List.of(c[2]) : List.of();
                      Path a = tmp.resolve(c[0].replaceAll("[^a-z]+", "-") + "-1");
                      Path b = tmp.resolve(c[0].replaceAll("[^a-z]+", "-") + "-2");
                      run(c[1], a, more);
                      run(c[1], b, more);
                      assertArrayEquals(
                          Files.readAllBytes(a.resolve("model/model-0000.params")),
                          Files.readAllBytes(b.resolve("model/model-0000.params")),
                          c[0] + ": the two runs' weights differ");
                      JsonNode d =
                          JSON.readTree(a.resolve("summary.json").toFile()).get("determinism");
                      assertTrue(d.get("intra_op_threads").asInt() >= 1, d::toString);
                      assertTrue(d.has("cpu") && d.has("engine") && d.has("seed"), d::toString);
                    }));
  }
}
