package io.github.finetune4j.examples;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.data.CsvSource;
import io.github.finetune4j.data.Standardizer;
import io.github.finetune4j.data.TabularData;
import io.github.finetune4j.optim.DecayMode;
import io.github.finetune4j.optim.ParamContext;
import io.github.finetune4j.optim.UpdateRule;
import io.github.finetune4j.pipeline.FineTuning;
import io.github.finetune4j.train.ClassificationTask;
import io.github.finetune4j.train.FeatureBatches;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * A custom update rule plugged in through the Java API: Lion (Chen et al. 2023, "Symbolic Discovery
 * of Optimization Algorithms"), a sign-based rule, written here in a dozen lines and handed to
 * {@link FineTuning.Builder#optRule}; the policy file's learning rate, cosine schedule and
 * decoupled weight decay apply to it as to a built-in rule. Trains a small MLP on the real iris
 * data.
 *
 * <pre>
 * examples/run CustomRuleLion [output.dir=...]
 * </pre>
 */
public final class CustomRuleLion {

  private CustomRuleLion() {}

  /**
   * Lion: {@code c = β1 m + (1 − β1) g; w −= lr · sign(c); m = β2 m + (1 − β2) g}.
   *
   * @param beta1 the interpolation of the update
   * @param beta2 the decay of the momentum
   */
  public record Lion(double beta1, double beta2) implements UpdateRule {
    @Override
    public String name() {
      return "lion";
    }

    @Override
    public DecayMode defaultDecayMode() {
      return DecayMode.DECOUPLED;
    }

    @Override
    public double defaultMomentum() {
      return beta1;
    }

    @Override
    public List<String> bufferNames() {
      return List.of("exp_avg");
    }

    @Override
    public void update(NDArray w, NDArray g, ParamContext ctx) {
      NDArray m = ctx.buffer("exp_avg");
      NDArray c = m.mul((float) ctx.momentum()).addi(g.mul((float) (1 - ctx.momentum())));
      w.subi(c.sign().muli((float) ctx.lr()));
      m.muli((float) beta2).addi(g.mul((float) (1 - beta2)));
    }
  }

  /**
   * Trains the MLP with Lion.
   *
   * @param args {@code key=value} overrides of examples/lion-policy.yaml
   * @return the summary
   * @throws Exception when the run fails
   */
  public static ObjectNode run(String... args) throws Exception {
    TabularData iris =
        new CsvSource(Path.of("data/iris/iris.csv"), ',', null, null)
            .readClassification("species", null);
    // every fifth row is held out for testing, the next fifth for validation
    TabularData train = iris.select(rows(iris.rows(), r -> r % 5 > 1));
    Standardizer scale = Standardizer.fit(train);
    FineTuning.seed(7); // the policy's train.seed: the block's initial weights are drawn below
    try (Model model = Model.newInstance("iris-lion")) {
      SequentialBlock mlp =
          new SequentialBlock()
              .add(Linear.builder().setUnits(16).build())
              .add(Activation::relu)
              .add(Linear.builder().setUnits(iris.classes().size()).build());
      mlp.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, iris.featureCount()));
      model.setBlock(mlp);
      return FineTuning.builder()
          .setModel(model)
          .setPolicy(Path.of("examples/lion-policy.yaml"), args)
          .optRule(new Lion(0.9, 0.99))
          .setTask(new ClassificationTask(iris.classes()))
          .setTrain(batches(scale.apply(train)))
          .optValid(batches(scale.apply(iris.select(rows(iris.rows(), r -> r % 5 == 1)))))
          .optTest(batches(scale.apply(iris.select(rows(iris.rows(), r -> r % 5 == 0)))))
          .build()
          .run(System.out);
    }
  }

  /**
   * Runs it and prints the test accuracy.
   *
   * @param args {@code key=value} overrides
   * @throws Exception when the run fails
   */
  public static void main(String[] args) throws Exception {
    System.out.println("test accuracy " + run(args).get("test_accuracy"));
  }

  private static FeatureBatches batches(TabularData t) {
    return new FeatureBatches(t.features(), t.labels());
  }

  private static int[] rows(int n, IntPredicate keep) {
    return IntStream.range(0, n).filter(keep).toArray();
  }
}
