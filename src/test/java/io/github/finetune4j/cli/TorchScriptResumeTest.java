package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.pipeline.RunDirectory;
import io.github.finetune4j.train.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill and resume of a TorchScript module whose BatchNorm running statistics move while it trains
 * ({@code norm: train}): the statistics are module buffers, not DJL parameters, so each checkpoint
 * holds the module whole ({@code module.pt}) and a resumed run continues with it. A child JVM is
 * killed with SIGKILL inside the head-only stage and inside the stage that trains the body (the
 * statistics moving); each resumed run exports a module — weights and running statistics —
 * byte-identical to the uninterrupted run's, with the same metrics.
 */
class TorchScriptResumeTest {

  private static final String RECIPE = "recipes/tabular/digits-transfer.yaml";
  private static final String[] SETUP = {
    "groups.0.norm=train", // the body's BatchNorm statistics move while the body trains
    "data.batch_size=16", // 35 steps an epoch; the body trains from step 106 on
    "stages.0.epochs=3",
    "stages.1.epochs=7",
    "train.checkpoint_every=9",
    "monitor.sinks=[jsonl]",
  };

  @TempDir static Path tmp;
  private static Path reference;

  @BeforeAll
  static void uninterrupted() {
    reference = tmp.resolve("reference");
    CliResult r = CliResult.run(args(reference, false));
    assertEquals(0, r.code(), r::toString);
  }

  private static String[] args(Path out, boolean resume) {
    return ChildRun.runArgs(RECIPE, SETUP, out, resume);
  }

  @Test
  void aResumedRunExportsTheSameModuleStatisticsIncluded() throws Exception {
    byte[] wantModule = Files.readAllBytes(reference.resolve("model/model.pt"));
    byte[] wantParams = Files.readAllBytes(reference.resolve("model/model-0000.params"));
    List<String> wantMetrics = ChildRun.trajectory(reference);
    for (long target : new long[] {60, 200}) {
      Path out = tmp.resolve("killed-at-" + target);
      ChildRun.Stopped s =
          ChildRun.signalAt(
              args(out, false), out, target, null, tmp.resolve("k" + target + ".log"));
      Checkpoint newest =
          Checkpoint.newest(RunDirectory.partialOf(out).resolve(Checkpoint.FOLDER), System.out);
      assertTrue(newest.file("module.pt") != null, "the checkpoint holds the module whole");
      CliResult r = CliResult.run(args(out, true));
      assertEquals(0, r.code(), () -> "after a kill at step " + s.lastStep() + ":\n" + r);
      assertArrayEquals(
          wantParams,
          Files.readAllBytes(out.resolve("model/model-0000.params")),
          "the weights after a kill at step " + s.lastStep());
      assertArrayEquals(
          wantModule,
          Files.readAllBytes(out.resolve("model/model.pt")),
          "the module (running statistics included) after a kill at step " + s.lastStep());
      assertEquals(
          wantMetrics,
          ChildRun.trajectory(out),
          "metrics.jsonl after a kill at step " + s.lastStep());
    }
  }
}
