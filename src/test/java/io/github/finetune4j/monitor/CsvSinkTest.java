package io.github.finetune4j.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvSinkTest {

  @TempDir Path dir;

  @Test
  void writesOneRowPerStepWithPerGroupColumns() throws Exception {
    new SyntheticRun().feed(new CsvSink(dir));
    List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"));
    assertEquals(
        "step,epoch,stage,loss,samples_per_s,rss_mb,"
            + "lr/backbone,backbone/grad_norm,backbone/update_ratio,backbone/drift,"
            + "lr/head,head/grad_norm,head/update_ratio,head/drift",
        lines.get(0));
    assertEquals(51, lines.size());
    String[] first = lines.get(1).split(",", -1);
    assertEquals(14, first.length);
    assertEquals("1", first[0]);
    assertEquals("300.0", first[5]);
    assertEquals("0.0", first[6]);
    assertEquals("", first[8], "NaN update ratio is an empty cell");
    assertEquals("0.01", first[12]);
    String[] second = lines.get(2).split(",", -1);
    assertEquals("", second[7], "unsampled step has empty diagnostics");
    assertEquals(Double.toString(1e-3 * (1 - 1 / 50.0)), second[10]);
  }

  @Test
  void quotesOddGroupNamesAndIgnoresLateGroups() throws Exception {
    try (CsvSink sink = new CsvSink(dir)) {
      sink.onStep(new StepMetrics(1, 2, 1, 0, 0.5, 1, -1, Map.of("a,\"b\"", 0.1), Map.of()));
      sink.onStep(
          new StepMetrics(
              2, 2, 1, 0, Double.NaN, 1, -1, Map.of("a,\"b\"", 0.1, "late", 0.2), Map.of()));
    }
    List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"));
    assertEquals(
        "step,epoch,stage,loss,samples_per_s,rss_mb,\"lr/a,\"\"b\"\"\",\"a,\"\"b\"\"/grad_norm\","
            + "\"a,\"\"b\"\"/update_ratio\",\"a,\"\"b\"\"/drift\"",
        lines.get(0));
    assertEquals("2,1,0,,1.0,,0.1,,,", lines.get(2));
  }
}
