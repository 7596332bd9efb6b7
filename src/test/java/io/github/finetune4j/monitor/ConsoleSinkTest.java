package io.github.finetune4j.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConsoleSinkTest {

  @Test
  void plainLinesEveryNStepsWithEtaAndEpochSummaries() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AtomicLong nanos = new AtomicLong();
    ConsoleSink sink =
        new ConsoleSink(
            new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 20, nanos::get);
    SyntheticRun run = new SyntheticRun();
    try (sink) {
      int e = 0;
      for (StepMetrics m : run.steps) {
        sink.onStep(m);
        nanos.addAndGet(500_000_000L); // 0.5 s per step
        if (m.step() == 7) {
          sink.onWarning(run.warnings.get(0));
        }
        if (e < run.epochs.size() && run.epochs.get(e).step() == m.step()) {
          sink.onEpoch(run.epochs.get(e++));
        }
      }
    }
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(
        List.of(
            "warning [exploding] group head: update ratio 2.0e-01 > 1e-01 <check> & \"lr\"",
            "epoch 1 step 20/50 loss 0.836 lr 6.2e-04 120.0 samples/s ETA 0:15",
            "epoch 1 done (step 25): train loss 1.0000 acc 0.7000 | valid loss 1.1000 acc 0.6500"
                + " | 12.5s",
            "epoch 2 step 40/50 loss 0.371 lr 2.2e-04 140.0 samples/s ETA 0:05",
            "epoch 2 step 50/50 loss 0.264 lr 2.0e-05 150.0 samples/s ETA 0:00",
            "epoch 2 done (step 50): train loss 0.5000 acc 0.8000 | valid loss 0.5500 acc 0.7500"
                + " | 12.5s"),
        lines);
  }

  @Test
  void aNanValidLossIsShownNotDropped() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ConsoleSink sink =
        new ConsoleSink(new PrintStream(bytes, true, StandardCharsets.UTF_8), false)) {
      sink.onEpoch(new EpochMetrics(1, 0, 4, Double.NaN, 0.6875, Double.NaN, 0.5, 1.0));
      sink.onEpoch(new EpochMetrics(2, 0, 8, 0.25, 0.75, Double.NaN, Double.NaN, 1.0));
    }
    assertEquals(
        List.of(
            "epoch 1 done (step 4): train loss NaN acc 0.6875 | valid loss NaN acc 0.5000 | 1.0s",
            "epoch 2 done (step 8): train loss 0.2500 acc 0.7500 | 1.0s"),
        bytes.toString(StandardCharsets.UTF_8).lines().toList());
  }

  @Test
  void autoPeriodGivesAboutTwentyLines() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ConsoleSink sink = new ConsoleSink(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
    for (int s = 1; s <= 1000; s++) {
      sink.onStep(new StepMetrics(s, 1000, 1, 0, 1.0, 1.0, -1, Map.of("g", 0.1), Map.of()));
    }
    sink.close();
    assertEquals(20, bytes.toString(StandardCharsets.UTF_8).lines().count());
  }

  @Test
  void interactiveModeDrawsAProgressBar() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ConsoleSink sink =
        new ConsoleSink(new PrintStream(bytes, true, StandardCharsets.UTF_8), true)) {
      for (StepMetrics m : new SyntheticRun().steps) {
        sink.onStep(m);
      }
    }
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("train"), text);
    assertTrue(text.contains("50/50"), text);
    assertTrue(text.contains("loss 0.264"), text);
  }

  @Test
  void formatsDurations() {
    assertEquals("0:42", ConsoleSink.formatDuration(42));
    assertEquals("1:00:05", ConsoleSink.formatDuration(3605));
  }
}
