package io.github.finetune4j.pipeline;

import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.StepMetrics;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the run of this process is, for a signal handler that must say it in one line: the partial
 * directory and the last step finished.
 */
public final class ActiveRun {

  /**
   * The state of a live run.
   *
   * @param partial its {@code DIR.partial}
   * @param step the last step finished (0 before the first)
   */
  public record State(Path partial, long step) {}

  private static volatile Path partial;
  private static volatile long step;

  private ActiveRun() {}

  static void begin(Path dir) {
    step = 0;
    partial = dir;
  }

  static void end() {
    partial = null;
  }

  /**
   * The live run of this process, if any.
   *
   * @return its state
   */
  public static Optional<State> current() {
    Path p = partial;
    return p == null ? Optional.empty() : Optional.of(new State(p, step));
  }

  static MetricsSink progressSink() {
    return new MetricsSink() {
      @Override
      public void onStep(StepMetrics m) {
        step = m.step();
      }
    };
  }
}
