package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.model.FeatureModelFactory;
import io.github.finetune4j.pipeline.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model.type: djl} with a DJL-native model: a directory as a DJL user makes one — {@code
 * NAME-0000.params} saved by {@code Model.save} and a {@code serving.properties} naming the user's
 * {@code blockFactory} ({@link TinyMlpFactory}) — fine-tuned by recipe with its own output or cut
 * at a named child with a new head; the export reloads in plain DJL {@code Criteria} (which
 * rebuilds the block with the same factory) and predicts what {@code finetune predict} does.
 */
class DjlNativeSourceTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  private static Path model;
  private static Path train;
  private static Path valid;
  private static Path test;

  /** The user's model directory (random weights), and iris in three splits (90/30/30 rows). */
  @BeforeAll
  static void setUp() throws Exception {
    model = Files.createDirectories(tmp.resolve("tiny-mlp"));
    try (Model m = Model.newInstance("tiny-mlp")) {
      Block b = new TinyMlpFactory().newBlock(m, model, Map.of("hidden", "16", "outputs", "3"));
      b.initialize(m.getNDManager(), DataType.FLOAT32, new Shape(1, 4));
      m.setBlock(b);
      m.save(model, "tiny-mlp");
    }
    Files.writeString(
        model.resolve("serving.properties"),
        "engine=PyTorch\nblockFactory="
            + TinyMlpFactory.class.getName()
            + "\nhidden=16\noutputs=3\n");
    List<String> lines = Files.readAllLines(Path.of("data/iris/iris.csv"));
    List<List<String>> parts = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    parts.forEach(p -> p.add(lines.get(0)));
    for (int i = 1; i < lines.size(); i++) {
      parts.get(i % 5 == 0 ? 2 : i % 5 == 1 ? 1 : 0).add(lines.get(i));
    }
    train = Files.write(tmp.resolve("train.csv"), parts.get(0));
    valid = Files.write(tmp.resolve("valid.csv"), parts.get(1));
    test = Files.write(tmp.resolve("test.csv"), parts.get(2));
  }

  private static List<String> args(Path out, String model, String head, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "run",
                "recipes/tabular/digits-transfer.yaml",
                "model=" + model,
                "head=" + head,
                "data.train={type: csv, path: " + train + ", label: species}",
                "data.valid={type: csv, path: " + valid + ", label: species}",
                "data.test={type: csv, path: " + test + ", label: species}",
                "data.batch_size=16",
                "monitor.sinks=[jsonl]",
                "output.dir=" + out));
    a.addAll(List.of(more));
    return a;
  }

  private static CliResult run(List<String> args) {
    return CliResult.run(args.toArray(String[]::new));
  }

  /** Plain DJL's predictions for the test rows agree with finetune predict's. */
  private static void assertPlainDjlAgrees(Path run) throws Exception {
    List<JsonNode> ours = DjlCriteriaFeaturesTest.predict(run, test.toString());
    Path export = run.resolve("model");
    List<float[]> rows =
        DjlCriteriaFeaturesTest.rows(test, DjlCriteriaFeaturesTest.features(export));
    assertEquals(30, rows.size());
    Criteria<float[], Classifications> criteria =
        Criteria.builder()
            .setTypes(float[].class, Classifications.class)
            .optModelPath(export)
            .optTranslatorFactory(new FeatureModelFactory())
            .build();
    try (ZooModel<float[], Classifications> m = criteria.loadModel();
        Predictor<float[], Classifications> predictor = m.newPredictor()) {
      for (int i = 0; i < rows.size(); i++) {
        Classifications c = predictor.predict(rows.get(i));
        JsonNode want = ours.get(i);
        assertEquals(want.get("label").asText(), c.best().getClassName(), "row " + i);
        JsonNode probs = want.get("probabilities");
        for (String k : List.of("setosa", "versicolor", "virginica")) {
          assertEquals(probs.get(k).asDouble(), c.get(k).getProbability(), 1e-5, k);
        }
      }
    }
  }

  private static final String KEEP_HEAD =
      "{replace: none, classes: [setosa, versicolor, virginica]}";
  private static final String NEW_HEAD =
      "{replace: classifier, classes: [setosa, versicolor, virginica]}";

  private static final String ALL = "groups=[{name: all, match: [\"*\"]}]";
  private static final String ONE_EPOCH = "stages=[{epochs: 1, train: [all]}]";

  private static String djl(Path dir, String more) {
    return "{type: djl, url: " + dir + more + "}";
  }

  private static JsonNode summary(Path run) throws Exception {
    return JSON.readTree(run.resolve("summary.json").toFile());
  }

  @Test
  void aNativeModelFineTunesWithItsOwnOutputAndItsExportReloadsInPlainDjl() throws Exception {
    Path out = tmp.resolve("own");
    CliResult r =
        run(
            args(
                out,
                djl(model, ""),
                KEEP_HEAD,
                "groups=[{name: body, match: [\"0.*\", \"1.*\"], norm: freeze_stats},"
                    + " {name: out, match: [\"3.*\"], lr: 0.02}]",
                "stages=[{epochs: 30, train: [body, out]}]"));
    assertEquals(0, r.code(), r::toString);
    assertTrue(
        r.out().contains("Loading djl " + model + " (4 features, its own output)"), r::toString);
    JsonNode s = summary(out);
    assertTrue(s.get("test_accuracy").asDouble() >= 0.8, s::toString);
    JsonNode meta = JSON.readTree(out.resolve("model/finetune4j-model.json").toFile());
    assertEquals("djl-block", meta.at("/module/type").asText());
    assertEquals(TinyMlpFactory.class.getName(), meta.at("/module/block_factory").asText());
    assertEquals("16", meta.at("/module/arguments/hidden").asText());
    assertFalse(Files.exists(out.resolve("model/model.pt")), "no TorchScript for a native block");
    assertPlainDjlAgrees(out);
  }

  @Test
  void aNamedChildFeedsANewHeadAndTheRestIsLeftOut() throws Exception {
    Path out = tmp.resolve("cut");
    CliResult r =
        run(
            args(
                out,
                djl(model, ", features_block: 03LambdaBlock"),
                "{replace: classifier, classes: [setosa, versicolor, virginica], dropout: 0}",
                "groups=[{name: body, match: [\"0.*\", \"1.*\"], norm: freeze_stats},"
                    + " {name: head, match: [\"head.*\"], lr: 0.02}]",
                "stages=[{epochs: 30, train: [head]}]"));
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("a new linear head of 3 outputs"), r::toString);
    JsonNode plan = JSON.readTree(out.resolve("plan.json").toFile());
    List<String> names = new ArrayList<>();
    plan.get("parameters").forEach(p -> names.add(p.get("name").asText()));
    assertEquals(
        List.of("0.weight", "0.bias", "1.weight", "1.bias", "head.weight", "head.bias"), names);
    assertEquals("(3, 16)", plan.at("/parameters/4/shape").asText());
    JsonNode s = summary(out);
    assertTrue(s.get("test_accuracy").asDouble() >= 0.8, s::toString);
    assertEquals(
        "03LambdaBlock",
        JSON.readTree(out.resolve("model/finetune4j-model.json").toFile())
            .at("/module/features_block")
            .asText());
    assertPlainDjlAgrees(out);

    // the index the plan names parameters by is the same cut point
    CliResult byIndex =
        CliResult.run(
            "plan",
            "recipes/tabular/digits-transfer.yaml",
            "model={type: djl, url: " + model + ", features_block: \"2\"}",
            "head={replace: classifier, classes: [setosa, versicolor, virginica]}",
            "data.train={type: csv, path: " + train + ", label: species}",
            "groups=[{name: body, match: [\"0.*\", \"1.*\"]}, {name: head, match: [\"head.*\"]}]",
            "stages=[{epochs: 1, train: [head]}]");
    assertEquals(0, byIndex.code(), byIndex::toString);
    assertTrue(byIndex.out().contains("head.weight"), byIndex::toString);
    assertFalse(byIndex.out().contains("3.weight"), byIndex::toString);
  }

  /** With a learning rate too small to move a float, the exported weights are the directory's. */
  @Test
  void theWeightsAreTheDirectorys() throws Exception {
    Path out = tmp.resolve("same");
    CliResult r = run(args(out, djl(model, ""), KEEP_HEAD, ALL, ONE_EPOCH, "optimizer.lr=1e-30"));
    assertEquals(0, r.code(), r::toString);
    float[] source = weight(model, "01Linear_weight");
    float[] exported = weight(out.resolve("model"), "01Linear_weight");
    assertEquals(64, source.length);
    assertArrayEquals(source, exported);
  }

  /** The parameter whose DJL name ends with {@code suffix}, of the model DJL loads from a dir. */
  private static float[] weight(Path dir, String suffix) throws Exception {
    Criteria.Builder<NDList, NDList> b =
        Criteria.builder().setTypes(NDList.class, NDList.class).optModelPath(dir);
    // both directories name their block factory in serving.properties
    try (ZooModel<NDList, NDList> m = b.optTranslator(new NoopTranslator()).build().loadModel()) {
      for (Pair<String, Parameter> p : m.getBlock().getParameters()) {
        if (p.getKey().endsWith(suffix)) {
          return p.getValue().getArray().toFloatArray();
        }
      }
      throw new AssertionError(
          "no parameter *" + suffix + " in " + m.getBlock().getParameters().keys());
    }
  }

  @Test
  void aChildItDoesNotHaveIsRefusedListingItsChildren() {
    Path out = tmp.resolve("nochild");
    CliResult r =
        run(args(out, djl(model, ", features_block: 07Linear"), NEW_HEAD, ALL, ONE_EPOCH));
    assertEquals(2, r.code(), r::toString);
    assertTrue(
        r.err()
            .contains(
                "model.features_block: the model's SequentialBlock has no child '07Linear'; its"
                    + " children: [0 (01Linear), 1 (02BatchNorm), 2 (03LambdaBlock), 3"
                    + " (04Linear)]"),
        r::toString);
    assertFalse(Files.exists(out));
    assertFalse(Files.exists(RunDirectory.partialOf(out)));
  }

  @Test
  void aMethodCutOnANativeBlockAndADirectoryWithoutParametersAreRefused() throws Exception {
    Path out = tmp.resolve("bad");
    CliResult method =
        run(args(out, djl(model, ", features_method: features"), NEW_HEAD, ALL, ONE_EPOCH));
    assertEquals(2, method.code(), method::toString);
    assertTrue(method.err().contains("model.features_method: "), method::toString);
    assertTrue(method.err().contains("is a DJL-native block"), method::toString);

    Path empty = Files.createDirectories(tmp.resolve("no-params"));
    Files.copy(model.resolve("serving.properties"), empty.resolve("serving.properties"));
    CliResult none = run(args(out, djl(empty, ""), KEEP_HEAD, ALL, ONE_EPOCH));
    assertEquals(2, none.code(), none::toString);
    assertTrue(none.err().contains("model.url: DJL cannot load " + empty), none::toString);
    assertFalse(Files.exists(out));
    assertFalse(Files.exists(RunDirectory.partialOf(out)));
  }
}
