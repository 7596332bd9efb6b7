package io.github.finetune4j.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {

  @TempDir Path dir;

  static Path syntheticRunDir(Path dir) throws Exception {
    new SyntheticRun().feed(new JsonlSink(dir));
    Files.writeString(
        dir.resolve("summary.json"),
        "{\"recipe\":\"recipes/vision/resnet18-flowers.yaml\",\"seed\":42,"
            + "\"best_valid_accuracy\":0.75,\"note\":\"<b>not bold</b>\"}");
    return dir;
  }

  static JsonNode embeddedData(String html) throws Exception {
    Matcher m =
        Pattern.compile(
                "<script type=\"application/json\" id=\"run-data\">(.*?)</script>", Pattern.DOTALL)
            .matcher(html);
    assertTrue(m.find(), "embedded run data");
    return new ObjectMapper().readTree(m.group(1));
  }

  @Test
  void writesASelfContainedReportWithEmbeddedData() throws Exception {
    Path report = HtmlReport.write(syntheticRunDir(dir));
    assertEquals(dir.resolve("report.html"), report);
    String html = Files.readString(report, StandardCharsets.UTF_8);
    assertFalse(
        Pattern.compile("<(script|link|img)[^>]+(src|href)=", Pattern.CASE_INSENSITIVE)
            .matcher(html)
            .find(),
        "nothing is loaded from elsewhere");
    assertTrue(html.contains("uPlot"), "uPlot is inlined");
    assertTrue(html.contains("Leon Sorokin"), "uPlot's licence notice is kept");
    assertTrue(
        html.indexOf("window.onerror") < html.indexOf("<script>", html.indexOf("<script>") + 1),
        "the error capture is the first script");
    assertTrue(html.contains("resnet18-flowers.yaml"));
    assertTrue(html.contains("&lt;b&gt;not bold&lt;/b&gt;"), "summary values are escaped");
    assertTrue(html.contains("<td class=\"cause\">exploding</td>"));
    assertTrue(html.contains("&lt;check&gt; &amp; &quot;lr&quot;"), "warning text is escaped");
    JsonNode data = embeddedData(html);
    assertEquals(50, data.get("steps").size());
    assertEquals("[\"backbone\",\"head\"]", data.get("groups").toString());
    assertEquals(25, data.get("stats").get("x").size());
    assertTrue(
        data.get("stats").get("groups").get("backbone").get("log10_update_ratio").get(0).isNull());
    assertEquals(2, data.get("stages").size());
    assertEquals(26, data.get("stages").get(1).get("step").asLong());
    assertEquals(2, data.get("epochs").size());
    assertTrue(data.get("warnings").get(0).get("message").asText().endsWith("<check> & \"lr\""));
    assertFalse(html.contains("<check>"), "markup in the data is escaped inside the script");
    assertEquals(0, data.get("problems").size());
  }

  @Test
  void corruptLinesAreListedAsProblems() throws Exception {
    syntheticRunDir(dir);
    Files.writeString(
        dir.resolve("metrics.jsonl"),
        "{broken\n{\"kind\":\"step\",\"step\":51,\"epo",
        StandardOpenOption.APPEND);
    String html = Files.readString(HtmlReport.write(dir));
    assertTrue(html.contains("<li>metrics.jsonl line 54: not valid JSON"));
    assertTrue(html.contains("<li>metrics.jsonl line 55: not valid JSON"));
    assertEquals(2, embeddedData(html).get("problems").size());
  }

  @Test
  void missingOrEmptyOrHalfWrittenRunsGiveClearErrors() throws Exception {
    ReportException e =
        assertThrows(ReportException.class, () -> HtmlReport.write(dir.resolve("nope")));
    assertTrue(e.getMessage().startsWith("run directory not found"), e.getMessage());

    e = assertThrows(ReportException.class, () -> HtmlReport.write(dir));
    assertTrue(e.getMessage().startsWith("no metrics.jsonl in "), e.getMessage());

    Files.writeString(dir.resolve("metrics.jsonl"), "");
    e = assertThrows(ReportException.class, () -> HtmlReport.write(dir));
    assertTrue(
        e.getMessage()
            .endsWith("metrics.jsonl is empty (the run has not written any" + " metrics yet)"),
        e.getMessage());

    Files.writeString(
        dir.resolve("metrics.jsonl"),
        "{\"kind\":\"warning\",\"step\":1,\"group\":\"*\",\"cause\":\"nan\",\"message\":\"m\"}\n"
            + "{\"kind\":\"step\",\"st");
    e = assertThrows(ReportException.class, () -> HtmlReport.write(dir));
    assertTrue(
        e.getMessage()
            .contains(
                "has no step records (2 lines read, 1 unreadable, first:"
                    + " line 2: not valid JSON"),
        e.getMessage());
    assertFalse(Files.exists(dir.resolve("report.html")));
  }
}
