package io.github.finetune4j.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens a generated report in headless Chromium: the DOM after the scripts ran must show every
 * chart drawn and no JavaScript error, and a screenshot must not be blank. Copies of the report and
 * screenshot are left under {@code target/report-browser-test/} for a human look.
 */
class HtmlReportBrowserTest {

  private static final int EXPECTED_CHARTS = 6; // loss, accuracy, lr, heatmap, drift, grad norm

  @TempDir Path dir;
  private Path chromium;
  private Path report;

  @BeforeEach
  void setUp() throws Exception {
    chromium =
        ExternalTools.require(
            "render report.html headless", "chromium", "chromium-browser", "google-chrome");
    Path runDir = dir.resolve("run");
    Files.createDirectories(runDir);
    report = HtmlReport.write(HtmlReportTest.syntheticRunDir(runDir));
  }

  @Test
  void chartsRenderWithoutJavaScriptErrors() throws Exception {
    String dom = runChromium("--dump-dom", "--virtual-time-budget=5000", uri());
    keep("report.dom.html", dom);
    assertEquals("0", attr(dom, "html", "data-js-errors"), "JavaScript errors: " + jsErrors(dom));
    assertEquals("", jsErrors(dom), "the error box stays empty");
    assertEquals(Integer.toString(EXPECTED_CHARTS), attr(dom, "body", "data-charts-expected"));
    assertEquals(
        Integer.toString(EXPECTED_CHARTS),
        attr(dom, "body", "data-charts-rendered"),
        "charts drawn; errors: " + jsErrors(dom));
    assertTrue(
        count(dom, "<canvas") >= EXPECTED_CHARTS, "canvas elements: " + count(dom, "<canvas"));
    assertEquals(5, count(dom, "class=\"uplot"), "uPlot charts");
    assertTrue(dom.contains("data-heatmap=\"2x25\""), "heatmap of 2 groups x 25 sampled steps");
    assertTrue(dom.contains("u-legend"), "uPlot legends");
    for (String label : List.of("backbone", "head", "valid (epoch)", "train (step)")) {
      assertTrue(dom.contains(label), "legend shows " + label);
    }
  }

  @Test
  void screenshotIsNotBlank() throws Exception {
    Path png = dir.resolve("report.png");
    runChromium(
        "--screenshot=" + png, "--window-size=1200,2000", "--virtual-time-budget=5000", uri());
    assertTrue(Files.size(png) > 0, "screenshot written");
    keepFile("report.png", png);
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(1200, img.getWidth());
    assertEquals(2000, img.getHeight());
    Set<Integer> colors = new HashSet<>();
    long nonWhite = 0;
    long coloured = 0;
    for (int y = 0; y < img.getHeight(); y += 2) {
      for (int x = 0; x < img.getWidth(); x += 2) {
        int rgb = img.getRGB(x, y) & 0xffffff;
        colors.add(rgb);
        int r = rgb >> 16 & 0xff;
        int g = rgb >> 8 & 0xff;
        int b = rgb & 0xff;
        if (rgb != 0xffffff) {
          nonWhite++;
        }
        if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60) {
          coloured++; // chart lines and heatmap cells, not grey text or grid
        }
      }
    }
    long sampled = (long) (img.getWidth() / 2) * (img.getHeight() / 2);
    assertTrue(colors.size() > 100, "distinct colours: " + colors.size());
    assertTrue(nonWhite > sampled / 50, "non-white pixels: " + nonWhite + " of " + sampled);
    assertTrue(coloured > sampled / 500, "saturated pixels: " + coloured + " of " + sampled);
  }

  private String uri() {
    return report.toUri().toString();
  }

  private String runChromium(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(chromium.toString());
    cmd.addAll(
        List.of(
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-profile")));
    cmd.addAll(List.of(args));
    Path stdout = dir.resolve("chromium.out");
    Path stderr = dir.resolve("chromium.err");
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium timed out: " + Files.readString(stderr));
    }
    assertEquals(0, p.exitValue(), "chromium failed: " + Files.readString(stderr));
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }

  private static String attr(String dom, String element, String name) {
    Matcher m = Pattern.compile("<" + element + "\\b[^>]*>").matcher(dom);
    assertTrue(m.find(), "no <" + element + "> in the DOM dump");
    Matcher a = Pattern.compile("\\b" + name + "=\"([^\"]*)\"").matcher(m.group());
    return a.find() ? a.group(1) : "(no " + name + " attribute on " + m.group() + ")";
  }

  private static String jsErrors(String dom) {
    Matcher m =
        Pattern.compile("<pre id=\"js-errors\"[^>]*>(.*?)</pre>", Pattern.DOTALL).matcher(dom);
    return m.find() ? m.group(1) : "(no js-errors element)";
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  private void keep(String name, String text) throws IOException {
    Path out = Path.of("target", "report-browser-test");
    Files.createDirectories(out);
    Files.writeString(out.resolve(name), text);
    Files.copy(report, out.resolve("report.html"), StandardCopyOption.REPLACE_EXISTING);
  }

  private void keepFile(String name, Path file) throws IOException {
    Path out = Path.of("target", "report-browser-test");
    Files.createDirectories(out);
    Files.copy(file, out.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }
}
