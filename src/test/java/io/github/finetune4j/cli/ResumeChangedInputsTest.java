package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.pipeline.RunDirectory;
import io.github.finetune4j.train.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --resume} continues only on the inputs the interrupted run began with: a training file
 * edited since is exit 2 naming it (nothing in the run touched); {@code --accept-changed-inputs}
 * continues and the export's provenance says which input changed, from which hash to which. An
 * interrupted run is made as in {@link ResumeSafetyTest}: a completed run with its checkpoints
 * kept, moved back to {@code DIR.partial}.
 */
class ResumeChangedInputsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RECIPE = "recipes/tabular/breast-cancer-mlp.yaml";

  @TempDir Path tmp;
  Path train;

  @BeforeEach
  void copyData() throws Exception {
    train = tmp.resolve("train.csv");
    Files.copy(Path.of("data/breast-cancer/train.csv"), train);
  }

  private CliResult run(Path dir, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "run",
                RECIPE,
                "data.train.path=" + train,
                "train.checkpoint_every=5",
                "output.keep_checkpoints=true",
                "stages.0.epochs=2",
                "monitor.sinks=[jsonl]",
                "train.threads=1",
                "output.dir=" + dir));
    a.addAll(Arrays.asList(more));
    return CliResult.run(a.toArray(String[]::new));
  }

  private Path interrupted(Path dir) throws Exception {
    CliResult r = run(dir);
    assertEquals(0, r.code(), r::toString);
    assertTrue(Files.isRegularFile(dir.resolve("inputs.json")), "kept with the checkpoints");
    Path partial = RunDirectory.partialOf(dir.toAbsolutePath());
    Files.move(dir, partial);
    Files.delete(partial.resolve("summary.json"));
    deleteTree(partial.resolve("model"));
    Files.writeString(
        partial.resolve(RunDirectory.LOCK), "pid 4194305, started 2026-01-02T03:04:05Z\n");
    deleteTree(partial.resolve(Checkpoint.FOLDER).resolve("step-000000024"));
    return partial;
  }

  private static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void anEditedTrainingFileStopsTheResumeUnlessAccepted() throws Exception {
    Path dir = tmp.resolve("run");
    Path partial = interrupted(dir);
    List<String> lines = new ArrayList<>(Files.readAllLines(train));
    lines.remove(lines.size() - 1); // one example fewer
    Files.write(train, lines);
    String before = Files.readString(partial.resolve("inputs.json"));

    CliResult refused = run(dir, "--resume");
    assertEquals(2, refused.code(), refused::toString);
    assertTrue(
        refused.err().contains(train + " (data) changed since the interrupted run began"),
        refused::toString);
    assertTrue(refused.err().contains("--accept-changed-inputs"), refused::toString);
    assertFalse(refused.err().contains("Exception"), refused::toString);
    assertTrue(Files.isDirectory(partial), "the interrupted run is kept");
    assertEquals(before, Files.readString(partial.resolve("inputs.json")));

    CliResult accepted = run(dir, "--resume", "--accept-changed-inputs");
    assertEquals(0, accepted.code(), accepted::toString);
    assertTrue(
        accepted.out().contains("Note: --accept-changed-inputs: " + train), accepted::toString);
    JsonNode provenance = JSON.readTree(dir.resolve("model/provenance.json").toFile());
    JsonNode changed = provenance.get("resumed_with_changed_inputs");
    assertEquals(1, changed.size(), provenance::toString);
    assertEquals(train.toString(), changed.get(0).get("path").asText());
    assertEquals("data", changed.get(0).get("kind").asText());
    assertEquals(
        provenance.at("/data/0/sha256").asText(),
        changed.get(0).get("now").asText(),
        "the provenance's data hash is the edited file's, and the change says so");
    assertFalse(changed.get(0).get("was").asText().equals(changed.get(0).get("now").asText()));
  }

  @Test
  void unchangedInputsResumeAndTheFlagNeedsResume() throws Exception {
    Path dir = tmp.resolve("run");
    interrupted(dir);
    CliResult resumed = run(dir, "--resume");
    assertEquals(0, resumed.code(), resumed::toString);
    assertFalse(
        JSON.readTree(dir.resolve("model/provenance.json").toFile())
            .has("resumed_with_changed_inputs"));

    CliResult alone = run(tmp.resolve("other"), "--accept-changed-inputs");
    assertEquals(2, alone.code(), alone::toString);
    assertTrue(alone.err().contains("goes with --resume"), alone::toString);
  }
}
