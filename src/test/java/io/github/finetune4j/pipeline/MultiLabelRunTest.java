package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.TestRecipes;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeReader;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multi-label classification end to end on both families, through the one assembly path: label
 * lists in JSONL for the text encoder, 0/1 columns in csv for the built-in MLP. The labels are
 * derived from real data (SpamAssassin emails; the digits table), so a model that learns nothing
 * scores visibly lower than one that does.
 */
class MultiLabelRunTest {

  private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  /** Labels of an email: spam or not, whether it links, whether it is long. */
  private static Path labelledEmails(Path dir, String split, int limit) throws IOException {
    Path out = dir.resolve(split + ".jsonl");
    List<String> lines = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(
                new GZIPInputStream(
                    Files.newInputStream(Path.of("data/spamassassin/" + split + ".jsonl.gz"))),
                StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null && lines.size() < limit) {
        JsonNode n = TestRecipes.JSON.readTree(line);
        String text = n.get("text").asText();
        ObjectNode o = TestRecipes.JSON.createObjectNode();
        o.put("text", text);
        ArrayNode labels = o.putArray("label");
        if ("spam".equals(n.get("label").asText())) {
          labels.add("spam");
        }
        if (text.contains("http")) {
          labels.add("link");
        }
        if (text.length() > 1500) {
          labels.add("long");
        }
        lines.add(TestRecipes.JSON.writeValueAsString(o));
      }
    }
    Files.write(out, lines);
    return out;
  }

  @Test
  void textEncoderLearnsLabelSetsAndPredictsThem(@TempDir Path dir) throws Exception {
    ObjectNode tree = TestRecipes.quickstart();
    tree.putObject("task").put("type", "multilabel");
    ArrayNode classes = ((ObjectNode) tree.get("head")).putArray("classes");
    classes.add("spam").add("link").add("long");
    ObjectNode data = (ObjectNode) tree.get("data");
    for (String[] s : new String[][] {{"train", "200"}, {"valid", "60"}, {"test", "200"}}) {
      ObjectNode split = data.putObject(s[0]);
      split.put("type", "text-jsonl");
      split.put("path", labelledEmails(dir, s[0], Integer.parseInt(s[1])).toString());
    }
    ((ObjectNode) tree.get("train")).put("precision", "fp32");
    ((ObjectNode) tree.get("output")).put("dir", dir.resolve("run").toString());
    Recipe recipe = RecipeReader.read(TestRecipes.write(dir, "ml.yaml", tree), List.of());

    Plan plan = FineTune.plan(recipe);
    assertTrue(
        plan.rows().stream().anyMatch(r -> r.name().startsWith("head.") && r.shape().contains("3")),
        "the head has one output per label");

    ByteArrayOutputStream console = new ByteArrayOutputStream();
    ObjectNode summary =
        FineTune.run(recipe, new PrintStream(console, true, StandardCharsets.UTF_8), List.of());
    assertEquals("multilabel", summary.get("task").asText());
    assertEquals("micro_f1", summary.at("/headline/metric").asText());
    assertTrue(summary.at("/headline/higher_is_better").asBoolean());
    // the console's epoch lines and the report show the task's headline, and the report the
    // per-label table
    assertTrue(
        console
            .toString(StandardCharsets.UTF_8)
            .matches("(?s).*valid loss \\d\\.\\d{4} micro f1 .*"),
        console.toString(StandardCharsets.UTF_8));
    String html = Files.readString(dir.resolve("run").resolve("report.html"));
    assertTrue(html.contains("<table id=\"per-label\">"), "per-label table");
    for (String label : List.of("spam", "link", "long")) {
      assertTrue(html.contains("<tr><th>" + label + "</th><td>"), label);
    }
    assertTrue(html.contains("\"metric\":\"micro_f1\""), "the epoch chart plots micro F1");
    double microF1 = summary.at("/headline/value").asDouble();
    assertEquals(summary.at("/test_metrics/micro_f1").asDouble(), microF1);
    // spam and link are both well predictable from an email's text; the all-no model scores 0
    assertTrue(microF1 > 0.6, "micro F1 " + microF1);
    assertTrue(summary.at("/test_metrics/hamming_loss").asDouble() < 0.3);
    assertTrue(summary.get("test_metrics").has("f1/spam"), summary.get("test_metrics").toString());

    // The export predicts what the run measured: micro F1 of predict's label sets on the test
    // texts equals the run's test micro F1.
    List<String> texts = new ArrayList<>();
    List<List<String>> truth = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("test.jsonl"))) {
      JsonNode n = TestRecipes.JSON.readTree(line);
      texts.add(n.get("text").asText());
      List<String> labels = new ArrayList<>();
      n.get("label").forEach(l -> labels.add(l.asText()));
      truth.add(labels);
    }
    List<Prediction> p = FineTune.predict(dir.resolve("run"), texts);
    long tp = 0;
    long fp = 0;
    long fn = 0;
    for (int i = 0; i < p.size(); i++) {
      Prediction one = p.get(i);
      assertEquals(3, one.probabilities().size(), "a probability per label");
      List<String> expected = new ArrayList<>();
      one.probabilities()
          .forEach(
              (label, prob) -> {
                assertTrue(prob >= 0 && prob <= 1);
                if (prob >= 0.5) {
                  expected.add(label);
                }
              });
      assertEquals(String.join(",", expected), one.label(), "the label set at threshold 0.5");
      for (String l : expected) {
        if (truth.get(i).contains(l)) {
          tp++;
        } else {
          fp++;
        }
      }
      fn += truth.get(i).stream().filter(l -> !expected.contains(l)).count();
    }
    double predicted = 2.0 * tp / (2.0 * tp + fp + fn);
    assertEquals(microF1, predicted, 0.01, "micro F1 of predict vs the run's");
  }

  /** The digits table with its digit replaced by three 0/1 label columns. */
  private static Path digitLabels(Path dir, String split) throws IOException {
    List<String> in = Files.readAllLines(Path.of("data/digits/" + split + ".csv"));
    List<String> out = new ArrayList<>();
    String header = in.get(0);
    out.add(header.substring(0, header.lastIndexOf(',')) + ",even,big,round");
    for (String line : in.subList(1, in.size())) {
      int cut = line.lastIndexOf(',');
      int digit = Integer.parseInt(line.substring(cut + 1).strip());
      out.add(
          line.substring(0, cut)
              + ","
              + (digit % 2 == 0 ? 1 : 0)
              + ","
              + (digit > 4 ? 1 : 0)
              + ","
              + (digit == 0 || digit == 6 || digit == 8 || digit == 9 ? 1 : 0));
    }
    Path file = dir.resolve(split + ".csv");
    Files.write(file, out);
    return file;
  }

  private static Recipe csvRecipe(Path dir, Path train, Path valid, Path test) throws Exception {
    return csvRecipe(dir, train, valid, test, "fixed", 15);
  }

  private static Recipe csvRecipe(
      Path dir, Path train, Path valid, Path test, String thresholds, int epochs) throws Exception {
    String yaml =
        String.join(
            "\n",
            "model: { type: builtin, architecture: mlp, init: random }",
            "head: { replace: none }",
            "task: { type: multilabel, thresholds: " + thresholds + " }",
            "data:",
            "  train: { type: csv, path: '" + train + "', targets: [even, big, round] }",
            "  valid: { type: csv, path: '" + valid + "', targets: [even, big, round] }",
            "  test: { type: csv, path: '" + test + "', targets: [even, big, round] }",
            "  batch_size: 32",
            "groups: [ { name: all, match: ['*'] } ]",
            "stages: [ { epochs: " + epochs + ", train: [all] } ]",
            "optimizer: { type: adamw, lr: 3.0e-3 }",
            "train: { seed: 7 }",
            "output: { dir: '" + dir.resolve("run") + "' }",
            "");
    return RecipeReader.read(TestRecipes.writeText(dir, "ml-csv.yaml", yaml), List.of());
  }

  @Test
  void csvLabelColumnsTrainAFeatureModel(@TempDir Path dir) throws Exception {
    Recipe recipe =
        csvRecipe(
            dir, digitLabels(dir, "train"), digitLabels(dir, "valid"), digitLabels(dir, "test"));
    ObjectNode summary = FineTune.run(recipe, QUIET, List.of());
    assertEquals("multilabel", summary.get("task").asText());
    assertEquals(
        List.of("even", "big", "round"),
        TestRecipes.JSON.convertValue(summary.get("labels"), List.class));
    double subset = summary.at("/test_metrics/subset_accuracy").asDouble();
    // the three labels are functions of the digit, which an MLP reads at about 0.95
    assertTrue(subset > 0.75, "subset accuracy " + subset);
    assertTrue(summary.at("/headline/value").asDouble() > 0.85);

    // predict on the test rows gives the label sets the run scored
    Path test = Path.of(recipe.data().test().path());
    List<String> rows = Files.readAllLines(test);
    long exact = 0;
    try (Predictor p = Predictor.open(dir.resolve("run"))) {
      assertEquals("multilabel", p.task());
      assertEquals("rows", p.reads());
      assertEquals(List.of("even", "big", "round"), p.outputs());
      BadInputException texts =
          assertThrows(BadInputException.class, () -> p.predict(List.of("a text")));
      assertTrue(
          texts
              .getMessage()
              .endsWith(
                  "; it predicts rows of a CSV file (--input FILE.csv, or"
                      + " Predictor.predictRows), not texts"),
          texts.getMessage());
      List<Prediction> out = p.predictRows(test);
      assertEquals(rows.size() - 1, out.size());
      for (int i = 0; i < out.size(); i++) {
        Prediction one = out.get(i);
        assertEquals(List.of("even", "big", "round"), List.copyOf(one.probabilities().keySet()));
        assertEquals(String.join(",", one.labels()), one.label());
        String[] cells = rows.get(i + 1).split(",");
        List<String> truth = new ArrayList<>();
        String[] names = {"even", "big", "round"};
        for (int j = 0; j < 3; j++) {
          if (cells[cells.length - 3 + j].equals("1")) {
            truth.add(names[j]);
          }
        }
        exact += truth.equals(one.labels()) ? 1 : 0;
      }
    }
    assertEquals(subset, (double) exact / (rows.size() - 1), 0.01, "predict vs the run");
  }

  @Test
  void tunedThresholdsAreFittedOnTheValidationSplitAndTravelWithTheExport(@TempDir Path dir)
      throws Exception {
    Path valid = digitLabels(dir, "valid");
    Recipe recipe =
        // two epochs: undertrained, probabilities far from 0 and 1, so tuning has work to do
        csvRecipe(dir, digitLabels(dir, "train"), valid, digitLabels(dir, "test"), "tuned", 2);
    ObjectNode summary = FineTune.run(recipe, QUIET, List.of());
    JsonNode recorded = summary.at("/calibration/thresholds");
    assertEquals(3, recorded.size(), summary.toString());

    // independently: the final model's validation probabilities, tuned by the documented rule
    try (Predictor p = Predictor.open(dir.resolve("run"))) {
      List<Prediction> out = p.predictRows(valid);
      List<String> rows = Files.readAllLines(valid);
      float[][] probs = new float[out.size()][3];
      boolean[][] truth = new boolean[out.size()][3];
      String[] names = {"even", "big", "round"};
      for (int i = 0; i < out.size(); i++) {
        String[] cells = rows.get(i + 1).split(",");
        for (int j = 0; j < 3; j++) {
          probs[i][j] = out.get(i).probabilities().get(names[j]).floatValue();
          truth[i][j] = cells[cells.length - 3 + j].equals("1");
        }
      }
      double[] tuned = io.github.finetune4j.train.MultiLabelTask.tuneThresholds(probs, truth);
      for (int j = 0; j < 3; j++) {
        assertEquals(tuned[j], recorded.get(names[j]).asDouble(), 1e-6, names[j]);
      }
      // and predict decides with them: a validation row's label set is its probabilities at or
      // above the tuned thresholds
      for (int i = 0; i < out.size(); i++) {
        List<String> expected = new ArrayList<>();
        for (int j = 0; j < 3; j++) {
          if (probs[i][j] >= tuned[j]) {
            expected.add(names[j]);
          }
        }
        assertEquals(expected, out.get(i).labels(), "row " + i);
      }
    }
  }

  @Test
  void tunedThresholdsNeedAValidationSplit(@TempDir Path dir) throws Exception {
    String yaml =
        String.join(
            "\n",
            "model: { type: builtin, architecture: mlp, init: random }",
            "head: { replace: none }",
            "task: { type: multilabel, thresholds: tuned }",
            "data:",
            "  train: { type: csv, path: x.csv, targets: [a, b] }",
            "groups: [ { name: all, match: ['*'] } ]",
            "stages: [ { epochs: 1, train: [all] } ]",
            "output: { dir: '" + dir.resolve("run") + "' }",
            "");
    io.github.finetune4j.recipe.RecipeException e =
        assertThrows(
            io.github.finetune4j.recipe.RecipeException.class,
            () -> RecipeReader.read(TestRecipes.writeText(dir, "t.yaml", yaml), List.of()));
    assertTrue(
        e.getMessage()
            .contains(
                "task.thresholds: 'tuned' chooses the thresholds on the validation split; give"
                    + " data.valid"),
        e.getMessage());
  }

  @Test
  void aLabelColumnThatIsNotZeroOrOneIsRefused(@TempDir Path dir) throws Exception {
    Path train = digitLabels(dir, "train");
    List<String> lines = new ArrayList<>(Files.readAllLines(train));
    lines.set(3, lines.get(3).substring(0, lines.get(3).lastIndexOf(',')) + ",2");
    Files.write(train, lines);
    Recipe recipe = csvRecipe(dir, train, digitLabels(dir, "valid"), digitLabels(dir, "test"));
    BadInputException e =
        assertThrows(BadInputException.class, () -> FineTune.run(recipe, QUIET, List.of()));
    assertEquals(
        List.of(
            "data.train: label column 'round' holds 2.0 in data row 3; a multilabel task reads 0"
                + " (no) or 1 (yes) per label"),
        e.problems());
    assertTrue(Files.notExists(dir.resolve("run")), "nothing written");
  }
}
