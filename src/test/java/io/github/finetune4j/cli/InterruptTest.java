package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.pipeline.RunDirectory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SIGTERM and SIGINT stop a real {@code finetune run} process mid-training with one line that says
 * where it stopped and what it left, and the shell's exit codes 143 and 130.
 */
class InterruptTest {

  @TempDir Path tmp;

  @ParameterizedTest
  @CsvSource({"TERM, 143", "INT, 130"})
  void aSignalMidRunPrintsOneLineAndExitsWithTheShellsCode(String signal, int code)
      throws Exception {
    Path runDir = tmp.resolve("run");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g",
                "-Dai.djl.offline=true",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "run",
                "recipes/quickstart.yaml",
                "data.train.limit=400",
                "data.valid.limit=8",
                "data.test.limit=8",
                "data.max_length=24",
                "monitor.every=1",
                "output.dir=" + runDir));
    Process p = new ProcessBuilder(cmd).redirectError(tmp.resolve("err.txt").toFile()).start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      long seen = 0;
      while ((line = out.readLine()) != null) {
        Matcher m = Pattern.compile("^epoch 1 step (\\d+)/").matcher(line);
        if (m.find() && (seen = Long.parseLong(m.group(1))) >= 2) {
          break;
        }
      }
      assertTrue(seen >= 2, "training started");
      new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the process ended");
      assertEquals(code, p.exitValue());
      String err = Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8).strip();
      Path partial = RunDirectory.partialOf(runDir.toAbsolutePath());
      Matcher m =
          Pattern.compile(
                  "finetune: interrupted \\(SIG"
                      + signal
                      + "\\) at step (\\d+);"
                      + " the partial run is left in "
                      + Pattern.quote(partial.toString())
                      + " .*")
              .matcher(err);
      assertTrue(m.find(), err);
      assertTrue(Long.parseLong(m.group(1)) >= seen, err);
      assertEquals(1, err.lines().filter(l -> l.startsWith("finetune:")).count(), err);
      assertTrue(RunDirectory.isRun(partial), "the partial run is there");
      assertFalse(Files.exists(runDir), "and does not look complete");
    } finally {
      p.destroyForcibly();
    }
  }
}
