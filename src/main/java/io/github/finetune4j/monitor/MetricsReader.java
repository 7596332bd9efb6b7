package io.github.finetune4j.monitor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code metrics.jsonl} file written by {@link JsonlSink} back into the metric records.
 * Lines that are not valid JSON, have an unknown {@code kind} or lack a required field are skipped
 * and reported as {@link MetricsLog.Problem}s with their line number; {@code null} numbers become
 * NaN.
 */
public final class MetricsReader {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private MetricsReader() {}

  /**
   * Reads a metrics file.
   *
   * @param file the {@code metrics.jsonl} file
   * @return the records and the problems found
   * @throws IOException if the file cannot be read
   */
  public static MetricsLog read(Path file) throws IOException {
    List<StepMetrics> steps = new ArrayList<>();
    List<EpochMetrics> epochs = new ArrayList<>();
    List<RunWarning> warnings = new ArrayList<>();
    List<MetricsLog.Problem> problems = new ArrayList<>();
    int lineNo = 0;
    int nonBlank = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        nonBlank++;
        try {
          JsonNode n = MAPPER.readTree(line);
          if (n == null || !n.isObject()) {
            throw new BadRecord("not a JSON object");
          }
          String kind = text(n, "kind");
          switch (kind) {
            case "step" -> steps.add(step(n));
            case "epoch" -> epochs.add(epoch(n));
            case "warning" -> warnings.add(warning(n));
            default -> throw new BadRecord("unknown kind \"" + kind + "\"");
          }
        } catch (JsonProcessingException e) {
          problems.add(new MetricsLog.Problem(lineNo, "not valid JSON: " + e.getOriginalMessage()));
        } catch (BadRecord e) {
          problems.add(new MetricsLog.Problem(lineNo, e.getMessage()));
        }
      }
    }
    return new MetricsLog(steps, epochs, warnings, problems, nonBlank);
  }

  private static StepMetrics step(JsonNode n) throws BadRecord {
    Map<String, Double> lr = new LinkedHashMap<>();
    JsonNode lrNode = n.get("lr");
    if (lrNode != null && lrNode.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = lrNode.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        lr.put(e.getKey(), num(e.getValue(), "lr." + e.getKey()));
      }
    }
    Map<String, GroupStats> groups = new LinkedHashMap<>();
    JsonNode gNode = n.get("groups");
    if (gNode != null && gNode.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = gNode.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode s = e.getValue();
        if (!s.isObject()) {
          throw new BadRecord("groups." + e.getKey() + " is not an object");
        }
        groups.put(
            e.getKey(),
            new GroupStats(
                dbl(s, "lr"),
                dbl(s, "grad_norm"),
                dbl(s, "weight_norm"),
                dbl(s, "update_ratio"),
                dbl(s, "drift"),
                dbl(s, "frozen_fraction")));
      }
    }
    return new StepMetrics(
        lng(n, "step"),
        n.has("total_steps") ? lng(n, "total_steps") : -1,
        (int) lng(n, "epoch"),
        n.has("stage") ? (int) lng(n, "stage") : 0,
        dbl(n, "loss"),
        dbl(n, "samples_per_s"),
        n.has("rss_bytes") ? lng(n, "rss_bytes") : -1,
        lr,
        groups);
  }

  private static EpochMetrics epoch(JsonNode n) throws BadRecord {
    return new EpochMetrics(
        (int) lng(n, "epoch"),
        n.has("stage") ? (int) lng(n, "stage") : 0,
        lng(n, "step"),
        dbl(n, "train_loss"),
        metrics(n, "train_metrics", "train_accuracy"),
        dbl(n, "valid_loss"),
        metrics(n, "valid_metrics", "valid_accuracy"),
        dbl(n, "seconds"));
  }

  /** A map of named metrics; files written before there were maps have only the accuracy. */
  private static Map<String, Double> metrics(JsonNode n, String field, String accuracy)
      throws BadRecord {
    Map<String, Double> out = new LinkedHashMap<>();
    JsonNode m = n.get(field);
    if (m != null && !m.isNull()) {
      if (!m.isObject()) {
        throw new BadRecord("field \"" + field + "\" is not an object: " + m);
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.put(e.getKey(), num(e.getValue(), field + "." + e.getKey()));
      }
    } else if (!Double.isNaN(dbl(n, accuracy))) {
      out.put("accuracy", dbl(n, accuracy));
    }
    return out;
  }

  private static RunWarning warning(JsonNode n) throws BadRecord {
    return new RunWarning(lng(n, "step"), text(n, "group"), text(n, "cause"), text(n, "message"));
  }

  private static String text(JsonNode n, String key) throws BadRecord {
    JsonNode v = n.get(key);
    if (v == null || !v.isTextual()) {
      throw new BadRecord("missing text field \"" + key + "\"");
    }
    return v.asText();
  }

  private static long lng(JsonNode n, String key) throws BadRecord {
    JsonNode v = n.get(key);
    if (v == null || !v.isIntegralNumber()) {
      throw new BadRecord("missing integer field \"" + key + "\"");
    }
    return v.asLong();
  }

  /** A number that may be absent or null (both read as NaN). */
  private static double dbl(JsonNode n, String key) throws BadRecord {
    return num(n.get(key), key);
  }

  private static double num(JsonNode v, String key) throws BadRecord {
    if (v == null || v.isNull()) {
      return Double.NaN;
    }
    if (!v.isNumber()) {
      throw new BadRecord("field \"" + key + "\" is not a number: " + v);
    }
    return v.asDouble();
  }

  /** A line that parsed as JSON but is not a valid record. */
  private static final class BadRecord extends Exception {
    private static final long serialVersionUID = 1L;

    BadRecord(String message) {
      super(message);
    }
  }
}
