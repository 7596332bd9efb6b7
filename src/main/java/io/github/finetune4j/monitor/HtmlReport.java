package io.github.finetune4j.monitor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes {@code report.html} for a run directory: one self-contained file (no network at view time)
 * with the run summary, loss and accuracy curves, per-group learning rates with stage boundaries,
 * an update-ratio heatmap (group × step), drift and gradient norms per group, the warnings, and the
 * problems met while reading {@code metrics.jsonl}.
 *
 * <p>The charts are drawn by the inlined uPlot library (MIT, vendored under this package's
 * resources) from the run's data, embedded as JSON in a {@code <script type="application/json"
 * id="run-data">} element. If the run directory holds a {@code summary.json} object, its keys and
 * values are shown in the header.
 */
public final class HtmlReport {

  /** File name of the report inside the run directory. */
  public static final String FILE_NAME = "report.html";

  /** Optional test residuals of a regression run (predicted and actual values). */
  public static final String RESIDUALS_FILE = "test_residuals.json";

  /** Optional run summary read from the run directory. */
  public static final String SUMMARY_FILE = "summary.json";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Z_]+)\\}\\}");

  private HtmlReport() {}

  /**
   * Reads {@code runDir/metrics.jsonl} (and {@code summary.json} if present) and writes {@code
   * runDir/report.html}.
   *
   * @param runDir the run directory
   * @return the path of the report
   * @throws ReportException if the directory, its metrics file or any step record is missing
   * @throws IOException if reading or writing fails
   */
  public static Path write(Path runDir) throws IOException {
    String html = render(runDir);
    Path out = runDir.resolve(FILE_NAME);
    if (Files.exists(out, LinkOption.NOFOLLOW_LINKS)
        && !Files.isRegularFile(out, LinkOption.NOFOLLOW_LINKS)) {
      throw new ReportException(
          out + " is not a file (a directory, link or device); it is left as it is");
    }
    // a temporary file of a unique name (a new file's permissions), removed when the write fails
    Path tmp = null;
    for (int i = 0; tmp == null; i++) {
      try {
        tmp =
            Files.createFile(
                runDir.resolve(
                    "."
                        + FILE_NAME
                        + "."
                        + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36)
                        + ".tmp"));
      } catch (FileAlreadyExistsException e) {
        if (i == 100) {
          throw e;
        }
      }
    }
    try {
      Files.writeString(tmp, html, StandardCharsets.UTF_8);
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return out;
  }

  /** Builds the report's HTML without writing it. */
  static String render(Path runDir) throws IOException {
    if (!Files.isDirectory(runDir)) {
      throw new ReportException("run directory not found: " + runDir);
    }
    Path metrics = runDir.resolve(JsonlSink.FILE_NAME);
    if (!Files.isRegularFile(metrics)) {
      throw new ReportException(
          "no "
              + JsonlSink.FILE_NAME
              + " in "
              + runDir
              + " (not a run directory, or the run"
              + " has not written any metrics yet)");
    }
    MetricsLog log;
    try {
      log = MetricsReader.read(metrics);
    } catch (CharacterCodingException e) {
      throw new ReportException(metrics + " is not UTF-8 text (was it written by a run?)");
    }
    if (log.lines() == 0) {
      throw new ReportException(metrics + " is empty (the run has not written any metrics yet)");
    }
    if (log.steps().isEmpty()) {
      StringBuilder m =
          new StringBuilder(metrics + " has no step records (" + log.lines() + " lines read");
      if (!log.problems().isEmpty()) {
        m.append(", ").append(log.problems().size()).append(" unreadable, first: ");
        m.append(log.problems().get(0));
      }
      throw new ReportException(m.append(')').toString());
    }
    List<String> problems = new ArrayList<>();
    for (MetricsLog.Problem p : log.problems()) {
      problems.add(JsonlSink.FILE_NAME + " " + p);
    }
    JsonNode summary = readSummary(runDir.resolve(SUMMARY_FILE), problems);
    JsonNode residuals = readSummary(runDir.resolve(RESIDUALS_FILE), problems);

    String title =
        runDir.toAbsolutePath().normalize().getFileName() == null
            ? runDir.toString()
            : runDir.toAbsolutePath().normalize().getFileName().toString();
    // A finished run writes its report just before DIR.partial is renamed to DIR.
    if (summary != null && title.endsWith(".partial")) {
      title = title.substring(0, title.length() - ".partial".length());
    }
    Map<String, String> parts = new HashMap<>();
    parts.put("TITLE", esc(title));
    parts.put(
        "SUBTITLE",
        esc(
            status(summary, log, runDir)
                + " · "
                + runDir.toAbsolutePath().normalize().resolveSibling(title)
                + " · report generated "
                + Instant.now().truncatedTo(ChronoUnit.SECONDS)));
    parts.put("RUN_TABLE", runTable(log, summary));
    parts.put("SUMMARY_TABLE", summaryTable(summary));
    parts.put("WARNINGS_TABLE", warningsTable(log.warnings()));
    parts.put("PROBLEMS_LIST", problemsList(problems));
    ObjectNode data = data(log, summary, problems);
    if (residuals != null) {
      data.set("residuals", residuals);
    }
    parts.put("DATA", scriptSafeJson(data));
    parts.put("UPLOT_CSS", resource("uPlot.min.css"));
    parts.put("UPLOT_JS", resource("uPlot.iife.min.js"));
    parts.put("UPLOT_LICENSE", resource("uPlot.LICENSE").replace("--", "- -"));
    parts.put("REPORT_JS", resource("report.js"));
    return fill(resource("report-template.html"), parts);
  }

  private static JsonNode readSummary(Path file, List<String> problems) throws IOException {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      JsonNode n = MAPPER.readTree(file.toFile());
      if (n == null || !n.isObject()) {
        problems.add(file.getFileName() + ": not a JSON object, ignored");
        return null;
      }
      return n;
    } catch (JsonProcessingException e) {
      problems.add(file.getFileName() + ": not valid JSON, ignored: " + e.getOriginalMessage());
      return null;
    }
  }

  /** The data the charts are drawn from; NaN becomes null. */
  private static ObjectNode data(MetricsLog log, JsonNode summary, List<String> problems) {
    Set<String> groups = new LinkedHashSet<>();
    for (StepMetrics m : log.steps()) {
      groups.addAll(m.lr().keySet());
      groups.addAll(m.groups().keySet());
    }
    ObjectNode d = MAPPER.createObjectNode();
    d.set("summary", summary);
    ArrayNode groupNames = d.putArray("groups");
    groups.forEach(groupNames::add);
    ArrayNode steps = d.putArray("steps");
    ArrayNode loss = d.putArray("loss");
    ObjectNode lr = d.putObject("lr");
    for (String g : groups) {
      lr.putArray(g);
    }
    ArrayNode stages = d.putArray("stages");
    ObjectNode stats = d.putObject("stats");
    ArrayNode statX = stats.putArray("x");
    ObjectNode statGroups = stats.putObject("groups");
    for (String g : groups) {
      ObjectNode s = statGroups.putObject(g);
      for (String k : List.of("grad_norm", "log10_update_ratio", "drift", "weight_norm")) {
        s.putArray(k);
      }
    }
    int stage = Integer.MIN_VALUE;
    for (StepMetrics m : log.steps()) {
      steps.add(m.step());
      num(loss, m.loss());
      for (String g : groups) {
        Double v = m.lr().get(g);
        num((ArrayNode) lr.get(g), v == null ? Double.NaN : v);
      }
      if (m.stage() != stage) {
        stage = m.stage();
        stages.addObject().put("stage", stage).put("step", m.step());
      }
      if (!m.groups().isEmpty()) {
        statX.add(m.step());
        for (String g : groups) {
          GroupStats s = m.groups().get(g);
          ObjectNode arrays = (ObjectNode) statGroups.get(g);
          num((ArrayNode) arrays.get("grad_norm"), s == null ? Double.NaN : s.gradNorm());
          num(
              (ArrayNode) arrays.get("log10_update_ratio"),
              s == null ? Double.NaN : Math.log10(s.updateRatio()));
          num((ArrayNode) arrays.get("drift"), s == null ? Double.NaN : s.drift());
          num((ArrayNode) arrays.get("weight_norm"), s == null ? Double.NaN : s.weightNorm());
        }
      }
    }
    ArrayNode epochs = d.putArray("epochs");
    for (EpochMetrics e : log.epochs()) {
      ObjectNode o = epochs.addObject();
      o.put("epoch", e.epoch()).put("stage", e.stage()).put("step", e.step());
      num(o, "train_loss", e.trainLoss());
      num(o, "train_accuracy", e.trainAccuracy());
      num(o, "valid_loss", e.validLoss());
      num(o, "valid_accuracy", e.validAccuracy());
      num(o, "seconds", e.seconds());
      // the task's headline metric, as summary.json names it (accuracy, rmse, micro_f1)
      String headline = headlineMetric(summary, e);
      if (headline != null) {
        o.put("metric", headline);
        num(o, "train_metric", e.train().getOrDefault(headline, Double.NaN));
        num(o, "valid_metric", e.valid().getOrDefault(headline, Double.NaN));
      }
    }
    ArrayNode warnings = d.putArray("warnings");
    for (RunWarning w : log.warnings()) {
      warnings
          .addObject()
          .put("step", w.step())
          .put("group", w.group())
          .put("cause", w.cause())
          .put("message", w.message());
    }
    // Drift from w0 means something only for groups that start from pre-trained weights; a new
    // head's drift from its random init is shown apart (summary.json: new_groups).
    ArrayNode newGroups = d.putArray("new_groups");
    if (summary != null
        && summary.get("new_groups") != null
        && summary.get("new_groups").isArray()) {
      summary.get("new_groups").forEach(g -> newGroups.add(g.asText()));
    }
    ArrayNode probs = d.putArray("problems");
    problems.forEach(probs::add);
    return d;
  }

  /**
   * The task's headline metric: summary.json's {@code headline.metric}, or, for a run without one
   * (interrupted, or written by an earlier version), accuracy or RMSE when the epoch has it.
   */
  private static String headlineMetric(JsonNode summary, EpochMetrics e) {
    JsonNode h = summary == null ? null : summary.path("headline").path("metric");
    if (h != null && h.isTextual() && !h.asText().equals("loss")) {
      return h.asText();
    }
    return e.train().containsKey("accuracy") || e.valid().containsKey("accuracy")
        ? "accuracy"
        : e.train().containsKey("rmse") || e.valid().containsKey("rmse") ? "rmse" : null;
  }

  private static String runTable(MetricsLog log, JsonNode summary) {
    StepMetrics last = log.steps().get(log.steps().size() - 1);
    Set<String> groups = new LinkedHashSet<>(last.lr().keySet());
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"steps", last.step() + " of " + last.totalSteps() + " planned"});
    rows.add(new String[] {"epochs", Integer.toString(log.epochs().size())});
    rows.add(new String[] {"stage at end", Integer.toString(last.stage())});
    rows.add(new String[] {"groups", String.join(", ", groups)});
    rows.add(new String[] {"last train loss", fmt(last.loss())});
    if (!log.epochs().isEmpty()) {
      EpochMetrics e = log.epochs().get(log.epochs().size() - 1);
      rows.add(new String[] {"last valid loss", fmt(e.validLoss())});
      // the task's headline metric and its direction (summary.json's headline)
      String named = headlineMetric(summary, e);
      String metric = named == null ? "accuracy" : named;
      JsonNode higher = summary == null ? null : summary.path("headline").path("higher_is_better");
      boolean lowerIsBetter =
          higher != null && higher.isBoolean() ? !higher.asBoolean() : metric.equals("rmse");
      rows.add(
          new String[] {"last valid " + metric, fmt(e.valid().getOrDefault(metric, Double.NaN))});
      var values =
          log.epochs().stream()
              .mapToDouble(x -> x.valid().getOrDefault(metric, Double.NaN))
              .filter(v -> !Double.isNaN(v));
      double best = (lowerIsBetter ? values.min() : values.max()).orElse(Double.NaN);
      rows.add(new String[] {"best valid " + metric, fmt(best)});
    }
    rows.add(new String[] {"warnings", Integer.toString(log.warnings().size())});
    StringBuilder b = new StringBuilder("<table class=\"kv\" id=\"run-table\">");
    for (String[] r : rows) {
      b.append("<tr><td>").append(esc(r[0])).append("</td><td>").append(esc(r[1]));
      b.append("</td></tr>");
    }
    return b.append("</table>").toString();
  }

  /**
   * What became of the run, in words: completed (and from which step it was resumed), failed (at
   * which step, why), or interrupted (a partial directory without a summary: its last step).
   */
  static String status(JsonNode summary, MetricsLog log, Path runDir) {
    long last = log.steps().isEmpty() ? 0 : log.steps().get(log.steps().size() - 1).step();
    if (summary == null) {
      boolean partial = runDir.toAbsolutePath().normalize().toString().endsWith(".partial");
      return (partial ? "interrupted" : "no summary")
          + " (no summary.json; the last step logged is "
          + last
          + (partial ? "; continue it with finetune run R --resume when it has checkpoints)" : ")");
    }
    String st = summary.path("status").asText("completed");
    if (st.equals("failed")) {
      return "FAILED"
          + (summary.hasNonNull("failed_at_step")
              ? " at step " + summary.get("failed_at_step").asLong()
              : "")
          + (summary.hasNonNull("failure") ? ": " + summary.get("failure").asText() : "");
    }
    return st
        + (summary.hasNonNull("resumed_from_step")
            ? ", resumed from the checkpoint after step "
                + summary.get("resumed_from_step").asLong()
            : "");
  }

  private static String summaryTable(JsonNode summary) {
    if (summary == null) {
      return "<p class=\"none\">no summary.json in the run directory</p>";
    }
    StringBuilder b = new StringBuilder("<table class=\"kv\" id=\"summary\">");
    for (Iterator<Map.Entry<String, JsonNode>> it = summary.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (List.of(
              "test_metrics", "final_valid_metrics", "confusion_matrix", "new_groups", "base_model")
          .contains(e.getKey())) {
        continue; // tables of their own below
      }
      b.append("<tr><td>").append(esc(e.getKey())).append("</td><td>");
      b.append(esc(v.isValueNode() ? v.asText() : v.toString())).append("</td></tr>");
    }
    b.append("</table>");
    JsonNode metrics = summary.get("test_metrics");
    JsonNode base = summary.path("base_model").path("test_metrics");
    if (metrics != null && metrics.isObject() && metrics.size() > 0 && base.isObject()) {
      // an embedding model: the untouched model beside the tuned one, and the change
      b.append("<h3>Test metrics: tuned vs untouched</h3>")
          .append("<table class=\"kv\" id=\"test-metrics\"><tr><th>metric</th><th>tuned</th>")
          .append("<th>untouched</th><th>change</th></tr>");
      metrics
          .fields()
          .forEachRemaining(
              m -> {
                JsonNode u = base.path(m.getKey());
                b.append("<tr><td>").append(esc(m.getKey())).append("</td><td>");
                b.append(m.getValue().isNumber() ? fmt(m.getValue().asDouble()) : "-");
                b.append("</td><td>").append(u.isNumber() ? fmt(u.asDouble()) : "-");
                b.append("</td><td>");
                b.append(
                    m.getValue().isNumber() && u.isNumber()
                        ? String.format(
                            java.util.Locale.ROOT, "%+.4f", m.getValue().asDouble() - u.asDouble())
                        : "-");
                b.append("</td></tr>");
              });
      b.append("</table>");
    } else if (metrics != null && metrics.isObject() && metrics.size() > 0) {
      b.append("<h3>Test metrics</h3><table class=\"kv\" id=\"test-metrics\">");
      metrics
          .fields()
          .forEachRemaining(
              m ->
                  b.append("<tr><td>")
                      .append(esc(m.getKey()))
                      .append("</td><td>")
                      .append(
                          esc(
                              m.getValue().isNumber()
                                  ? fmt(m.getValue().asDouble())
                                  : m.getValue().asText()))
                      .append("</td></tr>"));
      b.append("</table>");
    }
    b.append(perNameTable(metrics));
    b.append(confusionTable(summary.get("confusion_matrix")));
    return b.toString();
  }

  /**
   * The per-class or per-label test metrics ({@code precision/NAME}, {@code recall/NAME}, {@code
   * f1/NAME}) as one table: a row per class or label, in the order the metrics list them.
   */
  private static String perNameTable(JsonNode metrics) {
    if (metrics == null || !metrics.isObject()) {
      return "";
    }
    List<String> kinds = List.of("precision", "recall", "f1");
    Map<String, Map<String, String>> rows = new java.util.LinkedHashMap<>();
    metrics
        .fields()
        .forEachRemaining(
            m -> {
              int slash = m.getKey().indexOf('/');
              if (slash > 0 && kinds.contains(m.getKey().substring(0, slash))) {
                rows.computeIfAbsent(m.getKey().substring(slash + 1), k -> new HashMap<>())
                    .put(
                        m.getKey().substring(0, slash),
                        m.getValue().isNumber() ? fmt(m.getValue().asDouble()) : "-");
              }
            });
    if (rows.isEmpty()) {
      return "";
    }
    StringBuilder b =
        new StringBuilder(
            "<h3>Per class / label (test)</h3><table id=\"per-label\"><tr><th></th>"
                + "<th>precision</th><th>recall</th><th>F1</th></tr>");
    rows.forEach(
        (name, v) -> {
          b.append("<tr><th>").append(esc(name)).append("</th>");
          for (String k : kinds) {
            b.append("<td>").append(esc(v.getOrDefault(k, "-"))).append("</td>");
          }
          b.append("</tr>");
        });
    return b.append("</table>").toString();
  }

  /** The confusion matrix of summary.json as a table: rows true class, columns predicted. */
  private static String confusionTable(JsonNode cm) {
    if (cm == null
        || !cm.isObject()
        || !cm.path("classes").isArray()
        || !cm.path("counts").isArray()) {
      return "";
    }
    List<String> classes = new ArrayList<>();
    cm.get("classes").forEach(c -> classes.add(c.asText()));
    StringBuilder b =
        new StringBuilder(
            "<h3>Confusion matrix (test; rows: true class, columns:"
                + " predicted)</h3><table id=\"confusion\"><tr><th></th>");
    classes.forEach(c -> b.append("<th>").append(esc(c)).append("</th>"));
    b.append("</tr>");
    int r = 0;
    for (JsonNode row : cm.get("counts")) {
      b.append("<tr><th>").append(esc(r < classes.size() ? classes.get(r) : "?")).append("</th>");
      int c = 0;
      for (JsonNode n : row) {
        b.append(r == c ? "<td class=\"diag\">" : "<td>").append(n.asLong()).append("</td>");
        c++;
      }
      b.append("</tr>");
      r++;
    }
    return b.append("</table>").toString();
  }

  private static String warningsTable(List<RunWarning> warnings) {
    if (warnings.isEmpty()) {
      return "<p class=\"none\" id=\"warnings\">no warnings</p>";
    }
    StringBuilder b =
        new StringBuilder(
            "<table id=\"warnings\"><tr><th>step</th><th>group</th><th>cause</th>"
                + "<th>message</th></tr>");
    for (RunWarning w : warnings) {
      b.append("<tr><td>").append(w.step()).append("</td><td>").append(esc(w.group()));
      b.append("</td><td class=\"cause\">").append(esc(w.cause())).append("</td><td>");
      b.append(esc(w.message())).append("</td></tr>");
    }
    return b.append("</table>").toString();
  }

  private static String problemsList(List<String> problems) {
    if (problems.isEmpty()) {
      return "<p class=\"none\" id=\"problems\">none: every line of metrics.jsonl was read</p>";
    }
    StringBuilder b = new StringBuilder("<ul id=\"problems\">");
    for (String p : problems) {
      b.append("<li>").append(esc(p)).append("</li>");
    }
    return b.append("</ul>").toString();
  }

  private static void num(ArrayNode a, double v) {
    if (Double.isFinite(v)) {
      a.add(v);
    } else {
      a.addNull();
    }
  }

  private static void num(ObjectNode o, String key, double v) {
    if (Double.isFinite(v)) {
      o.put(key, v);
    } else {
      o.putNull(key);
    }
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4g", v);
  }

  /** JSON that cannot end its {@code <script>} element early: {@code < > &} as \\u escapes. */
  static String scriptSafeJson(JsonNode n) {
    try {
      return MAPPER
          .writeValueAsString(n)
          .replace("<", "\\u003c")
          .replace(">", "\\u003e")
          .replace("&", "\\u0026")
          .replace("\u2028", "\\u2028")
          .replace("\u2029", "\\u2029");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /**
   * Replaces every {@code {{NAME}}} of the template in one pass (inlined text is not rescanned).
   */
  private static String fill(String template, Map<String, String> parts) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder b = new StringBuilder(template.length() + 80_000);
    while (m.find()) {
      String v = parts.get(m.group(1));
      if (v == null) {
        throw new IllegalStateException("report template has an unknown placeholder " + m.group());
      }
      m.appendReplacement(b, Matcher.quoteReplacement(v));
    }
    m.appendTail(b);
    return b.toString();
  }

  private static String resource(String name) {
    try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing classpath resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
