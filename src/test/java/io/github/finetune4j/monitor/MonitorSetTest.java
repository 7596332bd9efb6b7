package io.github.finetune4j.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MonitorSetTest {

  private static final class Recording implements MetricsSink {
    final List<String> calls = new ArrayList<>();
    final String failOn;

    Recording(String failOn) {
      this.failOn = failOn;
    }

    private void call(String what) throws IOException {
      calls.add(what);
      if (what.equals(failOn)) {
        throw new IOException("boom " + what);
      }
    }

    @Override
    public void onStep(StepMetrics m) throws IOException {
      call("step");
    }

    @Override
    public void onEpoch(EpochMetrics m) throws IOException {
      call("epoch");
    }

    @Override
    public void onWarning(RunWarning w) throws IOException {
      call("warning");
    }

    @Override
    public void close() throws IOException {
      call("close");
    }
  }

  @Test
  void fansOutToAllSinks() throws Exception {
    Recording a = new Recording("");
    Recording b = new Recording("");
    new SyntheticRun().feed(MonitorSet.of(a, b));
    assertEquals(50 + 2 + 1 + 1, a.calls.size());
    assertEquals(a.calls, b.calls);
    assertEquals("close", b.calls.get(b.calls.size() - 1));
  }

  @Test
  void closesEverySinkEvenWhenSomeFail() {
    Recording a = new Recording("close");
    Recording b = new Recording("");
    Recording c = new Recording("close");
    MonitorSet set = MonitorSet.of(a, b, c);
    IOException e = assertThrows(IOException.class, set::close);
    assertEquals("boom close", e.getMessage());
    assertEquals(1, e.getSuppressed().length);
    assertEquals(List.of("close"), a.calls);
    assertEquals(List.of("close"), b.calls);
    assertEquals(List.of("close"), c.calls);
  }

  @Test
  void aFailingSinkDoesNotStarveTheOthers() {
    Recording a = new Recording("step");
    Recording b = new Recording("");
    MonitorSet set = MonitorSet.of(a, b);
    StepMetrics m = new SyntheticRun().steps.get(0);
    assertThrows(IOException.class, () -> set.onStep(m));
    assertEquals(List.of("step"), b.calls);
    RuntimeException bug = new IllegalStateException("bug");
    MetricsSink throwing =
        new MetricsSink() {
          @Override
          public void onStep(StepMetrics s) {
            throw bug;
          }
        };
    Recording c = new Recording("");
    assertSame(
        bug, assertThrows(IllegalStateException.class, () -> MonitorSet.of(throwing, c).onStep(m)));
    assertEquals(List.of("step"), c.calls);
  }
}
