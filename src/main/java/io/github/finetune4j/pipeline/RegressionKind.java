package io.github.finetune4j.pipeline;

import ai.djl.ndarray.NDArray;
import io.github.finetune4j.recipe.LabelShape;
import io.github.finetune4j.recipe.RegressionTaskSpec;
import io.github.finetune4j.train.RegressionTask;
import io.github.finetune4j.train.Task;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Regression on csv {@code targets} columns. */
final class RegressionKind implements TaskKind {

  private final RegressionTaskSpec spec;

  RegressionKind(RegressionTaskSpec spec) {
    this.spec = spec;
  }

  @Override
  public String name() {
    return "regression";
  }

  @Override
  public LabelShape labels() {
    return LabelShape.VALUES;
  }

  @Override
  public String outputsKey() {
    return "targets";
  }

  @Override
  public Task task(List<String> outputs) {
    return new RegressionTask(outputs, spec.loss(), spec.delta());
  }

  @Override
  public NDArray activate(NDArray outputs) {
    return outputs;
  }

  @Override
  public Prediction decode(String text, float[] activated, int row, List<String> names) {
    int k = names.size();
    Map<String, Double> values = new LinkedHashMap<>();
    for (int c = 0; c < k; c++) {
      values.put(names.get(c), (double) activated[row * k + c]);
    }
    return new Prediction(text, null, Map.of(), List.of(), values);
  }
}
