package io.github.finetune4j.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.cli.Main;
import io.github.finetune4j.monitor.TensorBoardChecks.Event;
import io.github.finetune4j.monitor.TensorBoardChecks.Scalar;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real CLI in-process on {@code recipes/quickstart.yaml} (pre-trained MiniLM, shrunk to 4
 * steps: 2 with only the head training, then 2 with every group) and checks every monitoring output
 * of that one run with the same independent checks as the sink-level tests: metrics.jsonl read
 * back, metrics.csv header, the TensorBoard file decoded by protoc with bitwise CRCs, report.html
 * rendered by headless Chromium, summary.json. Also {@code finetune report} on unusable run
 * directories, and an exploding learning rate set through the recipe.
 */
class RunOutputsEndToEndTest {

  private static final List<String> GROUPS = List.of("embeddings", "lower", "upper", "head");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private static Path runDir;
  private static String runOut;
  private static MetricsLog log;

  /** A finished {@code finetune} invocation. */
  private record Cli(int code, String out, String err) {}

  private static Cli cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(args, o, e);
    }
    return new Cli(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The quickstart recipe made fast; {@code extra} overrides are appended. */
  private static Cli quickstart(Path out, int trainLimit, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                "recipes/quickstart.yaml",
                "data.train.limit=" + trainLimit,
                "data.valid.limit=8",
                "data.test.limit=8",
                "data.max_length=24",
                "stages.0.epochs=1",
                "stages.1.epochs=1",
                "monitor.every=2",
                "output.dir=" + out));
    args.addAll(List.of(extra));
    return cli(args.toArray(String[]::new));
  }

  @BeforeAll
  static void realRun() throws Exception {
    runDir = dir.resolve("run");
    long t0 = System.nanoTime();
    Cli r = quickstart(runDir, 32);
    assertEquals(0, r.code(), "finetune run failed:\n" + r.out() + r.err());
    System.out.printf("quickstart run: %.1f s%n", (System.nanoTime() - t0) / 1e9);
    runOut = r.out();
    assertTrue(runOut.contains("Done: test accuracy"), runOut);
    log = MetricsReader.read(runDir.resolve("metrics.jsonl"));
  }

  @Test
  void metricsJsonlHasPerGroupStatsForEveryGroupAndFrozenGroupsInStageOne() {
    assertEquals(List.of(), log.problems(), "every line of metrics.jsonl reads");
    assertEquals(4, log.steps().size(), "32 examples / batch 16 x 2 epochs");
    assertEquals(2, log.epochs().size());
    List<StepMetrics> sampled = log.steps().stream().filter(m -> !m.groups().isEmpty()).toList();
    assertEquals(List.of(1L, 2L, 4L), sampled.stream().map(StepMetrics::step).toList());
    for (StepMetrics m : log.steps()) {
      assertEquals(GROUPS, List.copyOf(m.lr().keySet()), "lr of every group at step " + m.step());
      assertTrue(Double.isFinite(m.loss()) && m.loss() > 0, "loss " + m.loss());
    }
    for (StepMetrics m : sampled) {
      assertEquals(GROUPS, List.copyOf(m.groups().keySet()), "groups at step " + m.step());
      for (String g : GROUPS) {
        GroupStats s = m.groups().get(g);
        String at = g + " at step " + m.step();
        assertTrue(s.weightNorm() > 0, at);
        boolean trains = m.stage() == 1 || g.equals("head");
        if (trains) {
          assertEquals(0.0, s.frozenFraction(), at);
          assertTrue(s.lr() > 0 && s.gradNorm() > 0, at);
          assertTrue(s.updateRatio() > 0 && s.drift() > 0, at);
        } else {
          assertEquals(1.0, s.frozenFraction(), at + " is frozen in stage 1");
          assertEquals(0.0, s.lr(), at);
          assertEquals(0.0, s.gradNorm(), at);
          assertTrue(Double.isNaN(s.updateRatio()), at);
          assertEquals(0.0, s.drift(), at + ": pre-trained weights untouched");
        }
      }
    }
    // discriminative lr in stage 2: each lower group gets lr / 2.6^k
    StepMetrics last = log.steps().get(3);
    assertEquals(1e-4 / 2.6, last.lr().get("upper"), 1e-12);
    assertEquals(1e-4 / (2.6 * 2.6 * 2.6), last.lr().get("embeddings"), 1e-12);
  }

  @Test
  void metricsCsvHasTheGroupColumnsAndOneRowPerStep() throws Exception {
    List<String> lines = Files.readAllLines(runDir.resolve("metrics.csv"));
    List<String> header = List.of(lines.get(0).split(","));
    for (String g : GROUPS) {
      for (String col : List.of("lr/" + g, g + "/grad_norm", g + "/update_ratio", g + "/drift")) {
        assertTrue(header.contains(col), "column " + col + " in " + header);
      }
    }
    assertEquals(1 + 4, lines.size());
  }

  @Test
  void tensorBoardEventsPassTheIndependentReaderAndMatchTheMetrics() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.list(runDir)) {
      files = s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).toList();
    }
    assertEquals(1, files.size(), "one event file");
    List<Event> events = new TensorBoardChecks(dir).read(files.get(0)).events();
    Set<String> tags =
        events.stream()
            .flatMap(e -> e.scalars().stream())
            .map(Scalar::tag)
            .collect(Collectors.toSet());
    for (String t : List.of("train/loss", "lr/head", "group/head/update_ratio")) {
      assertTrue(tags.contains(t), t + " in " + tags);
    }
    List<Event> stepEvents =
        events.stream().filter(e -> e.scalars().get(0).tag().equals("train/loss")).toList();
    assertEquals(log.steps().size(), stepEvents.size());
    for (int i = 0; i < stepEvents.size(); i++) {
      StepMetrics m = log.steps().get(i);
      TensorBoardSinkIndependentTest.assertScalars(
          stepEvents.get(i), m.step(), TensorBoardSinkIndependentTest.expected(m));
    }
    assertEquals(log.steps().size() + log.epochs().size(), events.size());
  }

  @Test
  void reportRendersInHeadlessChromium() throws Exception {
    ReportBrowser browser = new ReportBrowser(dir, "report-e2e-test");
    Path report = runDir.resolve("report.html");
    String dom = browser.dumpDom(report);
    ReportBrowser.assertChartsRendered(dom, 6);
    assertTrue(dom.contains("data-heatmap=\"4x3\""), "heatmap of 4 groups x 3 sampled steps");
    for (String g : GROUPS) {
      assertTrue(dom.contains(g), "legend shows " + g);
    }
    // the new head's drift from its random init is listed apart, not drawn with the others
    Matcher note = Pattern.compile("id=\"drift-new-groups\"[^>]*>([^<]*)<").matcher(dom);
    assertTrue(note.find(), "drift note");
    assertTrue(
        note.group(1).startsWith("Not drawn (new weights, no pre-trained w₀): head (last drift "),
        note.group(1));
    assertTrue(dom.contains("learning rate (log)"), "lr axis on a log scale");
    assertTrue(dom.contains("id=\"confusion\""), "confusion matrix table");
    assertTrue(dom.contains("id=\"test-metrics\""), "test metrics table");
    browser.assertScreenshotNotBlank(report);
  }

  @Test
  void summaryHasTestAccuracyAndWallSeconds() throws Exception {
    JsonNode s = JSON.readTree(runDir.resolve("summary.json").toFile());
    double acc = s.get("test_accuracy").asDouble(-1);
    assertTrue(acc >= 0 && acc <= 1, "test_accuracy " + s.get("test_accuracy"));
    assertTrue(s.get("wall_seconds").asDouble() > 0, "wall_seconds " + s.get("wall_seconds"));
    assertEquals(4, s.get("steps").asInt());
    assertEquals("[\"head\"]", s.get("new_groups").toString(), "only the head is new");
    assertEquals("classification", s.get("task").asText());
    JsonNode cm = s.get("confusion_matrix");
    long total = 0;
    for (JsonNode row : cm.get("counts")) {
      for (JsonNode c : row) {
        total += c.asLong();
      }
    }
    assertEquals(s.get("test_examples").asLong(), total, "every test example is counted once");
    assertEquals(acc(cm), s.get("test_accuracy").asDouble(), 1e-12, "accuracy = trace / total");
    assertFalse(Files.exists(dir.resolve("run.partial")), "the partial directory was renamed");
  }

  private static double acc(JsonNode cm) {
    long diag = 0;
    long total = 0;
    int r = 0;
    for (JsonNode row : cm.get("counts")) {
      for (int c = 0; c < row.size(); c++) {
        total += row.get(c).asLong();
        diag += r == c ? row.get(c).asLong() : 0;
      }
      r++;
    }
    return (double) diag / total;
  }

  @Test
  void reportCommandExplainsUnusableRunDirectories() throws Exception {
    Cli missing = cli("report", dir.resolve("no-such-run").toString());
    assertEquals(2, missing.code());
    assertTrue(
        missing.err().contains("cannot write a report: run directory not found"), missing.err());

    Path empty = Files.createDirectories(dir.resolve("empty-dir"));
    Cli noMetrics = cli("report", empty.toString());
    assertEquals(2, noMetrics.code());
    assertTrue(noMetrics.err().contains("no metrics.jsonl in "), noMetrics.err());

    Files.writeString(empty.resolve("metrics.jsonl"), "");
    Cli emptyMetrics = cli("report", empty.toString());
    assertEquals(2, emptyMetrics.code());
    assertTrue(emptyMetrics.err().contains("metrics.jsonl is empty"), emptyMetrics.err());
    assertFalse(Files.exists(empty.resolve("report.html")));
  }

  @Test
  void reportCommandSkipsACorruptLineAndShowsItsLineNumber() throws Exception {
    Path copy = Files.createDirectories(dir.resolve("corrupt"));
    List<String> lines = new ArrayList<>(Files.readAllLines(runDir.resolve("metrics.jsonl")));
    lines.add(3, "{\"kind\":\"step\",\"step\":"); // becomes line 4, in the middle
    Files.write(copy.resolve("metrics.jsonl"), lines);
    Files.copy(runDir.resolve("summary.json"), copy.resolve("summary.json"));

    Cli r = cli("report", copy.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("Wrote " + copy.resolve("report.html")), r.out());
    String html = Files.readString(copy.resolve("report.html"));
    assertTrue(html.contains("<li>metrics.jsonl line 4: not valid JSON"), "problem listed");
    JsonNode data = HtmlReportTest.embeddedData(html);
    assertEquals(log.steps().size(), data.get("steps").size(), "the other lines are still read");
    assertEquals(1, data.get("problems").size());
  }

  @Test
  void anExplodingHeadLrSetInTheRecipeIsWarnedOnceEverywhere() throws Exception {
    Path out = dir.resolve("exploding");
    Cli r = quickstart(out, 16, "groups.3.lr=1e4");
    assertEquals(0, r.code(), r.out() + r.err());

    MetricsLog exploding = MetricsReader.read(out.resolve("metrics.jsonl"));
    List<RunWarning> head =
        exploding.warnings().stream()
            .filter(w -> w.cause().equals("exploding") && w.group().equals("head"))
            .toList();
    assertEquals(1, head.size(), "one exploding warning for head: " + exploding.warnings());
    StepMetrics first = exploding.steps().get(0);
    assertEquals(1e4, first.lr().get("head"), 1e-6, "the recipe's lr reached the loop");
    // w after the update is almost all update, so ||dw||/||w|| is close to 1 (normal runs: ~1e-3)
    assertTrue(
        first.groups().get("head").updateRatio() > 0.5,
        "update ratio " + first.groups().get("head").updateRatio());

    assertEquals(
        1,
        ReportBrowser.count(r.out(), "warning [exploding] group head:"),
        "console shows it once:\n" + r.out());

    String html = Files.readString(out.resolve("report.html"));
    Matcher row =
        Pattern.compile(
                "<tr><td>(\\d+)</td><td>head</td><td class=\"cause\">exploding</td><td>([^<]*)</td>")
            .matcher(html);
    assertTrue(row.find(), "warnings table lists it");
    assertEquals(head.get(0).step(), Long.parseLong(row.group(1)));
    assertTrue(row.group(2).contains("learning rate of group head"), row.group(2));
  }
}
