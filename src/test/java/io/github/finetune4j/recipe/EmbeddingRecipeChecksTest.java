package io.github.finetune4j.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad embedding recipes and data through the CLI ({@code Main.run(args, out, err)}): {@code
 * validate} refuses recipes whose loss, splits, head or metrics do not fit an embedding task, and
 * {@code run} refuses data that cannot be trained on while reading it, before the model is loaded.
 * Each refusal is exit code 2 with one line per problem, each naming the recipe path (and the file
 * and line for data), no stack trace, and no run directory.
 */
class EmbeddingRecipeChecksTest {

  @TempDir Path tmp;
  private Path recipe;
  private Path runDir;

  @BeforeEach
  void recipe() throws IOException {
    runDir = tmp.resolve("run");
    Path pairs =
        write(
            "pairs.jsonl",
            "{\"anchor\": \"how to install a package\", \"positive\": \"apt-get install\"}\n"
                + "{\"anchor\": \"list files\", \"positive\": \"ls -l\"}\n"
                + "{\"anchor\": \"show disk usage\", \"positive\": \"du -sh\"}\n"
                + "{\"anchor\": \"copy a file\", \"positive\": \"cp a b\"}\n");
    recipe =
        write(
            "recipe.yaml",
            String.join(
                "\n",
                "model: { type: bert-onnx, bundled: all-minilm-l6-v2, init: pretrained }",
                "task: { type: embedding, loss: mnrl }",
                "head: { pooling: mean }",
                "data:",
                "  train: { type: pairs, path: " + pairs + " }",
                "  valid: { type: pairs, path: " + pairs + " }",
                "  max_length: 16",
                "  batch_size: 2",
                "groups:",
                "  - { name: all, match: [\"*\"] }",
                "stages:",
                "  - { epochs: 1, train: [all] }",
                "optimizer: { type: adamw, lr: 1.0e-4 }",
                "output: { dir: " + runDir + " }",
                ""));
  }

  @Test
  void theBaseRecipeIsValid() {
    Result r = cli("validate", recipe.toString());
    assertEquals(0, r.code, r::toString);
    assertTrue(r.out.contains("valid (1 groups, 1 stages)"), r::toString);
  }

  // ------------------------------------------------------------------ validate

  @Test
  void mnrlOnScoredPairs() throws IOException {
    Path scored = write("scored.jsonl", "{\"a\": \"x\", \"b\": \"y\", \"score\": 0.7}\n");
    assertInvalid(
        validate("data.train={type: scored-pairs, path: " + scored + "}"),
        "data.train.type: task.loss 'mnrl' trains on (anchor, positive) pairs: type: pairs, got"
            + " 'scored-pairs' (for scored pairs use loss: cosent, contrastive or"
            + " online_contrastive)");
  }

  @Test
  void cosentOnPairs() {
    assertInvalid(
        validate("task.loss=cosent"),
        "data.train.type: task.loss 'cosent' trains on scored pairs (a, b, score): type:"
            + " scored-pairs, got 'pairs' (for pairs use loss: mnrl)");
  }

  @Test
  void aNegativeFieldWithALossThatTakesNone() {
    assertInvalid(
        validate("task.loss=mnrl_symmetric", "data.train.negative=negative"),
        "data.train.negative: hard negatives are used by loss mnrl only, not 'mnrl_symmetric'");
    assertInvalid(
        validate("task.loss=cosent", "data.train.negative=negative"),
        "data.train.type: task.loss 'cosent' trains on scored pairs (a, b, score): type:"
            + " scored-pairs, got 'pairs' (for pairs use loss: mnrl)",
        "data.train.negative: hard negatives are used by loss mnrl only, not 'cosent'");
  }

  @Test
  void headClasses() {
    assertInvalid(
        validate("head.classes=[similar, different]"),
        "head.classes: an embedding task has no classes (it outputs one vector per text);"
            + " remove head.classes");
  }

  @Test
  void aTextJsonlValidationSplit() throws IOException {
    Path text = write("valid.jsonl", "{\"text\": \"hello\", \"label\": \"ham\"}\n");
    assertInvalid(
        validate("data.valid={type: text-jsonl, path: " + text + "}"),
        "data.valid.type: an embedding task is evaluated on an information-retrieval split (ir),"
            + " pairs or scored-pairs, got 'text-jsonl'");
  }

  @Test
  void anIrPathThatIsAFileAndAnIrFolderWithoutQrels() throws IOException {
    Path file = write("not-a-folder.jsonl", "{}\n");
    assertInvalid(
        validate("data.valid={type: ir, path: " + file + "}"),
        "data.valid.path: retrieval folder not found: "
            + file
            + " is not a folder (it holds the queries, corpus and qrels files)");
    Path dir = irFolder("noqrels", null);
    assertInvalid(
        validate("data.test={type: ir, path: " + dir + "}"),
        "data.test.qrels: file not found: " + dir.resolve("qrels.tsv"));
  }

  @Test
  void metricsThatDoNotParse() {
    String rule =
        ": a retrieval metric is KIND@K with KIND one of ndcg, mrr, recall, precision, map,"
            + " accuracy and K from 1, got ";
    assertInvalid(
        validate("task.metrics=[ndcg@10, ndcg@0, foo@3]"),
        "task.metrics[1]" + rule + "'ndcg@0'",
        "task.metrics[2]" + rule + "'foo@3'");
  }

  @Test
  void pairsSplitsWithAClassificationTask() throws IOException {
    String text = Files.readString(recipe);
    Path classification =
        write(
            "classification.yaml",
            text.replace("task: { type: embedding, loss: mnrl }", "task: { type: classification }")
                .replace("head: { pooling: mean }", "head: { pooling: mean, classes: [a, b] }"));
    String cause =
        "'pairs' splits feed an embedding model; set task.type: embedding, or give text-jsonl or"
            + " csv splits";
    assertInvalid(
        cli("validate", classification.toString()),
        "data.train.type: " + cause,
        "data.valid.type: " + cause);
  }

  @Test
  void validationAndTestSplitsScoredDifferently() throws IOException {
    // found by this test's author: valid scored-pairs with an ir test split ran, then reported
    // "no test split" and a null headline (spearman), the test's retrieval metrics beside it
    Path scored = write("scored.jsonl", "{\"a\": \"x\", \"b\": \"y\", \"score\": 0.7}\n");
    Path ir = irFolder("ir", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n");
    String scoredSplit = "{type: scored-pairs, path: " + scored + "}";
    String irSplit = "{type: ir, path: " + ir + "}";
    assertInvalid(
        validate("data.valid=" + scoredSplit, "data.test=" + irSplit),
        "data.test.type: 'ir' is scored by retrieval metrics but data.valid ('scored-pairs') by"
            + " Spearman; a run reports one headline metric for both, so make both scored-pairs"
            + " or neither");
    assertInvalid(
        validate("data.test=" + scoredSplit),
        "data.test.type: 'scored-pairs' is scored by Spearman but data.valid ('pairs') by"
            + " retrieval metrics; a run reports one headline metric for both, so make both"
            + " scored-pairs or neither");
    // the same kind of scoring on both: fine
    for (String[] ok :
        List.of(
            new String[] {"data.test=" + irSplit},
            new String[] {"data.valid=" + scoredSplit, "data.test=" + scoredSplit},
            new String[] {"data.valid=" + scoredSplit})) {
      Result r = validate(ok);
      assertEquals(0, r.code, r::toString);
    }
  }

  // ------------------------------------------------------------------ run: the data as read

  @Test
  void batchSizeOneWithMnrl() {
    assertRefusedRun(
        run("data.batch_size=1"),
        "data.batch_size: mnrl uses the other pairs of a batch as negatives, so a batch needs at"
            + " least 2 pairs; got 1");
  }

  @Test
  void aPairWithAnEmptySide() throws IOException {
    Path bad =
        write(
            "empty-side.jsonl",
            "{\"anchor\": \"list files\", \"positive\": \"ls\"}\n"
                + "{\"anchor\": \"copy\", \"positive\": \"cp\"}\n"
                + "{\"anchor\": \"  \", \"positive\": \"rm\"}\n");
    assertRefusedRun(
        run("data.train.path=" + bad),
        "data.train: " + bad + " line 3: field 'anchor' is empty or only whitespace");
  }

  @Test
  void aQrelsRowNamingAnUnknownDocument() throws IOException {
    Path dir = irFolder("unknown-doc", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td9\t1\n");
    assertRefusedRun(
        run("data.valid={type: ir, path: " + dir + "}"),
        "data.valid: "
            + dir.resolve("qrels.tsv")
            + " line 3: document id 'd9' is not in corpus.jsonl");
  }

  @Test
  void aQueryWithoutARelevantDocument() throws IOException {
    // q2 is judged, but not relevant (score 0): it has no relevant document
    Path dir = irFolder("no-relevant", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t0\n");
    assertRefusedRun(
        run("data.test={type: ir, path: " + dir + "}"),
        "data.test: "
            + dir.resolve("queries.jsonl")
            + " line 2: query 'q2' has no relevant document in qrels.tsv (no row with a relevance"
            + " above 0)");
  }

  @Test
  void contrastiveWithAGradedScore() throws IOException {
    Path scored =
        write(
            "scored.jsonl",
            "{\"a\": \"x\", \"b\": \"y\", \"score\": 1}\n"
                + "{\"a\": \"u\", \"b\": \"v\", \"score\": 0}\n"
                + "{\"a\": \"s\", \"b\": \"t\", \"score\": 0.5}\n");
    assertRefusedRun(
        run("task.loss=contrastive", "data.train={type: scored-pairs, path: " + scored + "}"),
        "data.train: "
            + scored
            + ": pair 3 has the score 0.5; loss contrastive takes 1 (similar) or 0 (dissimilar);"
            + " for graded scores use cosent");
  }

  // ------------------------------------------------------------------ helpers

  private Path irFolder(String name, String qrels) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    Files.writeString(
        dir.resolve("queries.jsonl"),
        "{\"_id\": \"q1\", \"text\": \"first query\"}\n"
            + "{\"_id\": \"q2\", \"text\": \"second query\"}\n");
    Files.writeString(
        dir.resolve("corpus.jsonl"),
        "{\"_id\": \"d1\", \"text\": \"document one\"}\n"
            + "{\"_id\": \"d2\", \"title\": \"Two\", \"text\": \"document two\"}\n");
    if (qrels != null) {
      Files.writeString(dir.resolve("qrels.tsv"), qrels);
    }
    return dir;
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(tmp.resolve(name), text);
  }

  private Result validate(String... overrides) {
    return cli(args("validate", overrides));
  }

  private Result run(String... overrides) {
    return cli(args("run", overrides));
  }

  private String[] args(String command, String... overrides) {
    List<String> a = new ArrayList<>(List.of(command, recipe.toString()));
    a.addAll(List.of(overrides));
    return a.toArray(String[]::new);
  }

  /** validate: exit 2, exactly these problems, one line each. */
  private void assertInvalid(Result r, String... problems) {
    assertEquals(2, r.code, r::toString);
    String count = problems.length + (problems.length == 1 ? " problem)" : " problems)");
    assertTrue(r.err.contains("is not usable (" + count), () -> "want " + count + ":\n" + r);
    assertProblems(r, problems);
  }

  /** run: exit 2, exactly these problems, nothing loaded, nothing written. */
  private void assertRefusedRun(Result r, String... problems) {
    assertEquals(2, r.code, r::toString);
    assertTrue(r.err.startsWith("finetune: cannot run " + recipe + ":"), r::toString);
    assertTrue(r.err.contains("Nothing was written."), r::toString);
    assertFalse(r.out.contains("Loading"), () -> "the model was loaded first:\n" + r);
    assertFalse(r.out.contains("Tokenizing"), () -> "the data was tokenized first:\n" + r);
    assertProblems(r, problems);
  }

  private void assertProblems(Result r, String... problems) {
    List<String> lines = r.err.lines().filter(l -> l.startsWith("  - ")).toList();
    List<String> want = Stream.of(problems).map(p -> "  - " + p).toList();
    assertEquals(want, lines, r::toString);
    assertFalse(r.err.contains("Exception"), r::toString);
    assertFalse(r.err.contains("\tat "), r::toString);
    assertFalse(r.err.contains("at io.github"), r::toString);
    assertFalse(Files.exists(runDir), "no run directory");
    assertFalse(Files.exists(tmp.resolve("run.partial")), "no .partial directory");
    try (Stream<Path> all = Files.walk(tmp)) {
      assertEquals(
          List.of(),
          all.filter(p -> p.endsWith("summary.json") || p.endsWith(".finetune4j-run")).toList(),
          "no file of a finished run");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
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
