package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.dataset.ArrayDataset;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.pipeline.FineTuning;
import io.github.finetune4j.pipeline.LrFind;
import io.github.finetune4j.pipeline.RunDirectory;
import io.github.finetune4j.policy.LrSweep;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeReader;
import io.github.finetune4j.train.ClassificationTask;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune lr-find} on the built-in MLP and the breast-cancer table, with two groups whose
 * rates differ tenfold: the sweep's rates are the exponential schedule, every group keeps its ratio
 * to {@code optimizer.lr}, the printed overrides scale both, {@code --apply} writes a recipe with
 * them, and the Java API leaves the model's weights and BatchNorm statistics bit-identical.
 */
class LrFindTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RECIPE = "recipes/tabular/breast-cancer-mlp.yaml";
  private static final String[] GROUPS = {
    "groups=[{name: lower, match: [\"0.*\", \"3.*\"]}, {name: top, match: [\"5.*\"], lr: 1.0e-2}]",
    "stages=[{epochs: 5, train: [lower, top]}]",
  };

  @TempDir static Path tmp;
  private static CliResult result;
  private static JsonNode sweep;
  private static Path applied;

  @BeforeAll
  static void sweep() throws Exception {
    applied = tmp.resolve("applied.yaml");
    String[] args = {
      "lr-find",
      RECIPE,
      GROUPS[0],
      GROUPS[1],
      "--steps",
      "60",
      "--out",
      tmp.resolve("lrf").toString(),
      "--apply",
      applied.toString()
    };
    result = CliResult.run(args);
    assertEquals(0, result.code(), result::toString);
    sweep = JSON.readTree(tmp.resolve("lrf").resolve(LrFind.FILE_NAME).toFile());
  }

  @Test
  void theRatesFollowTheScheduleAndTheGroupsKeepTheirRatio() {
    JsonNode points = sweep.get("points");
    assertTrue(points.size() >= 5 && points.size() <= 60, sweep::toString);
    for (int i = 0; i < points.size(); i++) {
      JsonNode p = points.get(i);
      double want = LrSweep.rate(1e-7, 10, 60, i);
      assertEquals(want, p.get("lr").asDouble(), want * 1e-9);
      // optimizer.lr is 1e-3 and the top group's 1e-2: the sweep moves both, 10 to 1
      assertEquals(want, p.get("group_lr").get("lower").asDouble(), want * 1e-6, "step " + i);
      assertEquals(10 * want, p.get("group_lr").get("top").asDouble(), want * 1e-5, "step " + i);
    }
    assertTrue(tmp.resolve("lrf").resolve("report.html").toFile().isFile());
  }

  @Test
  void theOverridesScaleEveryGroupAndApplyWritesThem() throws Exception {
    double valley = sweep.get("suggestions").get("valley").asDouble();
    List<String> overrides = JSON.convertValue(sweep.get("overrides"), List.class);
    assertEquals(
        List.of(
            String.format(java.util.Locale.ROOT, "optimizer.lr=%.2e", valley),
            String.format(java.util.Locale.ROOT, "groups.1.lr=%.2e", valley * 10)),
        overrides);
    assertTrue(
        result.out().contains("Apply the valley suggestion with: " + String.join(" ", overrides)),
        result::toString);
    Recipe r = RecipeReader.read(applied, List.of());
    assertEquals(Double.parseDouble(overrides.get(0).substring(13)), r.optimizer().lr());
    assertEquals(Double.parseDouble(overrides.get(1).substring(12)), r.groups().get(1).lr());
  }

  @Test
  void anExistingApplyFileIsNeverReplaced() throws Exception {
    Path mine = tmp.resolve("mine.yaml");
    Files.writeString(mine, "my notes\n");
    Path out = tmp.resolve("never");
    CliResult r =
        CliResult.run("lr-find", RECIPE, "--out", out.toString(), "--apply", mine.toString());
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("--apply: " + mine + " exists"), r::toString);
    assertEquals("my notes\n", Files.readString(mine));
    assertFalse(Files.exists(out));
  }

  @Test
  void aStageTheRecipeDoesNotHaveIsBadInput() {
    Path out = tmp.resolve("no-stage");
    CliResult r = CliResult.run("lr-find", RECIPE, "--stage", "3", "--out", out.toString());
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("--stage: the recipe has 1 stage (0 to 0), not 3"), r::toString);
    assertFalse(Files.exists(out));
    assertFalse(Files.exists(RunDirectory.partialOf(out)));
  }

  /** The Java API: an own block with BatchNorm is bit-identical after the sweep, statistics too. */
  @Test
  void theModelIsBitIdenticalAfterTheSweep() throws Exception {
    try (Model model = Model.newInstance("bn");
        NDManager manager = NDManager.newBaseManager()) {
      SequentialBlock net =
          new SequentialBlock()
              .add(Linear.builder().setUnits(8).build())
              .add(BatchNorm.builder().build())
              .add(Activation::relu)
              .add(Linear.builder().setUnits(3).build());
      net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 4));
      model.setBlock(net);
      Map<String, float[]> before = new LinkedHashMap<>();
      ParameterNames.of(net).forEach((n, p) -> before.put(n, p.getArray().toFloatArray()));
      assertTrue(
          before.containsKey("01BatchNorm_runningMean") || before.size() > 4, before::toString);
      ArrayDataset data =
          new ArrayDataset.Builder()
              .setData(manager.randomNormal(new Shape(64, 4)))
              .optLabels(manager.randomInteger(0, 3, new Shape(64), DataType.INT64))
              .setSampling(16, false)
              .build();
      FineTuning ft =
          FineTuning.builder()
              .setModel(model)
              .setPolicy(
                  Path.of("examples/iris-mlp-policy.yaml"),
                  new String[] {
                    "groups=[{name: all, match: [\"*\"]}]", "stages=[{epochs: 3, train: [all]}]"
                  })
              .setTask(new ClassificationTask(List.of("a", "b", "c")))
              .setTrain(data)
              .build();
      Path out = tmp.resolve("java-lrf");
      ObjectNode s =
          ft.lrFind(
              new LrFind.Options(out, 0, 1e-6, 1, 30),
              new PrintStream(OutputStream.nullOutputStream()));
      assertTrue(s.get("steps").asInt() >= 5, s::toString);
      ParameterNames.of(net)
          .forEach((n, p) -> assertArrayEquals(before.get(n), p.getArray().toFloatArray(), 0f, n));
      assertTrue(Files.isRegularFile(out.resolve(LrFind.FILE_NAME)));
    }
  }
}
