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

/**
 * Opens a report in headless Chromium: a DOM dump after the scripts ran (checked for every chart
 * drawn and no JavaScript error) and a screenshot (checked for not being blank). Copies are left
 * under {@code target/<keepDir>/} for a human look.
 */
final class ReportBrowser {

  private final Path chromium;
  private final Path workDir;
  private final Path keepDir;

  /**
   * Finds chromium (skips or fails as {@link ExternalTools} says).
   *
   * @param workDir scratch directory (profiles, output files)
   * @param keepDir name of the directory under {@code target/} the copies are kept in
   */
  ReportBrowser(Path workDir, String keepDir) {
    this.chromium =
        ExternalTools.require(
            "render report.html headless", "chromium", "chromium-browser", "google-chrome");
    this.workDir = workDir;
    this.keepDir = Path.of("target", keepDir);
  }

  /** The DOM after the report's scripts ran (5 s of virtual time). */
  String dumpDom(Path report) throws IOException, InterruptedException {
    String dom = run("--dump-dom", "--virtual-time-budget=5000", report.toUri().toString());
    Files.createDirectories(keepDir);
    Files.writeString(keepDir.resolve("report.dom.html"), dom);
    Files.copy(report, keepDir.resolve("report.html"), StandardCopyOption.REPLACE_EXISTING);
    return dom;
  }

  /** Asserts no JavaScript error and that all {@code expectedCharts} charts were drawn. */
  static void assertChartsRendered(String dom, int expectedCharts) {
    assertEquals("0", attr(dom, "html", "data-js-errors"), "JavaScript errors: " + jsErrors(dom));
    assertEquals("", jsErrors(dom), "the error box stays empty");
    assertEquals(Integer.toString(expectedCharts), attr(dom, "body", "data-charts-expected"));
    assertEquals(
        Integer.toString(expectedCharts),
        attr(dom, "body", "data-charts-rendered"),
        "charts drawn; errors: " + jsErrors(dom));
    assertTrue(
        count(dom, "<canvas") >= expectedCharts, "canvas elements: " + count(dom, "<canvas"));
    assertEquals(expectedCharts - 1, count(dom, "class=\"uplot"), "uPlot charts");
    assertTrue(dom.contains("u-legend"), "uPlot legends");
  }

  /** Takes a 1200 x 2000 screenshot and asserts it shows charts rather than a blank page. */
  void assertScreenshotNotBlank(Path report) throws IOException, InterruptedException {
    Path png = Files.createTempFile(workDir, "report", ".png");
    run(
        "--screenshot=" + png,
        "--window-size=1200,2000",
        "--virtual-time-budget=5000",
        report.toUri().toString());
    assertTrue(Files.size(png) > 0, "screenshot written");
    Files.createDirectories(keepDir);
    Files.copy(png, keepDir.resolve("report.png"), StandardCopyOption.REPLACE_EXISTING);
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

  private String run(String... args) throws IOException, InterruptedException {
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
            "--user-data-dir=" + Files.createTempDirectory(workDir, "chromium-profile")));
    cmd.addAll(List.of(args));
    Path stdout = Files.createTempFile(workDir, "chromium", ".out");
    Path stderr = Files.createTempFile(workDir, "chromium", ".err");
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

  /** The value of an attribute on the first {@code <element>} of the DOM dump. */
  static String attr(String dom, String element, String name) {
    Matcher m = Pattern.compile("<" + element + "\\b[^>]*>").matcher(dom);
    assertTrue(m.find(), "no <" + element + "> in the DOM dump");
    Matcher a = Pattern.compile("\\b" + name + "=\"([^\"]*)\"").matcher(m.group());
    return a.find() ? a.group(1) : "(no " + name + " attribute on " + m.group() + ")";
  }

  /** The text of the report's JavaScript error box. */
  static String jsErrors(String dom) {
    Matcher m =
        Pattern.compile("<pre id=\"js-errors\"[^>]*>(.*?)</pre>", Pattern.DOTALL).matcher(dom);
    return m.find() ? m.group(1) : "(no js-errors element)";
  }

  /** Number of occurrences of {@code what} in {@code s}. */
  static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
