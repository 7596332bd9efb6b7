package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.ArrayDataset;
import io.github.finetune4j.model.TorchScriptBlock;
import io.github.finetune4j.train.ClassificationTask;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Java-built run of a TorchScript module cannot checkpoint it exactly (its BatchNorm buffers are
 * not DJL parameters, and the caller built the block): {@code train.checkpoint_every} is refused
 * before anything is written, naming the way that works (a recipe with {@code model.type:
 * torchscript}, see {@code TorchScriptResumeTest}).
 */
class TorchScriptCheckpointApiTest {

  @Test
  void checkpointsOfAJavaBuiltTorchScriptBlockAreRefusedBeforeAnythingIsWritten(@TempDir Path tmp)
      throws Exception {
    Path out = tmp.resolve("run");
    try (Model model = Model.newInstance("ts");
        NDManager manager = NDManager.newBaseManager()) {
      TorchScriptBlock ts =
          TorchScriptBlock.load(
              Path.of("src/test/resources/models/torchscript/bn-mlp.pt"), model.getNDManager());
      model.setBlock(ts);
      ArrayDataset data =
          new ArrayDataset.Builder()
              .setData(manager.randomNormal(new ai.djl.ndarray.types.Shape(8, 4)))
              .optLabels(manager.zeros(new ai.djl.ndarray.types.Shape(8)))
              .setSampling(4, false)
              .build();
      FineTuning ft =
          FineTuning.builder()
              .setModel(model)
              .setPolicy(
                  Path.of("examples/iris-mlp-policy.yaml"),
                  new String[] {"train.checkpoint_every=2", "output.dir=" + out})
              .setTask(new ClassificationTask(List.of("a", "b", "c")))
              .setTrain(data)
              .build();
      BadInputException e =
          assertThrows(
              BadInputException.class,
              () -> ft.run(new PrintStream(java.io.OutputStream.nullOutputStream())));
      assertEquals(1, e.problems().size(), e.problems()::toString);
      assertEquals(
          "train.checkpoint_every: the block holds a TorchScript module, whose BatchNorm buffers"
              + " are not DJL parameters, so a checkpoint could not restore it exactly; leave"
              + " train.checkpoint_every out, or run the module from a recipe (model.type:"
              + " torchscript), which checkpoints the module whole",
          e.problems().get(0));
      assertFalse(Files.exists(out));
      assertFalse(Files.exists(RunDirectory.partialOf(out)));
    }
  }
}
