package io.github.finetune4j.examples;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.data.CsvSource;
import io.github.finetune4j.data.Standardizer;
import io.github.finetune4j.data.TabularData;
import io.github.finetune4j.pipeline.FineTuning;
import io.github.finetune4j.train.ClassificationTask;
import java.nio.file.Path;
import java.util.Random;

/**
 * Your own DJL block and your own DJL datasets, fine-tuned by a policy recipe: an MLP built in code
 * on the real iris data (data/iris), with the groups, stages and optimizer of
 * examples/iris-mlp-policy.yaml. Writes plan, metrics, TensorBoard events, report, summary and the
 * exported parameters into the policy's output.dir (or the directory given as the first argument).
 */
public final class OwnBlockInJava {

  private OwnBlockInJava() {}

  /**
   * Runs the example from the repository root.
   *
   * @param args optional: the output directory
   * @throws Exception when the run fails
   */
  public static void main(String[] args) throws Exception {
    TabularData iris =
        new CsvSource(Path.of("data/iris/iris.csv"), ',', null, null)
            .readClassification("species", null);
    int[] order = shuffled(iris.rows(), 7);
    TabularData train = iris.select(slice(order, 0, 100));
    Standardizer scale = Standardizer.fit(train);
    FineTuning.seed(7); // the policy's train.seed: the block's initial weights are drawn below
    try (NDManager manager = NDManager.newBaseManager();
        Model model = Model.newInstance("iris-mlp")) {
      SequentialBlock mlp =
          new SequentialBlock()
              .add(Linear.builder().setUnits(16).build())
              .add(Activation::relu)
              .add(Linear.builder().setUnits(iris.classes().size()).build());
      mlp.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, iris.featureCount()));
      FineTuning fineTuning =
          FineTuning.builder()
              .setBlock(mlp)
              .setPolicy(
                  Path.of("examples/iris-mlp-policy.yaml"),
                  args.length > 0 ? new String[] {"output.dir=" + args[0]} : new String[0])
              .setTask(new ClassificationTask(iris.classes()))
              .setTrain(dataset(manager, scale.apply(train)))
              .optValid(dataset(manager, scale.apply(iris.select(slice(order, 100, 25)))))
              .optTest(dataset(manager, scale.apply(iris.select(slice(order, 125, 25)))))
              .build();
      System.out.print(fineTuning.plan().toText());
      ObjectNode summary = fineTuning.run(System.out);
      System.out.println("test accuracy " + summary.get("test_accuracy"));
    }
  }

  /** A DJL dataset of standardized features and class indexes. */
  private static ArrayDataset dataset(NDManager manager, TabularData data) {
    long[] labels = new long[data.rows()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = data.label(i);
    }
    return new ArrayDataset.Builder()
        .setData(manager.create(data.features()))
        .optLabels(manager.create(labels))
        .setSampling(16, false)
        .build();
  }

  private static int[] shuffled(int n, long seed) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    Random r = new Random(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  private static int[] slice(int[] a, int from, int length) {
    int[] out = new int[length];
    System.arraycopy(a, from, out, 0, length);
    return out;
  }
}
