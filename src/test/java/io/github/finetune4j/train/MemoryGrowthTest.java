package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import io.github.finetune4j.optim.AdamW;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.policy.Schedule;
import io.github.finetune4j.policy.StagePlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Memory stays flat: over ten epochs (a cached head-only stage, then everything with AdamW, weight
 * decay, clipping and gradient accumulation) the arrays the model's managers hold, counted and
 * summed in bytes after every epoch, do not grow from epoch 2 to epoch 10. Counted by the engine's
 * own bookkeeping, not timed: a step that forgot to free one temporary would add 8 x 9 arrays.
 */
class MemoryGrowthTest {

  private record Held(int arrays, long bytes) {}

  @Test
  void theManagersHoldNoMoreArraysAfterEpochTenThanAfterEpochTwo() throws Exception {
    try (TinyRun run = new TinyRun(4)) {
      List<Held> held = new ArrayList<>();
      run.capture.afterEpoch =
          e -> {
            List<NDArray> arrays = run.model.getNDManager().getManagedArrays();
            long bytes = 0;
            for (NDArray a : arrays) {
              if (!a.isReleased()) {
                bytes += a.size() * a.getDataType().getNumOfBytes();
              }
            }
            held.add(new Held(arrays.size(), bytes));
          };
      run.configure = b -> b.optAccumulate(2).optBatchSize(4);
      RunResult r =
          run.run(
              List.of(
                  new StagePlan(1, List.of("head"), Map.of()),
                  new StagePlan(9, List.of("embeddings", "encoder", "head"), Map.of())),
              AdamW.defaults(),
              g -> GroupHyper.of(1e-3).withWeightDecay(0.01),
              Schedule.constant(),
              1.0);
      assertTrue(r.succeeded(), "the run failed: " + r.fault());
      assertEquals(10, held.size());
      Held second = held.get(1);
      for (int e = 2; e < held.size(); e++) {
        Held h = held.get(e);
        assertEquals(
            second.arrays(), h.arrays(), "arrays held after epoch " + (e + 1) + ": " + held);
        assertTrue(
            h.bytes() <= second.bytes() * 1.05,
            "bytes held grew from epoch 2 to " + (e + 1) + ": " + held);
      }
    }
  }
}
