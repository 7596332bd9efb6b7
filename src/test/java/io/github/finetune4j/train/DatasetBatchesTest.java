package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import io.github.finetune4j.optim.AdamW;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.params.GroupRule;
import io.github.finetune4j.params.ParamGroups;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.policy.StagePlan;
import io.github.finetune4j.recipe.NamePattern;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A user's own DJL block and DJL {@link ArrayDataset} train through the loop: the adapter hands the
 * records the loop asks for, a classification learns a separable toy problem and a regression fits
 * a linear target.
 */
class DatasetBatchesTest {

  private static float[] features(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n * 4];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  private static RunResult train(
      Model model, ArrayDataset data, ArrayDataset test, Task task, int outputs) throws Exception {
    Engine.getInstance().setRandomSeed(5);
    SequentialBlock block =
        new SequentialBlock()
            .add(Linear.builder().setUnits(16).build())
            .add(Activation::relu)
            .add(Linear.builder().setUnits(outputs).build());
    block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 4));
    model.setBlock(block);
    var params = ParameterNames.trainable(block);
    ParamGroups groups =
        ParamGroups.partition(
            params.keySet(),
            List.of(
                new GroupRule("body", List.of("0.*"), List.of(NamePattern.compile("0.*"))),
                new GroupRule("head", List.of("2.*"), List.of(NamePattern.compile("2.*")))));
    Map<String, GroupHyper> h = new LinkedHashMap<>();
    params.keySet().forEach(n -> h.put(n, GroupHyper.of(1e-2)));
    TrainSetup setup =
        TrainSetup.builder()
            .setBlock(block)
            .setParams(params)
            .setGroups(groups)
            .setStages(List.of(new StagePlan(30, List.of("body", "head"), Map.of())))
            .setRule(AdamW.defaults())
            .setHyper(h)
            .setTask(task)
            .setTrain(new DatasetBatches(data))
            .optTest(new DatasetBatches(test))
            .optBatchSize(16)
            .build();
    try (NDManager m = model.getNDManager().newSubManager();
        FineTuner t = new FineTuner(setup, m)) {
      return t.run();
    }
  }

  @Test
  void batchesAreTheRecordsStacked() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] x = features(10, 1);
      ArrayDataset ds =
          new ArrayDataset.Builder()
              .setData(m.create(x, new Shape(10, 4)))
              .optLabels(m.create(new long[] {0, 1, 0, 1, 0, 1, 0, 1, 0, 1}))
              .setSampling(2, false)
              .build();
      DatasetBatches b = new DatasetBatches(ds);
      assertEquals(10, b.size());
      NDList in = b.inputs(m, new int[] {3, 7});
      assertEquals(new Shape(2, 4), in.singletonOrThrow().getShape());
      float[] expected = new float[8];
      System.arraycopy(x, 12, expected, 0, 4);
      System.arraycopy(x, 28, expected, 4, 4);
      assertArrayEquals(expected, in.singletonOrThrow().toFloatArray());
      assertArrayEquals(new long[] {1, 1}, b.labels(m, new int[] {3, 7}).toLongArray());
    }
  }

  @Test
  void aUsersBlockAndArrayDatasetLearnAClassification() throws Exception {
    try (Model model = Model.newInstance("own");
        NDManager m = NDManager.newBaseManager()) {
      ArrayDataset[] splits = new ArrayDataset[2];
      for (int s = 0; s < 2; s++) {
        float[] x = features(128, 10 + s);
        long[] y = new long[128];
        for (int i = 0; i < 128; i++) {
          y[i] = x[i * 4] + x[i * 4 + 1] > 0 ? 1 : 0; // separable by a line
        }
        splits[s] =
            new ArrayDataset.Builder()
                .setData(m.create(x, new Shape(128, 4)))
                .optLabels(m.create(y))
                .setSampling(16, false)
                .build();
      }
      RunResult r =
          train(model, splits[0], splits[1], new ClassificationTask(List.of("neg", "pos")), 2);
      assertNull(r.fault());
      assertTrue(r.testAccuracy() > 0.9, "test accuracy " + r.testAccuracy());
    }
  }

  @Test
  void aUsersBlockAndArrayDatasetFitARegression() throws Exception {
    try (Model model = Model.newInstance("own");
        NDManager m = NDManager.newBaseManager()) {
      ArrayDataset[] splits = new ArrayDataset[2];
      for (int s = 0; s < 2; s++) {
        float[] x = features(128, 20 + s);
        float[] y = new float[128];
        for (int i = 0; i < 128; i++) {
          y[i] = 2 * x[i * 4] - x[i * 4 + 1];
        }
        NDArray labels = m.create(y, new Shape(128, 1));
        splits[s] =
            new ArrayDataset.Builder()
                .setData(m.create(x, new Shape(128, 4)))
                .optLabels(labels)
                .setSampling(16, false)
                .build();
      }
      RunResult r =
          train(model, splits[0], splits[1], new RegressionTask(List.of("y"), "mse", 1), 1);
      assertNull(r.fault());
      assertTrue(r.test().get("r2") > 0.9, "test R² " + r.test().get("r2"));
    }
  }
}
