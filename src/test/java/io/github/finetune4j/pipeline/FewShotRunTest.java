package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.finetune4j.TestRecipes;
import io.github.finetune4j.cli.Main;
import io.github.finetune4j.train.Checkpoint;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped SetFit recipe through the CLI on a tiny budget (8 + 8 emails, one round of pairs, 16
 * tokens): the few-shot phase runs before the stages, says so on the console and in {@code
 * summary.json}, and bad few-shot input is exit 2 naming {@code task.few_shot}, with nothing
 * written.
 */
class FewShotRunTest {

  private static final String RECIPE = "recipes/spamassassin/setfit.yaml";

  @TempDir Path tmp;

  @Test
  void thePhaseRunsBeforeTheStagesAndIsInTheSummary() throws Exception {
    Path run = tmp.resolve("run");
    Result r =
        cli(
            "run",
            RECIPE,
            "data.train.path=data/spamassassin-fewshot/train-8-per-class.jsonl.gz",
            "task.few_shot.pairs_per_example=1",
            "data.valid.limit=8",
            "data.test.limit=8",
            "data.max_length=16",
            "stages=[{epochs: 1, train: [head]}]",
            "monitor.sinks=[jsonl]",
            "output.formats=[]",
            "output.dir=" + run);
    assertEquals(0, r.code, r::toString);
    assertTrue(
        r.out.contains(
            "few-shot phase: 32 pairs from 16 labelled examples (2 per example, half similar),"
                + " loss cosine, 2 steps of 16 pairs at lr 2.0E-5; the head waits\n"),
        r::toString);
    int phase = r.out.indexOf("few-shot phase done: 2 steps, loss ");
    int stages = r.out.indexOf("Done: test accuracy");
    assertTrue(phase > 0 && stages > phase, r::toString);

    JsonNode s = TestRecipes.readTree(run.resolve("summary.json"));
    assertEquals("completed", s.get("status").asText());
    JsonNode f = s.get("few_shot");
    assertEquals(16, f.get("examples").asInt(), f::toString);
    assertEquals(32, f.get("pairs").asInt(), f::toString); // 2 pairs x 16 emails x 1 round
    assertEquals(2, f.get("steps").asInt(), f::toString); // 32 pairs in batches of 16
    assertEquals("cosine", f.get("loss").asText());
    assertEquals(1, f.get("epoch_losses").size());
    double loss = f.get("final_loss").asDouble();
    assertEquals(f.get("epoch_losses").get(0).asDouble(), loss);
    // a squared difference of a cosine and a 0/1 label: in (0, 4]
    assertTrue(loss > 0 && loss <= 4, f::toString);
    assertTrue(f.get("seconds").asDouble() > 0, f::toString);
    // the phase writes no metrics of its own: the one step of the head stage only
    List<String> steps =
        Files.readAllLines(run.resolve("metrics.jsonl")).stream()
            .filter(l -> l.contains("\"kind\":\"step\""))
            .toList();
    assertEquals(1, steps.size(), steps::toString);
  }

  @Test
  void aResumedRunDoesNotRepeatThePhase() throws Exception {
    // an interrupted run made as ResumeChangedInputsTest makes one: a completed run with its
    // checkpoints, moved back to DIR.partial, its last checkpoint gone
    Path run = tmp.resolve("run");
    List<String> args =
        List.of(
            "run",
            RECIPE,
            "data.train.path=data/spamassassin-fewshot/train-8-per-class.jsonl.gz",
            "task.few_shot.pairs_per_example=1",
            "data.valid.limit=8",
            "data.test.limit=8",
            "data.max_length=16",
            "stages=[{epochs: 2, train: [head]}]",
            "train.checkpoint_every=1",
            "output.keep_checkpoints=true",
            "monitor.sinks=[jsonl]",
            "output.formats=[]",
            "output.dir=" + run);
    Result first = cli(args.toArray(String[]::new));
    assertEquals(0, first.code, first::toString);
    assertTrue(first.out.contains("few-shot phase done"), first::toString);
    Path partial = RunDirectory.partialOf(run.toAbsolutePath());
    Files.move(run, partial);
    Files.delete(partial.resolve("summary.json"));
    deleteTree(partial.resolve("model"));
    Files.writeString(
        partial.resolve(RunDirectory.LOCK), "pid 4194305, started 2026-01-02T03:04:05Z\n");
    deleteTree(partial.resolve(Checkpoint.FOLDER).resolve("step-000000002"));

    List<String> again = new ArrayList<>(args);
    again.add("--resume");
    Result resumed = cli(again.toArray(String[]::new));
    assertEquals(0, resumed.code, resumed::toString);
    assertFalse(resumed.out.contains("few-shot phase"), resumed::toString);
    JsonNode s = TestRecipes.readTree(run.resolve("summary.json"));
    assertEquals("completed", s.get("status").asText());
    assertEquals(1, s.get("resumed_from_step").asInt(), s::toString);
    assertTrue(s.at("/few_shot/skipped_on_resume").asBoolean(), s::toString);
  }

  private static void deleteTree(Path dir) throws Exception {
    try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void fewerThanTwoClassesWithTwoExamplesIsExitTwo() {
    Path run = tmp.resolve("run");
    // the first 8 training emails are 7 ham and 1 spam
    Result r = cli("run", RECIPE, "data.train.limit=8", "output.dir=" + run);
    assertEquals(2, r.code, r::toString);
    assertTrue(
        r.err.contains(
            "task.few_shot: the pairs need two or more classes with at least 2 training examples"
                + " each (a similar pair of two examples, a dissimilar one across classes);"
                + " data.train holds 8 examples: ham 7, spam 1 (raise data.train.limit, or add"
                + " examples)"),
        r::toString);
    assertFalse(r.out.contains("few-shot phase"), r::toString);
    assertFalse(r.err.contains("\tat "), r::toString);
    assertFalse(Files.exists(run), "no run directory");
    assertFalse(Files.exists(tmp.resolve("run.partial")), "no .partial directory");
  }

  @Test
  void aNonTextModelAndBadFieldsAreRefusedByValidate() {
    Result r =
        cli(
            "validate",
            "recipes/tabular/breast-cancer-mlp.yaml",
            "task={type: classification, few_shot: {pairs_per_example: 0, lr: -1}}");
    assertEquals(2, r.code, r::toString);
    List<String> problems =
        new ArrayList<>(r.err.lines().filter(l -> l.startsWith("  - ")).toList());
    assertEquals(
        List.of(
            "  - task.few_shot.pairs_per_example: must be 1 to 10000, got 0",
            "  - task.few_shot.lr: must be a positive number, got -1.0",
            "  - task.few_shot: pairs are drawn from labelled texts (data.train.type:"
                + " text-jsonl), got 'csv'",
            "  - task.few_shot: tunes a text encoder on pairs of texts (model.type: bert-onnx or"
                + " safetensors), but model.type is 'builtin'"),
        problems,
        r::toString);
    assertFalse(r.err.contains("\tat "), r::toString);
  }

  private static Result cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(args, o, e);
    }
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }
}
