package io.github.finetune4j.monitor;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Writes {@code metrics.jsonl} in a run directory: one JSON object per line, each with a {@code
 * "kind"} of {@code step}, {@code epoch} or {@code warning}, snake_case keys, and {@code null} for
 * NaN or infinite numbers. Every line is flushed as soon as it is written, so a crashed run leaves
 * a readable file (at worst its last line is cut, which {@link MetricsReader} reports).
 *
 * <p>A step line looks like {@code {"kind":"step","step":3,"total_steps":100,"epoch":1,"stage":0,
 * "loss":0.41,"samples_per_s":31.2,"rss_bytes":123,"lr":{"head":1.0E-3},"groups":{"head":{"lr":
 * 1.0E-3,"grad_norm":..,"weight_norm":..,"update_ratio":..,"log10_update_ratio":..,"drift":..,
 * "frozen_fraction":0.0}}}}.
 */
public final class JsonlSink implements MetricsSink {

  /** File name inside the run directory. */
  public static final String FILE_NAME = "metrics.jsonl";

  private static final JsonFactory FACTORY = new JsonFactory();

  private final Path file;
  private final OutputStream out;

  /**
   * Creates (or truncates) {@code runDir/metrics.jsonl}, creating the run directory if needed.
   *
   * @param runDir the run directory
   * @throws IOException if the file cannot be created
   */
  public JsonlSink(Path runDir) throws IOException {
    this(runDir, false);
  }

  /**
   * Creates {@code runDir/metrics.jsonl}, or appends to it (a resumed run).
   *
   * @param runDir the run directory
   * @param append add to the existing file instead of replacing it
   * @throws IOException if the file cannot be opened
   */
  public JsonlSink(Path runDir, boolean append) throws IOException {
    Files.createDirectories(runDir);
    this.file = runDir.resolve(FILE_NAME);
    this.out =
        Files.newOutputStream(
            file,
            StandardOpenOption.CREATE,
            append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE);
  }

  /** Returns the path of the file being written. */
  public Path file() {
    return file;
  }

  @Override
  public synchronized void onStep(StepMetrics m) throws IOException {
    JsonGenerator g = begin("step");
    g.writeNumberField("step", m.step());
    g.writeNumberField("total_steps", m.totalSteps());
    g.writeNumberField("epoch", m.epoch());
    g.writeNumberField("stage", m.stage());
    number(g, "loss", m.loss());
    number(g, "samples_per_s", m.samplesPerSecond());
    g.writeNumberField("rss_bytes", m.rssBytes());
    g.writeObjectFieldStart("lr");
    if (m.lr() != null) {
      for (Map.Entry<String, Double> e : m.lr().entrySet()) {
        number(g, e.getKey(), e.getValue() == null ? Double.NaN : e.getValue());
      }
    }
    g.writeEndObject();
    g.writeObjectFieldStart("groups");
    if (m.groups() != null) {
      for (Map.Entry<String, GroupStats> e : m.groups().entrySet()) {
        GroupStats s = e.getValue();
        g.writeObjectFieldStart(e.getKey());
        number(g, "lr", s.lr());
        number(g, "grad_norm", s.gradNorm());
        number(g, "weight_norm", s.weightNorm());
        number(g, "update_ratio", s.updateRatio());
        number(g, "log10_update_ratio", Math.log10(s.updateRatio()));
        number(g, "drift", s.drift());
        number(g, "frozen_fraction", s.frozenFraction());
        g.writeEndObject();
      }
    }
    g.writeEndObject();
    end(g);
  }

  @Override
  public synchronized void onEpoch(EpochMetrics m) throws IOException {
    JsonGenerator g = begin("epoch");
    g.writeNumberField("epoch", m.epoch());
    g.writeNumberField("stage", m.stage());
    g.writeNumberField("step", m.step());
    number(g, "train_loss", m.trainLoss());
    number(g, "train_accuracy", m.trainAccuracy());
    number(g, "valid_loss", m.validLoss());
    number(g, "valid_accuracy", m.validAccuracy());
    number(g, "seconds", m.seconds());
    metrics(g, "train_metrics", m.train());
    metrics(g, "valid_metrics", m.valid());
    end(g);
  }

  @Override
  public synchronized void onWarning(RunWarning w) throws IOException {
    JsonGenerator g = begin("warning");
    g.writeNumberField("step", w.step());
    g.writeStringField("group", w.group());
    g.writeStringField("cause", w.cause());
    g.writeStringField("message", w.message());
    end(g);
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }

  private JsonGenerator begin(String kind) throws IOException {
    JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    g.writeStartObject();
    g.writeStringField("kind", kind);
    return g;
  }

  private void end(JsonGenerator g) throws IOException {
    g.writeEndObject();
    g.writeRaw('\n');
    g.close();
    out.flush();
  }

  /** Writes a map of named metrics as an object (omitted when empty). */
  private static void metrics(JsonGenerator g, String field, Map<String, Double> m)
      throws IOException {
    if (m.isEmpty()) {
      return;
    }
    g.writeObjectFieldStart(field);
    for (Map.Entry<String, Double> e : m.entrySet()) {
      number(g, e.getKey(), e.getValue());
    }
    g.writeEndObject();
  }

  /** Writes a number, or {@code null} when it is NaN or infinite (JSON has neither). */
  private static void number(JsonGenerator g, String name, double v) throws IOException {
    if (Double.isFinite(v)) {
      g.writeNumberField(name, v);
    } else {
      g.writeNullField(name);
    }
  }
}
