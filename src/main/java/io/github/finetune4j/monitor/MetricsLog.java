package io.github.finetune4j.monitor;

import java.util.List;

/**
 * The contents of a {@code metrics.jsonl} file as read by {@link MetricsReader}: the valid records
 * in file order, and one {@link Problem} per line that could not be read.
 *
 * @param steps the step records
 * @param epochs the epoch records
 * @param warnings the warning records
 * @param problems the lines that were skipped, with why
 * @param lines number of non-blank lines in the file
 */
public record MetricsLog(
    List<StepMetrics> steps,
    List<EpochMetrics> epochs,
    List<RunWarning> warnings,
    List<Problem> problems,
    int lines) {

  /** Copies the lists so the log is immutable. */
  public MetricsLog {
    steps = List.copyOf(steps);
    epochs = List.copyOf(epochs);
    warnings = List.copyOf(warnings);
    problems = List.copyOf(problems);
  }

  /**
   * A line of {@code metrics.jsonl} that was skipped.
   *
   * @param line 1-based line number
   * @param message what is wrong with it
   */
  public record Problem(int line, String message) {
    @Override
    public String toString() {
      return "line " + line + ": " + message;
    }
  }
}
