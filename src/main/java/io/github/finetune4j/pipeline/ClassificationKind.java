package io.github.finetune4j.pipeline;

import ai.djl.ndarray.NDArray;
import io.github.finetune4j.recipe.LabelShape;
import io.github.finetune4j.train.ClassificationTask;
import io.github.finetune4j.train.Task;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Single-label classification: softmax over {@code head.classes}. */
final class ClassificationKind implements TaskKind {

  @Override
  public String name() {
    return "classification";
  }

  @Override
  public LabelShape labels() {
    return LabelShape.CLASS;
  }

  @Override
  public String outputsKey() {
    return "classes";
  }

  @Override
  public Task task(List<String> outputs) {
    return new ClassificationTask(outputs);
  }

  @Override
  public NDArray activate(NDArray outputs) {
    return outputs.softmax(1);
  }

  @Override
  public Prediction decode(String text, float[] activated, int row, List<String> names) {
    int k = names.size();
    int best = 0;
    Map<String, Double> probs = new LinkedHashMap<>();
    for (int c = 0; c < k; c++) {
      float v = activated[row * k + c];
      probs.put(names.get(c), (double) v);
      best = v > activated[row * k + best] ? c : best;
    }
    return new Prediction(text, names.get(best), probs);
  }
}
