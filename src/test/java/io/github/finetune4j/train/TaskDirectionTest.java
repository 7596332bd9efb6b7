package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Each built-in task names its headline and the direction of its metrics. */
class TaskDirectionTest {

  @Test
  void headlinesAndDirections() {
    Task c = new ClassificationTask(List.of("a", "b"));
    Task r = new RegressionTask(List.of("y"), "mse", 1.0);
    Task m = new MultiLabelTask(List.of("x", "y"));
    assertEquals(new Task.Headline("accuracy", true), c.headline());
    assertEquals(new Task.Headline("rmse", false), r.headline());
    assertEquals(new Task.Headline("micro_f1", true), m.headline());
    for (Task t : List.of(c, r, m)) {
      assertFalse(t.higherIsBetter("loss"));
      assertTrue(t.metricNames().contains(t.headline().metric()), t.name());
      assertEquals(t.headline().higherIsBetter(), t.higherIsBetter(t.headline().metric()));
    }
    assertFalse(m.higherIsBetter("hamming_loss"), "early stopping minimises a Hamming loss");
    assertTrue(m.higherIsBetter("f1/x"));
    assertFalse(r.higherIsBetter("mae/y"));
    assertTrue(r.higherIsBetter("r2"));
  }
}
