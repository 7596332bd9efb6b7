package io.github.finetune4j.pipeline;

import io.github.finetune4j.train.ClassificationTask;
import io.github.finetune4j.train.Task;
import java.util.List;

/** Single-label classification: softmax over {@code head.classes}. */
final class ClassificationKind implements TaskKind {

  @Override
  public String name() {
    return "classification";
  }

  @Override
  public Labels labels() {
    return Labels.CLASS;
  }

  @Override
  public String outputsKey() {
    return "classes";
  }

  @Override
  public Task task(List<String> outputs) {
    return new ClassificationTask(outputs);
  }
}
