package io.github.finetune4j.monitor;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows a run's progress on a console.
 *
 * <p>Interactive (a terminal, see {@link #isTerminal()}): a redrawn progress bar with ETA, loss, lr
 * and throughput. Otherwise (CI logs, files): a plain line every {@code every} steps, such as
 * {@code epoch 1 step 20/100 loss 0.412 lr 2.0e-04 31.2 samples/s ETA 0:42}. In both modes a line
 * is printed at the end of each epoch and for each warning. The lr shown is the largest group lr.
 */
public final class ConsoleSink implements MetricsSink {

  private final PrintStream out;
  private final boolean interactive;
  private final int every;
  private final LongSupplier nanoClock;

  private ProgressBar bar;

  /** Carriage return and "erase to the end of the line": clears the progress bar's line. */
  private static final byte[] CLEAR_LINE = "\r\033[K".getBytes(StandardCharsets.US_ASCII);

  private long firstStep = -1;
  private long firstNanos;

  /**
   * A console sink printing a plain line about 20 times per run when not interactive.
   *
   * @param out where to print (the CLI passes its own output stream)
   * @param interactive true to draw a progress bar (use {@link #isTerminal()})
   */
  public ConsoleSink(PrintStream out, boolean interactive) {
    this(out, interactive, 0);
  }

  /**
   * A console sink.
   *
   * @param out where to print
   * @param interactive true to draw a progress bar
   * @param every print a plain line every this many steps when not interactive; 0 or less means
   *     about 20 lines per run
   */
  public ConsoleSink(PrintStream out, boolean interactive, int every) {
    this(out, interactive, every, System::nanoTime);
  }

  /**
   * A console sink that shows the task's headline metric after each epoch's losses.
   *
   * @param out where to print
   * @param interactive true to draw a progress bar
   * @param every print a plain line every this many steps when not interactive
   * @param headlineMetric the task's headline metric (e.g. {@code micro_f1}), or null
   */
  public ConsoleSink(PrintStream out, boolean interactive, int every, String headlineMetric) {
    this(out, interactive, every, System::nanoTime);
    this.headlineMetric = headlineMetric;
  }

  /** For tests: an injectable monotonic clock in nanoseconds. */
  ConsoleSink(PrintStream out, boolean interactive, int every, LongSupplier nanoClock) {
    this.out = out;
    this.interactive = interactive;
    this.every = every;
    this.nanoClock = nanoClock;
  }

  private String headlineMetric;

  /** Whether the validation split has a loss (an information-retrieval split has none). */
  private boolean validLoss = true;

  /**
   * Leaves the validation loss out of the epoch lines: for a split that has none (an
   * information-retrieval split, scored as a whole), whose NaN would read as a diverged model.
   *
   * @return this sink
   */
  public ConsoleSink withoutValidLoss() {
    this.validLoss = false;
    return this;
  }

  /** Returns true when the JVM is attached to an interactive terminal. */
  public static boolean isTerminal() {
    return System.console() != null;
  }

  @Override
  public synchronized void onStep(StepMetrics m) {
    long now = nanoClock.getAsLong();
    if (firstStep < 0) {
      firstStep = m.step();
      firstNanos = now;
    }
    String stats =
        String.format(
            Locale.ROOT,
            "loss %.3f lr %.1e %.1f samples/s",
            m.loss(),
            headlineLr(m),
            m.samplesPerSecond());
    if (interactive) {
      if (bar == null) {
        bar =
            new ProgressBarBuilder()
                .setTaskName("train")
                .setInitialMax(Math.max(1, m.totalSteps()))
                .setStyle(ProgressBarStyle.ASCII)
                // its redraws (a carriage return, terminal sequences) go out as bytes: a stream
                // that escapes control characters in text passes bytes as they are
                .setConsumer(
                    new ConsoleProgressBarConsumer(
                        new PrintStream(out, true, StandardCharsets.UTF_8)))
                .setUpdateIntervalMillis(250)
                .build();
      }
      bar.stepTo(m.step());
      bar.setExtraMessage(String.format(Locale.ROOT, "epoch %d %s", m.epoch(), stats));
      return;
    }
    int period = every > 0 ? every : (int) Math.max(1, m.totalSteps() / 20);
    if (m.step() % period == 0 || m.step() == m.totalSteps()) {
      out.printf(
          Locale.ROOT,
          "epoch %d step %d/%d %s ETA %s%n",
          m.epoch(),
          m.step(),
          m.totalSteps(),
          stats,
          eta(m, now));
      out.flush();
    }
  }

  @Override
  public synchronized void onEpoch(EpochMetrics m) {
    StringBuilder line =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "epoch %d done (step %d): train loss %.4f",
                m.epoch(),
                m.step(),
                m.trainLoss()));
    line.append(headline(m.train()));
    // Evaluated when either figure is there: a NaN loss next to an accuracy is a diverged
    // model and is shown as such, not dropped.
    if (!validLoss && !m.valid().isEmpty()) {
      line.append(" | valid").append(headline(m.valid()));
    } else if (!Double.isNaN(m.validLoss()) || !m.valid().isEmpty()) {
      line.append(String.format(Locale.ROOT, " | valid loss %.4f", m.validLoss()));
      line.append(headline(m.valid()));
    }
    line.append(String.format(Locale.ROOT, " | %.1fs", m.seconds()));
    println(line.toString());
  }

  /**
   * The task's headline metric: the one this sink was given (e.g. {@code micro_f1}), else accuracy
   * for a classification, RMSE for a regression.
   */
  private String headline(Map<String, Double> metrics) {
    if (headlineMetric != null
        && !headlineMetric.equals("accuracy")
        && !headlineMetric.equals("rmse")
        && metrics.containsKey(headlineMetric)) {
      return String.format(
          Locale.ROOT, " %s %.4f", headlineMetric.replace('_', ' '), metrics.get(headlineMetric));
    }
    if (metrics.containsKey("accuracy")) {
      return String.format(Locale.ROOT, " acc %.4f", metrics.get("accuracy"));
    }
    if (metrics.containsKey("rmse")) {
      return String.format(Locale.ROOT, " rmse %.4g", metrics.get("rmse"));
    }
    return "";
  }

  /** One line: the untouched model's validation figures, before the first step. */
  @Override
  public synchronized void onBase(double validLoss, Map<String, Double> valid) {
    if (valid.isEmpty() && Double.isNaN(validLoss)) {
      return;
    }
    StringBuilder line = new StringBuilder("untouched model (before step 1): valid");
    if (this.validLoss && !Double.isNaN(validLoss)) {
      line.append(String.format(Locale.ROOT, " loss %.4f", validLoss));
    }
    line.append(headline(valid));
    println(line.toString());
  }

  @Override
  public synchronized void onWarning(RunWarning w) {
    println("warning [" + w.cause() + "] group " + w.group() + ": " + w.message());
  }

  @Override
  public synchronized void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
    out.flush();
  }

  /** Prints a whole line; in interactive mode first clears the progress bar's line. */
  private void println(String line) {
    if (interactive && bar != null) {
      out.write(CLEAR_LINE, 0, CLEAR_LINE.length); // bytes, as the bar's redraws
    }
    out.println(line);
    out.flush();
  }

  private static double headlineLr(StepMetrics m) {
    double max = Double.NaN;
    if (m.lr() != null) {
      for (Double v : m.lr().values()) {
        if (v != null && (Double.isNaN(max) || v > max)) {
          max = v;
        }
      }
    }
    return max;
  }

  private String eta(StepMetrics m, long now) {
    long done = m.step() - firstStep;
    if (done <= 0 || m.totalSteps() <= 0) {
      return "?";
    }
    double secondsPerStep = (now - firstNanos) / 1e9 / done;
    long seconds = Math.round(secondsPerStep * Math.max(0, m.totalSteps() - m.step()));
    return formatDuration(seconds);
  }

  /** Formats seconds as {@code m:ss}, or {@code h:mm:ss} from an hour on. */
  static String formatDuration(long seconds) {
    long h = seconds / 3600;
    long mnt = (seconds % 3600) / 60;
    long s = seconds % 60;
    return h > 0
        ? String.format(Locale.ROOT, "%d:%02d:%02d", h, mnt, s)
        : String.format(Locale.ROOT, "%d:%02d", mnt, s);
  }
}
