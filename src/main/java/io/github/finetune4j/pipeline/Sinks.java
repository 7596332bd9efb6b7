package io.github.finetune4j.pipeline;

import io.github.finetune4j.monitor.ConsoleSink;
import io.github.finetune4j.monitor.CsvSink;
import io.github.finetune4j.monitor.EpochMetrics;
import io.github.finetune4j.monitor.JsonlSink;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.RunWarning;
import io.github.finetune4j.monitor.StepMetrics;
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
        case "jsonl" -> {
          JsonlSink j = new JsonlSink(runDir, append);
          sinks.add(new Named(j, j.file()));
        }
        case "csv" -> {
          sinks.add(new Named(new CsvSink(runDir, append), runDir.resolve(CsvSink.FILE_NAME)));
        }
        case "tensorboard" -> {
          TensorBoardSink t = new TensorBoardSink(runDir);
          sinks.add(new Named(t, t.file()));
        }
        default -> {} // html is written from metrics.jsonl at the end of the run
      }
    }
    return sinks;
  }

  /**
   * A sink that writes a file, whose failures name that file ({@link RunFiles.WriteFailedException}
   * — a full disk's {@code IOException} names none), and which meets the failure a test injects
   * ({@link RunFiles#fault}).
   */
  private record Named(MetricsSink sink, Path file) implements MetricsSink {
    @Override
    public void onStep(StepMetrics m) throws IOException {
      try {
        RunFiles.check(file);
        sink.onStep(m);
      } catch (IOException e) {
        throw named(e);
      }
    }

    @Override
    public void onEpoch(EpochMetrics m) throws IOException {
      try {
        RunFiles.check(file);
        sink.onEpoch(m);
      } catch (IOException e) {
        throw named(e);
      }
    }

    @Override
    public void onBase(double validLoss, java.util.Map<String, Double> valid) throws IOException {
      try {
        sink.onBase(validLoss, valid);
      } catch (IOException e) {
        throw named(e);
      }
    }

    @Override
    public void onWarning(RunWarning w) throws IOException {
      try {
        RunFiles.check(file);
        sink.onWarning(w);
      } catch (IOException e) {
        throw named(e);
      }
    }

    @Override
    public void close() throws IOException {
      try {
        sink.close();
      } catch (IOException e) {
        throw named(e);
      }
    }

    private IOException named(IOException e) {
      return e instanceof RunFiles.WriteFailedException
          ? e
          : new RunFiles.WriteFailedException(file, e);
    }
  }
}
