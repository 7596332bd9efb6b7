package io.github.finetune4j.consumers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.cli.Main;
import io.github.finetune4j.pipeline.FineTune;
import io.github.finetune4j.pipeline.Prediction;
import io.github.finetune4j.pipeline.Predictor;
import io.github.finetune4j.pipeline.TinyExport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code djl} format: {@code model/libs/} holds the toolkit's jar and the jars of the runtime
 * dependencies its factories need that DJL does not bring (Jackson), so that a DJL user with DJL
 * alone — no Finetune4J, no Jackson, nothing else of the toolkit's dependencies on the class path —
 * loads {@code model/} with plain {@code Criteria} once those jars are on the class path (or, as
 * DJL Serving does with its {@code deps/} folder, on the context class loader), and predicts what
 * {@code finetune predict} does. Each child JVM's class path is {@link
 * ConsumerHarness#isolatedClassPath()} without {@link #TOOLKIT_DEPENDENCIES}; the negative runs
 * show that the jars are what makes the export load, and that DJL does not find them in {@code
 * libs/} by itself.
 */
class DjlLibsExportTest {

  /**
   * The toolkit's runtime dependencies that DJL does not bring, by what their jars hold: Jackson
   * (databind, core, annotations, YAML), SnakeYAML, picocli, commons-csv with commons-io and
   * commons-codec, progressbar with JLine, and the bundled MiniLM weights.
   */
  static final List<String> TOOLKIT_DEPENDENCIES =
      List.of(
          "com/fasterxml/jackson/",
          "org/yaml/snakeyaml/",
          "picocli/",
          "org/apache/commons/csv/",
          "org/apache/commons/io/",
          "org/apache/commons/codec/",
          "me/tongfei/progressbar/",
          "org/jline/",
          "all-minilm-l6-v2.onnx");

  /** One class of each, which the positive children must not see on their class path. */
  private static final List<String> FORBIDDEN =
      List.of(
          "com.fasterxml.jackson.databind.ObjectMapper",
          "org.yaml.snakeyaml.Yaml",
          "picocli.CommandLine",
          "org.apache.commons.csv.CSVFormat",
          "me.tongfei.progressbar.ProgressBar");

  private static final List<String> TEXTS =
      List.of(
          "Cheap meds, click now!",
          "Minutes of Tuesday's meeting",
          "a fine day",
          "nothing to see here");

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;

  static Path run;
  static Path model;
  static List<Prediction> ours;

  @BeforeAll
  static void export() throws Exception {
    run = TinyExport.write(tmp.resolve("run"), List.of("neg", "neu", "pos"), 11);
    model = TinyExport.modelDir(run);
    List<Path> written =
        FineTune.export(run, List.of("djl"), null, new PrintStream(new ByteArrayOutputStream()));
    assertEquals(List.of(model.resolve("libs")), written);
    ours = FineTune.predict(run, TEXTS); // also: the manifest lists libs/ and still checks out
  }

  @Test
  void libsHoldsTheToolkitsJarAndJacksonAndNothingOfDjl() throws Exception {
    List<String> names = jarNames(model.resolve("libs"));
    assertEquals(4, names.size(), names::toString);
    assertTrue(names.contains("finetune4j.jar"), names::toString); // built from target/classes
    for (String artifact : List.of("jackson-databind-", "jackson-core-", "jackson-annotations-")) {
      assertTrue(names.stream().anyMatch(n -> n.startsWith(artifact)), artifact + " in " + names);
    }
    String manifest = Files.readString(model.resolve("manifest.json"));
    for (String n : names) {
      assertTrue(manifest.contains("\"libs/" + n + "\""), n);
    }
    assertTrue(
        Files.readString(model.resolve("serving.properties"))
            .startsWith("engine=PyTorch\noption.modelName=model\n"));
  }

  @Test
  void plainDjlWithTheLibsJarsOnItsClassPathAgreesWithPredict() throws Exception {
    ConsumerHarness.IsolatedRun r =
        child(withLibs(), "classify", TEXTS, forbiddenOptions(), "--engine", "PyTorch");
    assertEquals(0, r.exitCode(), r::stderr);
    List<Map<String, Double>> theirs = ConsumerHarness.classifications(r.jsonLines());
    assertEquals(TEXTS.size(), theirs.size(), r::stderr);
    for (int i = 0; i < TEXTS.size(); i++) {
      Map<String, Double> p = theirs.get(i);
      String best = p.keySet().stream().max((a, b) -> Double.compare(p.get(a), p.get(b))).get();
      assertEquals(ours.get(i).label(), best, TEXTS.get(i));
      for (String c : List.of("neg", "neu", "pos")) {
        assertEquals(
            ours.get(i).probabilities().get(c), theirs.get(i).get(c), 1e-6, c + " " + TEXTS.get(i));
      }
    }
  }

  @Test
  void withoutTheLibsJarsPlainDjlCannotLoadTheExport() throws Exception {
    ConsumerHarness.IsolatedRun none =
        child(base(), "classify", TEXTS, List.of(), "--engine", "PyTorch");
    assertEquals(1, none.exitCode(), none::stderr);
    assertTrue(
        none.stderr().contains("io.github.finetune4j.model.TextClassifierFactory"), none::stderr);
    // every Jackson jar in libs/ is needed: without any one of them the factory's class fails
    for (String jackson : List.of("jackson-databind-", "jackson-core-", "jackson-annotations-")) {
      List<Path> cp = new ArrayList<>(base());
      for (Path jar : jars(model.resolve("libs"))) {
        if (!jar.getFileName().toString().startsWith(jackson)) {
          cp.add(jar);
        }
      }
      ConsumerHarness.IsolatedRun r =
          child(
              cp,
              "classify",
              TEXTS,
              forbiddenOptions(),
              "--engine",
              "PyTorch",
              "--init-class",
              "io.github.finetune4j.model.TextClassifierFactory");
      assertEquals(1, r.exitCode(), r::stderr);
      assertTrue(r.stderr().contains("NoClassDefFoundError: com/fasterxml/jackson/"), r::stderr);
    }
  }

  /**
   * DJL Serving's way (its {@code ModelInfo.load}): serving.properties read into a {@code
   * Criteria<Input, Output>}, the jars on the context class loader (DJL Serving's {@code
   * MutableClassLoader} over its {@code deps/} folder), not on the class path.
   */
  @Test
  void djlServingsTypesWithTheJarsOnTheContextClassLoaderAgreeWithPredict() throws Exception {
    ConsumerHarness.IsolatedRun r =
        child(
            base(),
            "serve",
            TEXTS,
            forbiddenOptions(),
            "--engine",
            "PyTorch",
            "--context-jars",
            model.resolve("libs").toString());
    assertEquals(0, r.exitCode(), r::stderr);
    assertEquals(TEXTS.size(), r.jsonLines().size(), r::stderr);
    for (int i = 0; i < TEXTS.size(); i++) {
      JsonNode out = JSON.readTree(r.jsonLines().get(i)).get("output");
      assertEquals(3, out.size(), out::toString);
      for (JsonNode c : out) {
        assertEquals(
            ours.get(i).probabilities().get(c.get("className").asText()),
            c.get("probability").asDouble(),
            1e-6,
            c + " " + TEXTS.get(i));
      }
    }
    // DJL does not look into the model's libs/ for serving.properties' factories by itself
    ConsumerHarness.IsolatedRun alone =
        child(base(), "serve", TEXTS, List.of(), "--engine", "PyTorch");
    assertEquals(1, alone.exitCode(), alone::stderr);
    assertTrue(alone.stderr().contains("TextClassifierFactory"), alone::stderr);
  }

  /** A model of feature vectors: a run's own {@code output.formats: [djl]}, DJL Serving's types. */
  @Test
  void aFeatureModelsExportLoadsTheSameWay() throws Exception {
    Path diabetes = tmp.resolve("diabetes");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code =
          Main.run(
              new String[] {
                "run",
                "recipes/tabular/diabetes-regression.yaml",
                "output.dir=" + diabetes,
                "output.formats=[djl]",
                "stages.0.epochs=1"
              },
              o,
              e);
    }
    assertEquals(0, code, () -> out + "\n" + err);
    Path dir = diabetes.resolve("model");
    assertEquals(4, jarNames(dir.resolve("libs")).size());
    List<String> features = new ArrayList<>();
    JSON.readTree(dir.resolve("finetune4j-model.json").toFile())
        .get("standardizer")
        .get("features")
        .forEach(f -> features.add(f.asText()));
    List<String> lines = Files.readAllLines(Path.of("data/diabetes/test.csv"));
    List<String> header = List.of(lines.get(0).split(","));
    List<String> rows = new ArrayList<>();
    float[][] values = new float[3][features.size()];
    for (int r = 0; r < values.length; r++) {
      String[] cells = lines.get(r + 1).split(",");
      ObjectNode row = JSON.createObjectNode();
      for (int i = 0; i < features.size(); i++) {
        values[r][i] = Float.parseFloat(cells[header.indexOf(features.get(i))]);
        row.put(features.get(i), values[r][i]);
      }
      rows.add(row.toString());
    }
    List<Prediction> want;
    try (Predictor p = Predictor.open(diabetes)) {
      want = p.predict(values);
    }
    List<Path> cp = new ArrayList<>(base());
    cp.addAll(jars(dir.resolve("libs")));
    ConsumerHarness.IsolatedRun r =
        ConsumerHarness.runIsolated(
            cp, dir, "serve", rows, forbiddenOptionsBut(List.of("--engine", "PyTorch")));
    assertEquals(0, r.exitCode(), r::stderr);
    for (int i = 0; i < rows.size(); i++) {
      double expected = want.get(i).values().get("progression");
      double got = JSON.readTree(r.jsonLines().get(i)).get("output").get("progression").asDouble();
      assertEquals(expected, got, 1e-6 * Math.max(1, Math.abs(expected)), rows.get(i));
    }
  }

  private static ConsumerHarness.IsolatedRun child(
      List<Path> cp, String mode, List<String> texts, List<String> options, String... more)
      throws Exception {
    List<String> all = new ArrayList<>(options);
    all.addAll(List.of(more));
    return ConsumerHarness.runIsolated(cp, model, mode, texts, all);
  }

  /** The isolated class path without the toolkit's dependencies. */
  private static List<Path> base() {
    return ConsumerHarness.without(ConsumerHarness.isolatedClassPath(), TOOLKIT_DEPENDENCIES);
  }

  private static List<Path> withLibs() throws Exception {
    List<Path> cp = new ArrayList<>(base());
    cp.addAll(jars(model.resolve("libs")));
    return cp;
  }

  private static List<String> forbiddenOptions() {
    return forbiddenOptionsBut(List.of());
  }

  /** {@code --forbidden-class} for each of the toolkit's dependencies but Jackson (in libs/). */
  private static List<String> forbiddenOptionsBut(List<String> more) {
    List<String> out = new ArrayList<>();
    for (String c : FORBIDDEN.subList(1, FORBIDDEN.size())) {
      out.add("--forbidden-class");
      out.add(c);
    }
    out.addAll(more);
    return out;
  }

  private static List<Path> jars(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
    }
  }

  private static List<String> jarNames(Path dir) throws Exception {
    return jars(dir).stream().map(p -> p.getFileName().toString()).toList();
  }
}
