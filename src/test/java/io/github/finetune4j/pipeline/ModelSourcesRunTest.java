package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.cli.Main;
import io.github.finetune4j.model.bert.MiniLmImporter;
import io.github.finetune4j.model.safetensors.MiniLmCheckpoint;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same MiniLM weights reached through three model sources — the bundled ONNX file, an ONNX file
 * given by path with its config.json and tokenizer.json, and a safetensors checkpoint directory
 * written by the independent Python writer — fine-tune to byte-identical exported parameters (same
 * recipe, same seed). A damaged checkpoint is exit 2 with nothing written.
 */
class ModelSourcesRunTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  private static Path checkpoint;
  private static Path onnx;

  @BeforeAll
  static void sources() throws Exception {
    if (!Files.isExecutable(MiniLmCheckpoint.PYTHON)) {
      return;
    }
    checkpoint = MiniLmCheckpoint.write(Files.createDirectories(tmp.resolve("work")), "F32");
    onnx = tmp.resolve("minilm.onnx");
    try (InputStream in =
        ModelSourcesRunTest.class
            .getClassLoader()
            .getResourceAsStream(MiniLmImporter.ONNX_RESOURCE)) {
      Files.write(onnx, in.readAllBytes());
    }
  }

  private static String[] run(Path out, String model) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                "recipes/quickstart.yaml",
                "data.train.limit=16",
                "data.valid.limit=8",
                "data.test.limit=8",
                "data.max_length=24",
                "stages.0.epochs=1",
                "stages.1.epochs=1",
                "monitor.sinks=[jsonl]",
                "output.dir=" + out));
    if (model != null) {
      args.add("model=" + model);
    }
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code;
    try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
        PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
      code = Main.run(args.toArray(String[]::new), po, pe);
    }
    return new String[] {
      Integer.toString(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)
    };
  }

  private static String paramsHash(Path runDir) throws Exception {
    JsonNode manifest = JSON.readTree(runDir.resolve("model/manifest.json").toFile());
    for (JsonNode f : manifest.get("files")) {
      if (f.get("name").asText().endsWith(".params")) {
        return f.get("sha256").asText();
      }
    }
    throw new AssertionError("no params file in " + manifest);
  }

  @Test
  void threeSourcesOfTheSameWeightsFineTuneIdentically() throws Exception {
    Assumptions.assumeTrue(
        checkpoint != null || "true".equalsIgnoreCase(System.getenv("CI")),
        "Skipped: /usr/bin/python3 is needed to write the safetensors checkpoint");
    String[] bundled = run(tmp.resolve("bundled"), null);
    assertEquals("0", bundled[0], bundled[1] + bundled[2]);
    String[] st = run(tmp.resolve("safetensors"), "{type: safetensors, dir: " + checkpoint + "}");
    assertEquals("0", st[0], st[1] + st[2]);
    assertTrue(
        st[1].contains("Loading safetensors " + checkpoint + " (pretrained weights)"), st[1]);
    String[] byPath =
        run(
            tmp.resolve("onnx-path"),
            "{type: bert-onnx, path: "
                + onnx
                + ", config: "
                + checkpoint.resolve("config.json")
                + ", tokenizer: "
                + checkpoint.resolve("tokenizer.json")
                + "}");
    assertEquals("0", byPath[0], byPath[1] + byPath[2]);
    String reference = paramsHash(tmp.resolve("bundled"));
    assertEquals(reference, paramsHash(tmp.resolve("safetensors")), "safetensors = bundled ONNX");
    assertEquals(reference, paramsHash(tmp.resolve("onnx-path")), "ONNX by path = bundled ONNX");
    JsonNode a = JSON.readTree(tmp.resolve("bundled/summary.json").toFile());
    JsonNode b = JSON.readTree(tmp.resolve("safetensors/summary.json").toFile());
    assertEquals(a.get("test_loss").asDouble(), b.get("test_loss").asDouble(), 0.0);
  }

  @Test
  void aDamagedCheckpointIsBadInputAndLeavesNothing() throws Exception {
    Assumptions.assumeTrue(
        checkpoint != null || "true".equalsIgnoreCase(System.getenv("CI")),
        "Skipped: /usr/bin/python3 is needed to write the safetensors checkpoint");
    Path damaged = Files.createDirectories(tmp.resolve("damaged"));
    for (String f : List.of("config.json", "tokenizer.json")) {
      Files.copy(checkpoint.resolve(f), damaged.resolve(f));
    }
    byte[] weights = Files.readAllBytes(checkpoint.resolve("model.safetensors"));
    Files.write(damaged.resolve("model.safetensors"), Arrays.copyOf(weights, weights.length / 2));
    Path out = tmp.resolve("runs/damaged");
    String[] r = run(out, "{type: safetensors, dir: " + damaged + "}");
    assertEquals("2", r[0], r[1] + r[2]);
    assertTrue(r[2].contains("model.dir: "), r[2]);
    assertTrue(r[2].contains("model.safetensors"), r[2]);
    assertFalse(Files.exists(out), "no run directory");
    assertFalse(Files.exists(RunDirectory.partialOf(out)), "no partial directory");
  }
}
