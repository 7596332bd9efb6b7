package io.github.finetune4j.monitor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens a generated report in headless Chromium (see {@link ReportBrowser}): the DOM after the
 * scripts ran must show every chart drawn and no JavaScript error, and a screenshot must not be
 * blank. Copies of the report and screenshot are left under {@code target/report-browser-test/} for
 * a human look.
 */
class HtmlReportBrowserTest {

  private static final int EXPECTED_CHARTS = 6; // loss, accuracy, lr, heatmap, drift, grad norm

  @TempDir Path dir;
  private ReportBrowser browser;
  private Path report;

  @BeforeEach
  void setUp() throws Exception {
    browser = new ReportBrowser(dir, "report-browser-test");
    Path runDir = dir.resolve("run");
    Files.createDirectories(runDir);
    report = HtmlReport.write(HtmlReportTest.syntheticRunDir(runDir));
  }

  @Test
  void chartsRenderWithoutJavaScriptErrors() throws Exception {
    String dom = browser.dumpDom(report);
    ReportBrowser.assertChartsRendered(dom, EXPECTED_CHARTS);
    assertTrue(dom.contains("data-heatmap=\"2x25\""), "heatmap of 2 groups x 25 sampled steps");
    for (String label : List.of("backbone", "head", "valid (epoch)", "train (step)")) {
      assertTrue(dom.contains(label), "legend shows " + label);
    }
  }

  @Test
  void screenshotIsNotBlank() throws Exception {
    browser.assertScreenshotNotBlank(report);
  }
}
