package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import io.github.finetune4j.model.TextClassifierFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code djl} format in the registry: which models have it, the directory it writes ({@code
 * libs/}, not {@code djl/}), what the toolkit's jar holds when it is built from the classes
 * directory, and the {@code option.modelName} line that lets a copied directory load under another
 * name. Loading the jars in a JVM without the toolkit: {@code DjlLibsExportTest}.
 */
class DjlFormatTest {

  @TempDir Path tmp;

  @Test
  void everyToolkitExportHasItAndABlockOfYourOwnIsRefusedNamingWhy() throws Exception {
    for (String family : List.of("text", "features")) {
      Formats.Subject s = new Formats.Subject(family, "regression", "no graph");
      assertTrue(Formats.resolve(null, s, "output.formats").contains("djl"), family);
      assertEquals(List.of("djl"), Formats.resolve(List.of("djl"), s, "output.formats"));
    }
    Formats.Subject own = new Formats.Subject("block", "classification", "own");
    assertFalse(Formats.resolve(null, own, "output.formats").contains("djl"));
    BadInputException e =
        assertThrows(
            BadInputException.class, () -> Formats.resolve(List.of("djl"), own, "output.formats"));
    assertEquals(
        List.of(
            "output.formats: this model cannot be exported as djl: its jars carry the toolkit's"
                + " factories, which rebuild only the toolkit's own models; this is a block of"
                + " your own, which DJL loads with your code"),
        e.problems());
  }

  @Test
  void itWritesLibsWhereDjlServingKeepsAModelsJars() {
    assertEquals("libs", Formats.directory("djl"));
    assertEquals("onnx", Formats.directory("onnx"));
    assertEquals("hf", Formats.directory("hf"));
  }

  @Test
  void intoANewDirectoryTheJarsGoToItsLibsListedByItsManifest() throws Exception {
    Path run = TinyExport.write(tmp.resolve("run"));
    Path out = tmp.resolve("out");
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    List<Path> written =
        FineTune.export(
            run, List.of("djl"), out, new PrintStream(console, true, StandardCharsets.UTF_8));
    assertEquals(List.of(out.resolve("libs")), written);
    assertTrue(console.toString(StandardCharsets.UTF_8).contains("Wrote " + out.resolve("libs")));
    assertFalse(Files.exists(TinyExport.modelDir(run).resolve("libs")), "model/ untouched");
    String manifest = Files.readString(out.resolve("manifest.json"));
    assertTrue(manifest.contains("\"libs/finetune4j.jar\""), manifest);
    assertTrue(Manifest.verify(out).isEmpty(), () -> Manifest.verify(out).toString());
    try (Stream<Path> s = Files.list(out)) {
      assertEquals(
          List.of("libs", "manifest.json"),
          s.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  /** In tests the toolkit's classes come from target/classes: the jar is built from them. */
  @Test
  void theToolkitsJarBuiltFromTheClassesDirectoryHoldsMainClassesAndResourcesOnly()
      throws Exception {
    Path libs = tmp.resolve("libs");
    List<Path> written = DjlLibs.write(libs);
    assertEquals(libs.resolve("finetune4j.jar"), written.get(0));
    try (JarFile jar = new JarFile(written.get(0).toFile())) {
      assertTrue(jar.getManifest() != null);
      for (String entry :
          List.of(
              "io/github/finetune4j/pipeline/FineTune.class",
              "io/github/finetune4j/model/TextClassifierFactory.class",
              "io/github/finetune4j/model/FeatureModelFactory.class",
              "io/github/finetune4j/model/bert/bert_kernels.pt")) {
        assertTrue(jar.getEntry(entry) != null, entry);
      }
      assertEquals(null, jar.getEntry("io/github/finetune4j/pipeline/TinyExport.class"));
      assertFalse(jar.stream().anyMatch(e -> e.getName().startsWith("ai/djl/")));
    }
  }

  /**
   * A model directory copied under another name still loads: {@code option.modelName} names the
   * parameter file's prefix (DJL would otherwise look for {@code <directory>-0000.params}).
   */
  @Test
  void aCopyUnderAnotherNameLoadsThroughOptionModelName() throws Exception {
    Path run = TinyExport.write(tmp.resolve("run"), List.of("neg", "pos"), 5);
    Path copy = Files.createDirectories(tmp.resolve("spam-filter"));
    try (Stream<Path> s = Files.list(TinyExport.modelDir(run))) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    String props = Files.readString(copy.resolve("serving.properties"));
    assertTrue(props.contains("\noption.modelName=model\n"), props);
    String text = "Minutes of Tuesday's meeting";
    Prediction ours = FineTune.predict(run, List.of(text)).get(0);
    assertEquals(ours.probabilities().get("pos"), pos(copy, text), 1e-6);

    Files.writeString(
        copy.resolve("serving.properties"), props.replace("option.modelName=model\n", ""));
    Exception e = assertThrows(Exception.class, () -> pos(copy, text));
    assertTrue(String.valueOf(e.getMessage()).contains("spam-filter"), e::toString);
  }

  private static double pos(Path dir, String text) throws Exception {
    Criteria<String, Classifications> criteria =
        Criteria.builder()
            .setTypes(String.class, Classifications.class)
            .optModelPath(dir)
            .optTranslatorFactory(new TextClassifierFactory())
            .build();
    try (ZooModel<String, Classifications> model = criteria.loadModel();
        Predictor<String, Classifications> predictor = model.newPredictor()) {
      return predictor.predict(text).get("pos").getProbability();
    }
  }
}
