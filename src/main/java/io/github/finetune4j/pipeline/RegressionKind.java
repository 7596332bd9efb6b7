package io.github.finetune4j.pipeline;

import io.github.finetune4j.recipe.RegressionTaskSpec;
import io.github.finetune4j.train.RegressionTask;
import io.github.finetune4j.train.Task;
import java.util.List;

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
  public Labels labels() {
    return Labels.VALUES;
  }

  @Override
  public String outputsKey() {
    return "targets";
  }

  @Override
  public Task task(List<String> outputs) {
    return new RegressionTask(outputs, spec.loss(), spec.delta());
  }
}
