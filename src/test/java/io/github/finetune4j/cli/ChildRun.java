package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.pipeline.RunDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@code finetune} command in a real child JVM, stopped by a signal once it reached a step. */
final class ChildRun {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ChildRun() {}

  /**
   * How the child ended.
   *
   * @param exitCode its exit code
   * @param lastStep the last step its metrics.jsonl holds
   */
  record Stopped(int exitCode, long lastStep) {}

  /**
   * Starts {@code finetune ARGS} in a child JVM and, once its {@code metrics.jsonl} has logged
   * {@code step}, sends it {@code signal} ({@code TERM}, {@code INT}), or SIGKILL when null.
   *
   * @param args the command line
   * @param out the run's output.dir (it must not be complete afterwards)
   * @param step the step to wait for
   * @param signal the signal, or null for SIGKILL
   * @param log where the child's output goes
   * @return how it ended
   */
  static Stopped signalAt(String[] args, Path out, long step, String signal, Path log)
      throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-Dai.djl.offline=true",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    cmd.addAll(List.of(args));
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Path metrics = RunDirectory.partialOf(out).resolve("metrics.jsonl");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (p.isAlive() && System.nanoTime() < deadline) {
      if (lastStep(metrics) >= step) {
        break;
      }
      Thread.sleep(2);
    }
    if (signal == null) {
      p.destroyForcibly(); // SIGKILL: no shutdown hook runs
    } else {
      new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
    }
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertFalse(Files.exists(out), "the run finished before it was stopped; stop it earlier");
    return new Stopped(p.exitValue(), lastStep(metrics));
  }

  /**
   * {@code run RECIPE SETUP... output.dir=OUT [--resume]}.
   *
   * @param recipe the recipe
   * @param setup overrides
   * @param out the output directory
   * @param resume whether to add {@code --resume}
   * @return the arguments
   */
  static String[] runArgs(String recipe, String[] setup, Path out, boolean resume) {
    List<String> a = new ArrayList<>(List.of("run", recipe));
    a.addAll(List.of(setup));
    a.add("output.dir=" + out);
    if (resume) {
      a.add("--resume");
    }
    return a.toArray(String[]::new);
  }

  /** The last step a metrics.jsonl holds (a torn last line does not count). */
  static long lastStep(Path metrics) throws IOException {
    if (!Files.isRegularFile(metrics)) {
      return 0;
    }
    long last = 0;
    for (String l : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
      int at = l.indexOf("\"step\":");
      if (l.startsWith("{\"kind\":\"step\"") && at >= 0 && l.endsWith("}")) {
        last = Long.parseLong(l.substring(at + 7, l.indexOf(',', at)));
      }
    }
    return last;
  }

  /** The losses by step, and the epoch records, of a finished run. */
  static List<String> trajectory(Path run) throws IOException {
    List<String> out = new ArrayList<>();
    for (String l : Files.readAllLines(run.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
      JsonNode o = JSON.readTree(l);
      out.add(
          o.get("kind").asText()
              + " "
              + o.path("step").asLong()
              + " "
              + (o.has("loss") ? o.get("loss").asDouble() : o.path("train_loss").asDouble()));
    }
    return out;
  }
}
