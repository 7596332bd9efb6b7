package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The export metadata's version field, and exports no predictor can rebuild, said plainly. */
class ExportFormatTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Rewrites the export's metadata with {@code edit} applied, and its manifest after it. */
  private static void edit(Path run, java.util.function.Consumer<ObjectNode> edit)
      throws Exception {
    Path dir = run.resolve(Exporter.MODEL_DIR);
    Path meta = dir.resolve(Exporter.MODEL_CONFIG);
    ObjectNode m = (ObjectNode) JSON.readTree(meta.toFile());
    edit.accept(m);
    Files.writeString(meta, JSON.writeValueAsString(m));
    Manifest.write(dir);
  }

  @Test
  void anExportOfAVersionOneWithoutFormatStillLoads(@TempDir Path tmp) throws Exception {
    Path run = TinyExport.write(tmp.resolve("run")); // metadata as the exports before format 2
    try (Predictor p = Predictor.open(run)) {
      assertEquals("classification", p.task());
      assertEquals("texts", p.reads());
      assertEquals(
          List.of(
              run.resolve("model")
                  + ": holds a text classifier; it predicts texts, not rows of features"),
          assertThrows(BadInputException.class, () -> p.predict(new float[][] {{1f}})).problems());
      assertEquals(2, p.predict(List.of("hello")).get(0).probabilities().size());
    }
  }

  @Test
  void aNewerFormatIsRefusedWithBothVersions(@TempDir Path tmp) throws Exception {
    Path run = TinyExport.write(tmp.resolve("run"));
    edit(run, m -> m.put("format", 3));
    BadInputException e = assertThrows(BadInputException.class, () -> Predictor.open(run));
    assertEquals(
        List.of(
            run.resolve("model").resolve(Exporter.MODEL_CONFIG)
                + ": written in export format 3 by a newer Finetune4J; this version reads formats"
                + " 1 to 2"),
        e.problems());
  }

  @Test
  void anExportOfAUsersOwnBlockSaysWhatItIsAndHowToLoadIt(@TempDir Path tmp) throws Exception {
    // what Runner's default export writes for a block given to FineTuning
    Path dir = Files.createDirectories(tmp.resolve("run").resolve(Exporter.MODEL_DIR));
    Files.write(dir.resolve("model-0000.params"), new byte[24]);
    ObjectNode meta = JSON.createObjectNode();
    meta.put("kind", "block");
    ExportFormat.stamp(meta, "block", "classification");
    meta.put("block", "com.example.MyNet");
    meta.putArray("classes").add("a").add("b");
    meta.put("load", "model.setBlock(<the same architecture>); model.load(dir, \"model\")");
    Files.writeString(dir.resolve(Exporter.MODEL_CONFIG), JSON.writeValueAsString(meta));
    Manifest.write(dir);
    String expected =
        dir
            + ": holds the parameters of a block of your own (com.example.MyNet, task"
            + " classification), exported by the Java API (FineTuning); finetune predict rebuilds"
            + " only the toolkit's own models. Load it in Java with the same architecture:"
            + " model.setBlock(<the same architecture>); model.load(dir, \"model\")";
    assertEquals(
        List.of(expected),
        assertThrows(BadInputException.class, () -> Predictor.open(tmp.resolve("run"))).problems());
    assertTrue(Files.exists(dir.resolve("model-0000.params")), "nothing of the export touched");
  }
}
