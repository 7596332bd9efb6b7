package io.github.finetune4j.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlSinkTest {

  @TempDir Path dir;

  @Test
  void writesOneSnakeCaseObjectPerLineWithNullForNan() throws Exception {
    SyntheticRun run = new SyntheticRun();
    run.feed(new JsonlSink(dir));
    List<String> lines = Files.readAllLines(dir.resolve("metrics.jsonl"));
    assertEquals(50 + 2 + 1, lines.size());
    ObjectMapper mapper = new ObjectMapper();
    JsonNode first = mapper.readTree(lines.get(0));
    assertEquals("step", first.get("kind").asText());
    assertEquals(1, first.get("step").asLong());
    assertEquals(50, first.get("total_steps").asLong());
    assertTrue(first.get("samples_per_s").isNumber());
    assertEquals(0.0, first.get("lr").get("backbone").asDouble());
    JsonNode backbone = first.get("groups").get("backbone");
    assertTrue(backbone.get("update_ratio").isNull(), "NaN is written as null");
    assertTrue(backbone.get("log10_update_ratio").isNull());
    JsonNode head = first.get("groups").get("head");
    assertEquals(-2.0, head.get("log10_update_ratio").asDouble(), 1e-12);
    assertEquals(
        List.of(
            "lr",
            "grad_norm",
            "weight_norm",
            "update_ratio",
            "log10_update_ratio",
            "drift",
            "frozen_fraction"),
        iterable(head.fieldNames()));
    assertEquals(0, mapper.readTree(lines.get(1)).get("groups").size(), "unsampled step");
    long kinds = lines.stream().filter(l -> l.contains("\"kind\":\"epoch\"")).count();
    assertEquals(2, kinds);
    JsonNode warning =
        mapper.readTree(lines.stream().filter(l -> l.contains("warning")).findFirst().get());
    assertEquals("exploding", warning.get("cause").asText());
  }

  @Test
  void eachLineIsOnDiskBeforeClose() throws Exception {
    SyntheticRun run = new SyntheticRun();
    JsonlSink sink = new JsonlSink(dir);
    sink.onStep(run.steps.get(0));
    sink.onStep(run.steps.get(1));
    assertEquals(2, Files.readAllLines(dir.resolve("metrics.jsonl")).size());
    sink.close();
  }

  @Test
  void readerRoundTripsTheRecords() throws Exception {
    SyntheticRun run = new SyntheticRun();
    run.feed(new JsonlSink(dir));
    MetricsLog log = MetricsReader.read(dir.resolve("metrics.jsonl"));
    assertEquals(List.of(), log.problems());
    assertEquals(run.steps.size(), log.steps().size());
    // Records compare NaN components equal (Double.compare semantics), so whole records match.
    assertEquals(run.steps, log.steps());
    assertEquals(run.epochs, log.epochs());
    assertEquals(run.warnings, log.warnings());
    assertEquals(List.of("backbone", "head"), List.copyOf(log.steps().get(0).lr().keySet()));
  }

  @Test
  void readerReportsCorruptLinesWithTheirNumbersAndSkipsThem() throws Exception {
    SyntheticRun run = new SyntheticRun();
    try (JsonlSink sink = new JsonlSink(dir)) {
      sink.onStep(run.steps.get(0));
      sink.onStep(run.steps.get(1));
    }
    Path file = dir.resolve("metrics.jsonl");
    Files.writeString(
        file,
        "this is not json\n"
            + "{\"kind\":\"mystery\"}\n"
            + "{\"kind\":\"step\",\"loss\":1}\n"
            + "\n"
            + "{\"kind\":\"step\",\"step\":9,\"epoch\":1,\"loss\":0.5,\"lr\":{},\"gro",
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
    MetricsLog log = MetricsReader.read(file);
    assertEquals(2, log.steps().size());
    assertEquals(List.of(3, 4, 5, 7), log.problems().stream().map(p -> p.line()).toList());
    assertTrue(log.problems().get(1).message().contains("mystery"), log.problems().toString());
    assertTrue(log.problems().get(2).message().contains("step"), log.problems().toString());
    assertEquals(Map.of(), log.steps().get(1).groups());
  }

  private static List<String> iterable(Iterator<String> it) {
    List<String> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
