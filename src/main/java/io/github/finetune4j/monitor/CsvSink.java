package io.github.finetune4j.monitor;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes {@code metrics.csv} in a run directory: one row per step with the columns {@code step,
 * epoch, stage, loss, samples_per_s, rss_mb}, then for each group {@code lr/<group>,
 * <group>/grad_norm, <group>/update_ratio, <group>/drift}.
 *
 * <p>The group set is fixed by the first step's {@code lr} map; groups that appear later are not
 * written. NaN, infinite and missing values (steps where diagnostics were not sampled, unknown RSS)
 * are empty cells. Epochs and warnings are not part of this file (see {@code metrics.jsonl}).
 */
public final class CsvSink implements MetricsSink {

  /** File name inside the run directory. */
  public static final String FILE_NAME = "metrics.csv";

  private static final double MIB = 1024.0 * 1024.0;

  private final BufferedWriter out;
  private List<String> groups;
  private final boolean appending;

  /**
   * Creates (or truncates) {@code runDir/metrics.csv}, creating the run directory if needed.
   *
   * @param runDir the run directory
   * @throws IOException if the file cannot be created
   */
  public CsvSink(Path runDir) throws IOException {
    this(runDir, false);
  }

  /**
   * Creates {@code runDir/metrics.csv}, or appends rows to it without a new header (a resumed run).
   *
   * @param runDir the run directory
   * @param append add to the existing file instead of replacing it
   * @throws IOException if the file cannot be opened
   */
  public CsvSink(Path runDir, boolean append) throws IOException {
    Files.createDirectories(runDir);
    this.out =
        append
            ? Files.newBufferedWriter(
                runDir.resolve(FILE_NAME),
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)
            : Files.newBufferedWriter(runDir.resolve(FILE_NAME), StandardCharsets.UTF_8);
    this.appending = append;
  }

  @Override
  public synchronized void onStep(StepMetrics m) throws IOException {
    if (groups == null) {
      groups = new ArrayList<>(m.lr().keySet());
      List<String> header =
          new ArrayList<>(List.of("step", "epoch", "stage", "loss", "samples_per_s", "rss_mb"));
      for (String g : groups) {
        header.addAll(List.of("lr/" + g, g + "/grad_norm", g + "/update_ratio", g + "/drift"));
      }
      if (!appending) {
        writeRow(header);
      }
    }
    List<String> row = new ArrayList<>();
    row.add(Long.toString(m.step()));
    row.add(Integer.toString(m.epoch()));
    row.add(Integer.toString(m.stage()));
    row.add(num(m.loss()));
    row.add(num(m.samplesPerSecond()));
    row.add(m.rssBytes() < 0 ? "" : num(m.rssBytes() / MIB));
    Map<String, GroupStats> stats = m.groups() == null ? Map.of() : m.groups();
    for (String g : groups) {
      Double lr = m.lr().get(g);
      row.add(lr == null ? "" : num(lr));
      GroupStats s = stats.get(g);
      row.add(s == null ? "" : num(s.gradNorm()));
      row.add(s == null ? "" : num(s.updateRatio()));
      row.add(s == null ? "" : num(s.drift()));
    }
    writeRow(row);
    out.flush();
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }

  private void writeRow(List<String> cells) throws IOException {
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        out.write(',');
      }
      out.write(quote(cells.get(i)));
    }
    out.write('\n');
  }

  /** RFC 4180 quoting for cells (group names) that contain a comma, quote or line break. */
  static String quote(String cell) {
    if (cell.indexOf(',') < 0
        && cell.indexOf('"') < 0
        && cell.indexOf('\n') < 0
        && cell.indexOf('\r') < 0) {
      return cell;
    }
    return '"' + cell.replace("\"", "\"\"") + '"';
  }

  private static String num(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "";
  }
}
