package io.github.finetune4j.train;

import io.github.finetune4j.optim.AdamW;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.policy.Schedule;
import io.github.finetune4j.policy.StagePlan;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScratchGradTest {
  @Test
  void print() throws Exception {
    for (int rep = 0; rep < 3; rep++) {
      try (TinyRun run = new TinyRun(9)) {
        if (rep > 0) {
          run.params.forEach((n, p) -> p.getArray().set(java.nio.FloatBuffer.wrap(p.getArray().toFloatArray())));
        }
        if (rep > 1) {
          System.gc();
        }
        run.run(List.of(new StagePlan(2, List.of("head"), Map.of()),
            new StagePlan(1, List.of("embeddings", "encoder", "head"), Map.of())),
            AdamW.defaults(), g -> GroupHyper.of(1e-3), Schedule.constant(), 0);
        StringBuilder b = new StringBuilder();
        run.capture.steps.forEach(m -> b.append(String.format(" %.3g", m.groups().get("encoder").gradNorm())));
        System.out.println("GRADS rep " + rep + b);
      }
    }
  }
}
