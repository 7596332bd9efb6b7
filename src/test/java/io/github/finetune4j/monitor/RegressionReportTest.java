package io.github.finetune4j.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A regression run's report plots the test residuals (actual − predicted against predicted), drawn
 * in headless Chromium from test_residuals.json, whose points are the run's own test predictions:
 * their RMSE is the summary's.
 */
class RegressionReportTest {

  @TempDir Path tmp;

  @Test
  void theReportOfARegressionDrawsItsTestResiduals() throws Exception {
    Path run = tmp.resolve("diabetes");
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    int code;
    try (PrintStream p = new PrintStream(o, true, StandardCharsets.UTF_8)) {
      code =
          Main.run(
              new String[] {"run", "recipes/tabular/diabetes-regression.yaml", "output.dir=" + run},
              p,
              p);
    }
    assertEquals(0, code, o.toString(StandardCharsets.UTF_8));
    ObjectMapper json = new ObjectMapper();
    JsonNode r = json.readTree(run.resolve("test_residuals.json").toFile());
    JsonNode s = json.readTree(run.resolve("summary.json").toFile());
    assertEquals("progression", r.get("target").asText());
    assertEquals(72, r.get("predicted").size());
    double sq = 0;
    for (int i = 0; i < 72; i++) {
      double e = r.get("actual").get(i).asDouble() - r.get("predicted").get(i).asDouble();
      sq += e * e;
    }
    assertEquals(
        s.get("test_metrics").get("rmse").asDouble(), Math.sqrt(sq / 72), 1e-3, "same points");
    ReportBrowser browser = new ReportBrowser(tmp, "regression-report");
    String dom = browser.dumpDom(run.resolve("report.html"));
    ReportBrowser.assertChartsRendered(dom, 7);
    assertTrue(dom.contains("data-residuals=\"72\""), "72 residual points drawn");
  }
}
