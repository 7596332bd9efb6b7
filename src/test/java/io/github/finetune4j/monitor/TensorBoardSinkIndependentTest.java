package io.github.finetune4j.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.finetune4j.monitor.TensorBoardChecks.Event;
import io.github.finetune4j.monitor.TensorBoardChecks.Scalar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the TensorBoard event file with code we did not write (see {@link TensorBoardChecks}):
 * every record is decoded by Google's {@code protoc --decode} against a schema subset of
 * TensorBoard's {@code event.proto}, and every TFRecord CRC is recomputed with a bit-by-bit CRC32C.
 */
class TensorBoardSinkIndependentTest {

  private static final Instant START = Instant.parse("2024-05-01T12:00:00.250Z");

  @TempDir Path dir;

  @Test
  void bitwiseCrcMatchesTheStandardCheckValue() {
    // The CRC-32C catalogue check value for "123456789".
    assertEquals(
        0xE3069283, TensorBoardChecks.crc32c("123456789".getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void everyRecordHasValidCrcsAndDecodesWithProtoc() throws Exception {
    TensorBoardChecks checks = new TensorBoardChecks(dir);
    SyntheticRun run = new SyntheticRun();
    Path runDir = dir.resolve("run");
    TensorBoardSink sink =
        new TensorBoardSink(runDir, Clock.fixed(START, ZoneOffset.UTC), "testhost");
    run.feed(sink);
    assertEquals("events.out.tfevents.1714564800.testhost", sink.file().getFileName().toString());

    TensorBoardChecks.EventFile file = checks.read(sink.file());
    assertEquals(
        List.of("wall_time: 1714564800.25", "file_version: \"brain.Event:2\""), file.header());
    List<Event> events = file.events();
    assertEquals(run.steps.size() + run.epochs.size(), events.size());

    int r = 0;
    int e = 0;
    for (StepMetrics m : run.steps) {
      assertEvent(events.get(r++), m.step(), expected(m));
      if (e < run.epochs.size() && run.epochs.get(e).step() == m.step()) {
        EpochMetrics em = run.epochs.get(e++);
        assertEvent(
            events.get(r++),
            em.step(),
            List.of(
                new Scalar("epoch/train_loss", em.trainLoss()),
                new Scalar("epoch/valid_loss", em.validLoss()),
                new Scalar("epoch/valid_accuracy", em.validAccuracy())));
      }
    }
  }

  /** The scalars the sink should write for a step, computed here from the metrics. */
  static List<Scalar> expected(StepMetrics m) {
    List<Scalar> out = new ArrayList<>();
    out.add(new Scalar("train/loss", m.loss()));
    out.add(new Scalar("train/samples_per_s", m.samplesPerSecond()));
    if (m.rssBytes() >= 0) {
      out.add(new Scalar("train/rss_mb", m.rssBytes() / (1024.0 * 1024.0)));
    }
    m.lr().forEach((g, lr) -> out.add(new Scalar("lr/" + g, lr)));
    for (Map.Entry<String, GroupStats> en : m.groups().entrySet()) {
      String p = "group/" + en.getKey() + "/";
      GroupStats s = en.getValue();
      out.add(new Scalar(p + "grad_norm", s.gradNorm()));
      if (!Double.isNaN(s.updateRatio())) {
        out.add(new Scalar(p + "update_ratio", Math.log10(s.updateRatio())));
      }
      if (!Double.isNaN(s.drift())) {
        out.add(new Scalar(p + "drift", s.drift()));
      }
      out.add(new Scalar(p + "weight_norm", s.weightNorm()));
    }
    return out;
  }

  /** Asserts an event's wall time (the fixed clock), step and scalars (compared as float). */
  private static void assertEvent(Event ev, long step, List<Scalar> want) {
    assertEquals(START.toEpochMilli() / 1000.0, ev.wallTime());
    assertScalars(ev, step, want);
  }

  /** Asserts an event's step and its scalars, in order, compared as float (what the file holds). */
  static void assertScalars(Event ev, long step, List<Scalar> want) {
    assertEquals(step, ev.step());
    List<Scalar> got = ev.scalars();
    assertEquals(want.size(), got.size(), "step " + step + ": " + got);
    for (int i = 0; i < want.size(); i++) {
      assertEquals(want.get(i).tag(), got.get(i).tag(), "step " + step);
      assertEquals(
          (float) want.get(i).value(),
          (float) got.get(i).value(),
          "step " + step + " " + want.get(i).tag());
    }
  }
}
