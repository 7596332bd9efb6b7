package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.cli.Main;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.model.bert.BertEncoderBlock;
import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.model.safetensors.BertCheckpoint;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trained run exported as a Hugging Face directory ({@link HfExport}) and read back: by
 * Finetune4J itself through {@code model.type: safetensors} (the encoder and, with {@code
 * head.replace: none}, the head load byte-identical and predict as the original does), and by an
 * independent BERT forward pass in torch over the files alone ({@code read_hf_dir.py --ids}), which
 * is what the model card's Python snippet computes.
 *
 * <p>Run A fine-tunes a tiny random encoder (1 layer, 8 wide, over MiniLM's vocabulary) for a few
 * steps on 32 emails, so the head and the encoder both hold trained values.
 */
class HfExportRoundTripTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final List<String> TEXTS =
      List.of(
          "Win a FREE cruise now!!! Click here",
          "Meeting moved to 3pm, see the agenda attached.",
          "Hi",
          "Café au lait, naïve résumé — and 3.14159 reasons why tokenizers are tricky.",
          "unsubscribe remove me from this list immediately please");

  @TempDir static Path tmp;
  private static Path base;
  private static Path runA;
  private static Path hf;
  private static Model modelA;
  private static TextClassifierBlock blockA;
  private static List<Prediction> predictedA;

  @BeforeAll
  static void trainAndExport() throws Exception {
    base = tmp.resolve("base");
    Engine.getInstance().setRandomSeed(3);
    try (Model m = Model.newInstance("base");
        TextTokenizer tok = TextTokenizer.miniLm(TinyExport.MAX_LENGTH)) {
      BertEncoderBlock b = new BertEncoderBlock(TinyExport.BERT);
      b.initialize(m.getNDManager(), DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
      Map<String, WeightTensor> w = new LinkedHashMap<>();
      ParameterNames.of(b).forEach((n, p) -> w.put(n, tensor(p)));
      BertCheckpoint.write(base, TinyExport.BERT, w, tok.json().getBytes(StandardCharsets.UTF_8));
    }
    runA = tmp.resolve("a");
    String[] a = run("{type: safetensors, dir: " + base + "}", runA);
    assertEquals("0", a[0], a[1] + a[2]);

    ModelMetadata meta = ModelMetadata.read(runA.resolve("model/finetune4j-model.json"));
    modelA = Model.newInstance("a");
    blockA =
        new TextClassifierBlock(meta.bert(), meta.classes().size(), meta.pooling(), meta.dropout());
    modelA.setBlock(blockA);
    modelA.load(runA.resolve("model"), "model");
    hf = tmp.resolve("hf");
    HfExport.write(runA, runA.resolve("model"), hf, blockA);
    predictedA = FineTune.predict(runA, TEXTS);
  }

  @AfterAll
  static void close() {
    if (modelA != null) {
      modelA.close();
    }
  }

  /** The quickstart, shrunk: 32/8/16 emails, 24 tokens, a head stage then a full stage. */
  private static String[] run(String model, Path out, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                "recipes/quickstart.yaml",
                "model=" + model,
                "data.train.limit=32",
                "data.valid.limit=8",
                "data.test.limit=16",
                "data.max_length=24",
                "groups=[{name: body, match: [\"embeddings.*\", \"encoder.*\"]},"
                    + " {name: head, match: [head.*]}]",
                "stages=[{epochs: 1, train: [head]}, {epochs: 1, train: [body, head]}]",
                "optimizer.lr=1e-3",
                "monitor.sinks=[jsonl]",
                "output.dir=" + out));
    args.addAll(List.of(more));
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

  private static WeightTensor tensor(Parameter p) {
    NDArray a = p.getArray();
    return WeightTensor.of(a.toFloatArray(), a.getShape().getShape());
  }

  private static Map<String, WeightTensor> parameters(Block block) {
    Map<String, WeightTensor> out = new LinkedHashMap<>();
    ParameterNames.of(block).forEach((n, p) -> out.put(n, tensor(p)));
    return out;
  }

  private static List<String> recipeB(String... more) {
    List<String> o =
        new ArrayList<>(
            List.of(
                "model={type: safetensors, dir: " + hf + "}",
                "head.replace=none",
                "data.train.limit=32",
                "data.valid.limit=8",
                "data.test.limit=16",
                "data.max_length=24",
                "groups=[{name: body, match: [\"embeddings.*\", \"encoder.*\"]},"
                    + " {name: head, match: [head.*]}]",
                "stages=[{epochs: 1, train: [head]}]",
                "output.dir=" + tmp.resolve("unused")));
    o.addAll(List.of(more));
    return o;
  }

  @Test
  void theReimportedModelIsTheOriginal() throws Exception {
    Map<String, WeightTensor> original = parameters(blockA);
    assertNotEquals(
        0f, original.get("head.bias").data().get(0), "the head holds trained values, not zeros");
    Recipe recipe = RecipeReader.read(Path.of("recipes/quickstart.yaml"), recipeB());
    TextFamily family = (TextFamily) ModelSources.of(recipe.model()).family();
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
    TextFamily.Splits splits = family.read(recipe, out);
    try (Model m = Model.newInstance("b");
        ModelFamily.Parts parts = family.build(recipe, splits, m, out, false)) {
      // The loader a run uses, before any training.
      parts.weights().load(m.getBlock(), out);
      Map<String, WeightTensor> loaded = parameters(m.getBlock());
      assertEquals(original.keySet(), loaded.keySet());
      for (Map.Entry<String, WeightTensor> e : original.entrySet()) {
        assertArrayEquals(
            bytes(e.getValue()), bytes(loaded.get(e.getKey())), e.getKey() + " byte for byte");
      }
      // The same probabilities as `finetune predict` on run A, text by text.
      ParameterStore ps = new ParameterStore(m.getNDManager(), false);
      try (TextTokenizer tok = TextTokenizer.fromDirectory(hf, 24);
          NDManager sm = m.getNDManager().newSubManager()) {
        for (int i = 0; i < TEXTS.size(); i++) {
          long[] ids = tok.ids(TEXTS.get(i));
          long[] mask = new long[ids.length];
          Arrays.fill(mask, 1L);
          NDArray logits =
              m.getBlock()
                  .forward(
                      ps,
                      new NDList(
                          sm.create(ids, new Shape(1, ids.length)),
                          sm.create(mask, new Shape(1, ids.length))),
                      false)
                  .singletonOrThrow();
          float[] p = logits.softmax(-1).toFloatArray();
          Map<String, Double> expected = predictedA.get(i).probabilities();
          assertEquals(p[0], expected.get("ham"), 1e-6, TEXTS.get(i));
          assertEquals(p[1], expected.get("spam"), 1e-6, TEXTS.get(i));
        }
      }
    }
    assertFalse(console.toString(StandardCharsets.UTF_8).contains("Warning"), console::toString);
  }

  @Test
  void aRunContinuesFromTheExportWithItsHead() throws Exception {
    Path runB = tmp.resolve("b");
    String[] b =
        run(
            "{type: safetensors, dir: " + hf + "}",
            runB,
            "head.replace=none",
            "stages=[{epochs: 1, train: [head]}]");
    assertEquals("0", b[0], b[1] + b[2]);
    assertFalse(b[1].contains("left out"), b[1]);
    assertFalse(b[1].contains("Warning"), b[1]);
    JsonNode summary = JSON.readTree(runB.resolve("summary.json").toFile());
    assertEquals(0, summary.path("new_groups").size(), "the head is not new");
    ModelMetadata meta = ModelMetadata.read(runB.resolve("model/finetune4j-model.json"));
    try (Model m = Model.newInstance("b")) {
      TextClassifierBlock block =
          new TextClassifierBlock(
              meta.bert(), meta.classes().size(), meta.pooling(), meta.dropout());
      m.setBlock(block);
      m.load(runB.resolve("model"), "model");
      Map<String, WeightTensor> trained = parameters(block);
      Map<String, WeightTensor> original = parameters(blockA);
      for (Map.Entry<String, WeightTensor> e : original.entrySet()) {
        if (e.getKey().startsWith("head.")) {
          assertFalse(
              Arrays.equals(bytes(e.getValue()), bytes(trained.get(e.getKey()))),
              e.getKey() + " trained on");
        } else {
          assertArrayEquals(
              bytes(e.getValue()),
              bytes(trained.get(e.getKey())),
              e.getKey() + ": frozen encoder, byte for byte the export's");
        }
      }
    }
  }

  @Test
  void aNewHeadOrAnotherPoolingIsSaidInOneLine() {
    String[] c = run("{type: safetensors, dir: " + hf + "}", tmp.resolve("c"), "head.pooling=cls");
    assertEquals("0", c[0], c[1] + c[2]);
    assertTrue(
        c[1].contains(
            "Warning: head.pooling is 'cls', but "
                + hf
                + " was fine-tuned with 'mean' pooling (finetune4j.pooling of its config.json)"),
        c[1]);
    String[] d = run("{type: safetensors, dir: " + hf + "}", tmp.resolve("d"));
    assertEquals("0", d[0], d[1] + d[2]);
    assertTrue(
        d[1].contains(
            "Note: the classifier of "
                + hf
                + " (2 outputs) is left out: head.replace: classifier puts a new head on"),
        d[1]);
  }

  @Test
  void classesThatAreNotTheCheckpointsAreARecipeError() {
    String[] swapped =
        run(
            "{type: safetensors, dir: " + hf + "}",
            tmp.resolve("e"),
            "head.replace=none",
            "head.classes=[spam, ham]");
    assertEquals("2", swapped[0], swapped[1] + swapped[2]);
    assertTrue(
        swapped[2].contains(
            "head.classes: [spam, ham] differ from the labels of the classifier of "
                + hf
                + ", [ham, spam] (id2label of its config.json)"),
        swapped[2]);
    String[] three =
        run(
            "{type: safetensors, dir: " + hf + "}",
            tmp.resolve("f"),
            "head.replace=none",
            "head.classes=[ham, spam, eggs]");
    assertEquals("2", three[0], three[1] + three[2]);
    assertTrue(
        three[2].contains(
            "head.classes: 3 classes [ham, spam, eggs], but the classifier of "
                + hf
                + " has 2 outputs [ham, spam]"),
        three[2]);
    assertFalse(Files.exists(tmp.resolve("e")));
    assertFalse(Files.exists(tmp.resolve("f")));

    String[] noClassifier =
        run("{type: safetensors, dir: " + base + "}", tmp.resolve("g"), "head.replace=none");
    assertEquals("2", noClassifier[0], noClassifier[1] + noClassifier[2]);
    assertTrue(
        noClassifier[2].contains(
            "head.replace: 'none' keeps the checkpoint's own classifier, but "
                + base.resolve("model.safetensors")
                + " has none (no classifier.weight and classifier.bias); use head.replace:"
                + " classifier to put a new head on"),
        noClassifier[2]);
    String[] random =
        run(
            "{type: safetensors, dir: " + hf + ", init: random}",
            tmp.resolve("h"),
            "head.replace=none");
    assertEquals("2", random[0], random[1] + random[2]);
    assertTrue(
        random[2].contains(
            "head.replace: 'none' keeps the checkpoint's trained classifier, but model.init:"
                + " random loads none of its weights"),
        random[2]);
  }

  @Test
  void torchOnTheFilesAloneGivesThePredictions() throws Exception {
    List<long[]> ids = new ArrayList<>();
    try (TextTokenizer tok = TextTokenizer.fromDirectory(hf, 24)) {
      TEXTS.forEach(t -> ids.add(tok.ids(t)));
    }
    Path idsFile = tmp.resolve("ids.json");
    JSON.writeValue(idsFile.toFile(), ids);
    JsonNode probs = torchProbabilities(hf, idsFile);
    assertEquals(TEXTS.size(), probs.size());
    for (int i = 0; i < TEXTS.size(); i++) {
      Map<String, Double> expected = predictedA.get(i).probabilities();
      assertEquals(expected.get("ham"), probs.get(i).get(0).asDouble(), 1e-5, TEXTS.get(i));
      assertEquals(expected.get("spam"), probs.get(i).get(1).asDouble(), 1e-5, TEXTS.get(i));
    }
  }

  /**
   * Runs {@code read_hf_dir.py --ids}; skipped when python3, numpy or torch is missing (the script
   * exits with 3), unless CI is true: then failed.
   */
  private static JsonNode torchProbabilities(Path dir, Path idsFile) throws Exception {
    String missing = null;
    JsonNode result = null;
    if (!Files.isExecutable(PYTHON)) {
      missing = PYTHON + " not found";
    } else {
      Path out = Files.createTempFile(tmp, "reader", ".json");
      Path err = Files.createTempFile(tmp, "reader", ".err");
      Process p =
          new ProcessBuilder(
                  PYTHON.toString(),
                  "src/test/python/read_hf_dir.py",
                  dir.toString(),
                  "--ids",
                  idsFile.toString())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      if (!p.waitFor(180, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("read_hf_dir.py did not finish in 180 s");
      }
      if (p.exitValue() == 3) {
        missing = Files.readString(err).strip();
      } else {
        assertEquals(0, p.exitValue(), () -> "read_hf_dir.py failed: " + readQuietly(err));
        result = JSON.readTree(out.toFile()).path("probabilities");
      }
    }
    if (missing != null) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(missing + " (CI=true, so this is a failure, not a skip)");
      }
      Assumptions.abort("Skipped: " + missing + "; the torch forward pass needs it");
    }
    return result;
  }

  private static String readQuietly(Path f) {
    try {
      return Files.readString(f);
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static byte[] bytes(WeightTensor w) {
    FloatBuffer f = w.data();
    ByteBuffer b = ByteBuffer.allocate(4 * f.remaining()).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(f);
    return b.array();
  }
}
