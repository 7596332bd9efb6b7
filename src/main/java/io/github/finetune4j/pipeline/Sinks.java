package io.github.finetune4j.pipeline;

import io.github.finetune4j.monitor.EpochMetrics;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.StepMetrics;
import io.github.finetune4j.recipe.Recipe;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Builds the metric sinks a run writes to, and closes them. */
final class Sinks {
  private Sinks() {}

  static List<MetricsSink> forRun(Path runDir, PrintStream out, Recipe recipe) {
    int every = recipe.train().logEvery();
    return List.of(
        new MetricsSink() {
          @Override
          public void onStep(StepMetrics m) {
            if (m.step() % every == 0 || m.step() == m.totalSteps()) {
              out.printf(Locale.ROOT, "epoch %d step %d/%d loss %.4f %.1f samples/s%n",
                  m.epoch(), m.step(), m.totalSteps(), m.loss(), m.samplesPerSecond());
            }
          }

          @Override
          public void onEpoch(EpochMetrics m) {
            out.printf(Locale.ROOT, "epoch %d done: train loss %.4f acc %.3f, valid loss %.4f acc %.3f (%.1fs)%n",
                m.epoch(), m.trainLoss(), m.trainAccuracy(), m.validLoss(), m.validAccuracy(), m.seconds());
          }
        });
  }

  static void closeAll(List<MetricsSink> sinks) throws java.io.IOException {
    java.io.IOException first = null;
    for (MetricsSink s : sinks) {
      try {
        s.close();
      } catch (java.io.IOException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
