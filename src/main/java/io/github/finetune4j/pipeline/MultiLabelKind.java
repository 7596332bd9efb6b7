package io.github.finetune4j.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import io.github.finetune4j.recipe.MultiLabelTaskSpec;
import io.github.finetune4j.train.MultiLabelTask;
import io.github.finetune4j.train.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

  @Override
  public NDArray activate(NDArray outputs) {
    return Activation.sigmoid(outputs);
  }

  /** The labels whose probability is at least the threshold (as {@link MultiLabelTask} counts). */
  @Override
  public Prediction decode(String text, float[] activated, int row, List<String> names) {
    int k = names.size();
    Map<String, Double> probs = new LinkedHashMap<>();
    List<String> set = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      float v = activated[row * k + c];
      probs.put(names.get(c), (double) v);
      if (v >= spec.threshold()) {
        set.add(names.get(c));
      }
    }
    return new Prediction(text, String.join(",", set), probs, set, Map.of());
  }
}
