package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import io.github.finetune4j.train.ClassificationTask;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The experiment tools from Java: a sweep run as a library, and an LR range test that leaves no
 * trace — a run after it ends bit-identical to a run without it (weights, optimizer state and the
 * engine's random draws all as if it had not happened).
 */
class ExperimentsApiTest {

  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  @TempDir Path tmp;

  @Test
  void aSweepRunsFromJava() throws Exception {
    LinkedHashMap<String, List<String>> grid = new LinkedHashMap<>();
    grid.put("optimizer.lr", List.of("1e-3", "3e-3"));
    Sweep s =
        new Sweep(
            List.of(Path.of("recipes/tabular/breast-cancer-mlp.yaml")),
            grid,
            1,
            List.of("monitor.sinks=[jsonl]", "stages.0.epochs=3", "train.threads=1"),
            tmp.resolve("sweep"));
    assertEquals(List.of(), s.prepare());
    assertEquals(List.of(), s.run(io.github.finetune4j.cli.Main.class.getName(), 2, QUIET));
    assertTrue(s.trials().stream().allMatch(s::complete));
    assertEquals(3, Files.readAllLines(tmp.resolve("sweep/results.csv")).size());
  }

  private byte[] train(Path out, boolean lrFindFirst) throws Exception {
    try (Model model = Model.newInstance("bn");
        NDManager manager = NDManager.newBaseManager()) {
      ai.djl.engine.Engine.getInstance().setRandomSeed(5);
      SequentialBlock net =
          new SequentialBlock()
              .add(Linear.builder().setUnits(8).build())
              .add(BatchNorm.builder().build())
              .add(Activation::relu)
              .add(ai.djl.nn.norm.Dropout.builder().optRate(0.2f).build())
              .add(Linear.builder().setUnits(3).build());
      net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 4));
      model.setBlock(net);
      manager.getEngine().setRandomSeed(9);
      ArrayDataset data =
          new ArrayDataset.Builder()
              .setData(manager.randomNormal(new Shape(48, 4)))
              .optLabels(manager.randomInteger(0, 3, new Shape(48), DataType.INT64))
              .setSampling(16, false)
              .build();
      FineTuning ft =
          FineTuning.builder()
              .setModel(model)
              .setPolicy(
                  Path.of("examples/iris-mlp-policy.yaml"),
                  new String[] {
                    "groups=[{name: all, match: [\"*\"]}]",
                    "stages=[{epochs: 3, train: [all]}]",
                    "output.dir=" + out
                  })
              .setTask(new ClassificationTask(List.of("a", "b", "c")))
              .setTrain(data)
              .build();
      ft.plan(); // as a program prints it first: the norm policy attaches to the block again
      if (lrFindFirst) {
        ft.lrFind(new LrFind.Options(tmp.resolve("lrf"), 0, 1e-5, 1, 20), QUIET);
      }
      ft.run(QUIET);
      return Files.readAllBytes(out.resolve("model/model-0000.params"));
    }
  }

  @Test
  void aRunAfterAnLrRangeTestIsBitIdenticalToOneWithout() throws Exception {
    byte[] plain = train(tmp.resolve("plain"), false);
    byte[] after = train(tmp.resolve("after"), true);
    assertArrayEquals(plain, after);
    assertTrue(Files.isRegularFile(tmp.resolve("lrf").resolve(LrFind.FILE_NAME)));
  }
}
