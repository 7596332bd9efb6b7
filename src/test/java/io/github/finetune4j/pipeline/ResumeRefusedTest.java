package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import io.github.finetune4j.cli.Main;
import io.github.finetune4j.train.Checkpoint;
import io.github.finetune4j.train.ClassificationTask;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refused {@code --resume} leaves the interrupted run byte for byte as it was (but its lock file,
 * the lock's own record), whatever refuses it: changed inputs used to find the metrics files
 * already cut back to the checkpoint (and the run's marker rewritten), and weights that fail to
 * load on a resume deleted the whole interrupted run, checkpoints included.
 */
class ResumeRefusedTest {

  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  @TempDir Path tmp;

  /** Every file under {@code dir} but the lock file, by its SHA-256. */
  private static Map<String, String> files(Path dir) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        if (!p.getFileName().toString().equals(RunDirectory.LOCK)) {
          out.put(
              dir.relativize(p).toString(),
              HexFormat.of()
                  .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
        }
      }
    }
    return out;
  }

  private static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /**
   * A completed run with its checkpoints kept, made an interrupted one: moved back to {@code
   * DIR.partial}, its summary and model gone, its newest checkpoint gone (so the metrics go past
   * the checkpoint a resume continues from, as after a SIGKILL).
   */
  private static Path interrupt(Path dir) throws Exception {
    Path partial = RunDirectory.partialOf(dir.toAbsolutePath());
    Files.move(dir, partial);
    Files.delete(partial.resolve("summary.json"));
    deleteTree(partial.resolve("model"));
    Files.writeString(
        partial.resolve(RunDirectory.LOCK), "pid 4194305, started 2026-01-02T03:04:05Z\n");
    List<Path> steps;
    try (Stream<Path> s = Files.list(partial.resolve(Checkpoint.FOLDER))) {
      steps = new ArrayList<>(s.sorted().toList());
    }
    deleteTree(steps.get(steps.size() - 1));
    return partial;
  }

  private static int cli(String... args) {
    PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    return Main.run(args, sink, sink);
  }

  @Test
  void aResumeRefusedForChangedInputsTouchesNothing() throws Exception {
    Path train = tmp.resolve("train.csv");
    Files.copy(Path.of("data/breast-cancer/train.csv"), train);
    Path dir = tmp.resolve("run");
    List<String> args =
        List.of(
            "run",
            "recipes/tabular/breast-cancer-mlp.yaml",
            "data.train.path=" + train,
            "train.checkpoint_every=5",
            "output.keep_checkpoints=true",
            "stages.0.epochs=2",
            "monitor.sinks=[jsonl, csv]",
            "output.formats=[]",
            "train.threads=1",
            "output.dir=" + dir);
    assertEquals(0, cli(args.toArray(String[]::new)));
    Path partial = interrupt(dir);
    Files.writeString(train, Files.readString(train) + "\n"); // the data changed
    Map<String, String> before = files(partial);
    List<String> resume = new ArrayList<>(args);
    resume.add("--resume");
    assertEquals(2, cli(resume.toArray(String[]::new)));
    assertEquals(before, files(partial), "the refused resume changed the interrupted run");
  }

  @Test
  void weightsThatFailToLoadOnAResumeKeepTheInterruptedRun() throws Exception {
    Path dir = tmp.resolve("own");
    try (Model model = Model.newInstance("mine");
        NDManager manager = NDManager.newBaseManager()) {
      SequentialBlock mlp =
          new SequentialBlock()
              .add(Linear.builder().setUnits(8).build())
              .add(Activation::relu)
              .add(Linear.builder().setUnits(2).build());
      mlp.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 4));
      model.setBlock(mlp);
      ArrayDataset data =
          new ArrayDataset.Builder()
              .setData(manager.randomNormal(new Shape(24, 4)))
              .optLabels(manager.randomInteger(0, 2, new Shape(24), DataType.INT64))
              .setSampling(8, false)
              .build();
      FineTuning.Builder b =
          FineTuning.builder()
              .setModel(model)
              .setPolicy(
                  Path.of("examples/iris-mlp-policy.yaml"),
                  "groups=[{name: all, match: [\"*\"]}]",
                  "stages=[{epochs: 3, train: [all]}]",
                  "monitor.sinks=[jsonl]",
                  "train.checkpoint_every=2",
                  "output.keep_checkpoints=true",
                  "output.dir=" + dir)
              .setTask(new ClassificationTask(List.of("a", "b")))
              .setTrain(data);
      b.build().run(QUIET);
      Path partial = interrupt(dir);
      Map<String, String> before = files(partial);
      assertTrue(before.keySet().stream().anyMatch(k -> k.startsWith(Checkpoint.FOLDER)));
      BadInputException e =
          assertThrows(
              BadInputException.class,
              () ->
                  b.optResume(true)
                      .optWeights(
                          (block, out) -> {
                            throw new BadInputException(List.of("model: the weights are gone"));
                          })
                      .build()
                      .run(QUIET));
      assertEquals(List.of("model: the weights are gone"), e.problems());
      assertTrue(Files.isDirectory(partial), "the interrupted run was deleted");
      assertEquals(before, files(partial));
      assertNotEquals(0, before.size());
    }
  }
}
