package io.github.finetune4j.monitor;

import java.io.IOException;
import java.util.List;

/**
 * A sink that fans every call out to several sinks, in order. A sink that fails does not stop the
 * others: every sink receives the call, then the first failure is rethrown with the later ones
 * attached as suppressed. {@link #close()} closes every sink the same way.
 */
public final class MonitorSet implements MetricsSink {

  private final List<MetricsSink> sinks;

  /**
   * Creates a fan-out over the given sinks.
   *
   * @param sinks the sinks, called in this order
   */
  public MonitorSet(List<? extends MetricsSink> sinks) {
    this.sinks = List.copyOf(sinks);
  }

  /**
   * Creates a fan-out over the given sinks.
   *
   * @param sinks the sinks, called in this order
   * @return the composite sink
   */
  public static MonitorSet of(MetricsSink... sinks) {
    return new MonitorSet(List.of(sinks));
  }

  /** Returns the sinks, in call order. */
  public List<MetricsSink> sinks() {
    return sinks;
  }

  @Override
  public void onStep(StepMetrics m) throws IOException {
    each(s -> s.onStep(m));
  }

  @Override
  public void onEpoch(EpochMetrics m) throws IOException {
    each(s -> s.onEpoch(m));
  }

  @Override
  public void onWarning(RunWarning w) throws IOException {
    each(s -> s.onWarning(w));
  }

  @Override
  public void close() throws IOException {
    each(MetricsSink::close);
  }

  private interface Call {
    void apply(MetricsSink sink) throws IOException;
  }

  private void each(Call call) throws IOException {
    Exception first = null;
    for (MetricsSink sink : sinks) {
      try {
        call.apply(sink);
      } catch (IOException | RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first instanceof IOException io) {
      throw io;
    }
    if (first != null) {
      throw (RuntimeException) first;
    }
  }
}
