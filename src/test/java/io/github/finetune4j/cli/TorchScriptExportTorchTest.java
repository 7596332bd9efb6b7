package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TorchScript model fine-tuned with its own head kept is also exported as {@code model/model.pt};
 * Debian's python3-torch ({@code torch.jit.load}, an independent libtorch) runs it on the test rows
 * and agrees with {@code finetune predict}. Needs {@code /usr/bin/python3} with torch: skipped with
 * a message without it, failed when {@code CI=true} ({@code .ci/install-test-tools.sh} installs
 * it).
 */
class TorchScriptExportTorchTest {

  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final Path SCRIPT = Path.of("src/test/python/check_torchscript_export.py");
  private static final String ROWS = "data/diabetes/test.csv";

  @TempDir Path tmp;

  @Test
  void torchJitLoadOfTheExportAgreesWithPredict() throws Exception {
    requireTorch();
    Path run = tmp.resolve("diabetes");
    CliResult r =
        CliResult.run("run", "recipes/tabular/diabetes-regression.yaml", "output.dir=" + run);
    assertEquals(0, r.code(), r::toString);
    CliResult p = CliResult.run("predict", run.toString(), "--input", ROWS, "--format", "jsonl");
    assertEquals(0, p.code(), p::toString);
    List<String> ours = p.out().lines().toList();
    List<String> theirs = python(run.resolve("model").toString(), ROWS);
    assertEquals(72, ours.size());
    assertEquals(ours.size(), theirs.size(), String.join("\n", theirs));
    ObjectMapper json = new ObjectMapper();
    for (int i = 0; i < ours.size(); i++) {
      double a = json.readTree(ours.get(i)).get("progression").asDouble();
      double b = Double.parseDouble(theirs.get(i));
      assertEquals(a, b, 1e-5 * Math.max(1, Math.abs(a)), "row " + i);
    }
  }

  private static void requireTorch() throws Exception {
    String why = null;
    if (!Files.isExecutable(PYTHON)) {
      why = PYTHON + " not found";
    } else {
      Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch").start();
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        why = "python3-torch is not installed (apt-get install python3-torch)";
      }
    }
    if (why == null) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(why + " (CI=true, so this is a failure, not a skip)");
    }
    Assumptions.abort("Skipped: " + why + "; it checks the TorchScript export with torch.jit.load");
  }

  private static List<String> python(String modelDir, String rows) throws Exception {
    Process p =
        new ProcessBuilder(PYTHON.toString(), SCRIPT.toString(), modelDir, rows)
            .redirectErrorStream(true)
            .start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python finished");
    assertEquals(0, p.exitValue(), out);
    return out.lines().toList();
  }
}
