package io.github.finetune4j.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import io.github.finetune4j.recipe.LabelShape;
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
  private final double[] perLabel;

  MultiLabelKind(MultiLabelTaskSpec spec) {
    this(spec, null);
  }

  /** A kind that decodes with per-label thresholds (an export's), or the spec's one when null. */
  MultiLabelKind(MultiLabelTaskSpec spec, double[] perLabel) {
    this.spec = spec;
    this.perLabel = perLabel == null ? null : perLabel.clone();
  }

  @Override
  public String name() {
    return "multilabel";
  }

  @Override
  public LabelShape labels() {
    return LabelShape.LABEL_SET;
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
    MultiLabelTask task = new MultiLabelTask(outputs, posWeight, thresholds);
    return "tuned".equals(spec.thresholds()) ? task.tunedOnValidation() : task;
  }

  /**
   * The configured {@code threshold}, and per label the {@code thresholds} the trained task decides
   * with (tuned on the validation split with {@code task.thresholds: tuned}).
   */
  @Override
  public void describe(com.fasterxml.jackson.databind.node.ObjectNode metadata, Task trained) {
    metadata.put("threshold", spec.threshold());
    if (trained instanceof MultiLabelTask m) {
      var per = metadata.putArray("thresholds");
      for (double t : m.thresholds()) {
        per.add(t);
      }
    }
  }

  @Override
  public NDArray activate(NDArray outputs) {
    return Activation.sigmoid(outputs);
  }

  /**
   * The labels whose probability is at least their threshold (as {@link MultiLabelTask} counts).
   */
  @Override
  public Prediction decode(String text, float[] activated, int row, List<String> names) {
    int k = names.size();
    Map<String, Double> probs = new LinkedHashMap<>();
    List<String> set = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      float v = activated[row * k + c];
      probs.put(names.get(c), (double) v);
      if (v >= (perLabel != null ? perLabel[c] : spec.threshold())) {
        set.add(names.get(c));
      }
    }
    return new Prediction(text, String.join(",", set), probs, set, Map.of());
  }
}
