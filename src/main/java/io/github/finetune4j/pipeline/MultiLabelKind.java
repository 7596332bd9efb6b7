package io.github.finetune4j.pipeline;

import io.github.finetune4j.recipe.MultiLabelTaskSpec;
import io.github.finetune4j.train.MultiLabelTask;
import io.github.finetune4j.train.Task;
import java.util.List;

/** Multi-label classification: a 0/1 decision per label (sigmoid, binary cross-entropy). */
final class MultiLabelKind implements TaskKind {

  private final MultiLabelTaskSpec spec;

  MultiLabelKind(MultiLabelTaskSpec spec) {
    this.spec = spec;
  }

  @Override
  public String name() {
    return "multilabel";
  }

  @Override
  public Labels labels() {
    return Labels.LABEL_SET;
  }

  @Override
  public String outputsKey() {
    return "labels";
  }

  @Override
  public Task task(List<String> outputs) {
    float[] posWeight = null;
    if (spec.posWeight() != null) {
      posWeight = new float[spec.posWeight().size()];
      for (int i = 0; i < posWeight.length; i++) {
        posWeight[i] = spec.posWeight().get(i).floatValue();
      }
    }
    double[] thresholds = new double[outputs.size()];
    java.util.Arrays.fill(thresholds, spec.threshold());
    return new MultiLabelTask(outputs, posWeight, thresholds);
  }

  @Override
  public void describe(com.fasterxml.jackson.databind.node.ObjectNode metadata) {
    metadata.put("threshold", spec.threshold());
  }
}
