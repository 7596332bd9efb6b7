package io.github.finetune4j.pipeline;

import io.github.finetune4j.monitor.ConsoleSink;
import io.github.finetune4j.monitor.CsvSink;
import io.github.finetune4j.monitor.JsonlSink;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.TensorBoardSink;
import io.github.finetune4j.recipe.MonitorSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds the metric sinks a run writes to, from the recipe's monitor section. */
final class Sinks {
  private Sinks() {}

  static List<MetricsSink> forRun(Path runDir, PrintStream out, MonitorSpec spec, boolean terminal)
      throws IOException {
    return forRun(runDir, out, spec, terminal, false, null, true);
  }

  /**
   * The sinks of a run; a resumed run appends to its metrics files; the console shows the task's
   * headline metric (null: accuracy or RMSE where the epoch has them), and the validation loss
   * unless the split has none.
   */
  static List<MetricsSink> forRun(
      Path runDir,
      PrintStream out,
      MonitorSpec spec,
      boolean terminal,
      boolean append,
      String headlineMetric,
      boolean validLoss)
      throws IOException {
    List<MetricsSink> sinks = new ArrayList<>();
    for (String name : spec.sinks()) {
      switch (name) {
        case "console" -> {
          ConsoleSink c = new ConsoleSink(out, terminal, spec.every(), headlineMetric);
          sinks.add(validLoss ? c : c.withoutValidLoss());
        }
        case "jsonl" -> sinks.add(new JsonlSink(runDir, append));
        case "csv" -> sinks.add(new CsvSink(runDir, append));
        case "tensorboard" -> sinks.add(new TensorBoardSink(runDir));
        default -> {} // html is written from metrics.jsonl at the end of the run
      }
    }
    return sinks;
  }
}
