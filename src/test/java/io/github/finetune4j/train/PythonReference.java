package io.github.finetune4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs a reference script under Debian's {@code /usr/bin/python3} (with {@code
 * OPENBLAS_CORETYPE=SkylakeX}, which its OpenBLAS needs on some CPUs): input as a JSON file, output
 * as JSON on stdout. A missing interpreter or module skips the test with a message, and fails it
 * when {@code CI=true} ({@code .ci/install-test-tools.sh} installs them).
 */
final class PythonReference {

  static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final boolean AVX512 = avx512();

  private PythonReference() {}

  /**
   * Skips (or, with CI=true, fails) the calling test unless python3 can import every module.
   *
   * @param packages the Debian packages that provide them, for the message
   */
  static void require(String packages, String... modules) throws Exception {
    String why = null;
    if (!Files.isExecutable(PYTHON)) {
      why = PYTHON + " not found";
    } else {
      Process p =
          process(List.of("-c", "import " + String.join(", ", modules)))
              .redirectErrorStream(true)
              .start();
      p.getInputStream().readAllBytes();
      if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
        why =
            "python3 cannot import "
                + String.join(", ", modules)
                + " (apt-get install "
                + packages
                + ")";
      }
    }
    if (why == null) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(why + " (CI=true, so this is a failure, not a skip)");
    }
    Assumptions.abort("Skipped: " + why + "; it computes the reference values");
  }

  /** Runs {@code script} on {@code input} (written as JSON to a file in {@code dir}). */
  static JsonNode run(Path script, Object input, Path dir) throws Exception {
    Path in = dir.resolve("input.json");
    JSON.writeValue(in.toFile(), input);
    List<String> args = new ArrayList<>(List.of(script.toString(), in.toString()));
    Process p = process(args).start();
    String out;
    String err;
    try (InputStream o = p.getInputStream();
        InputStream e = p.getErrorStream()) {
      out = new String(o.readAllBytes(), StandardCharsets.UTF_8);
      err = new String(e.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "python finished");
    assertEquals(0, p.exitValue(), err + out);
    return JSON.readTree(out);
  }

  private static boolean avx512() {
    try {
      return Files.readString(Path.of("/proc/cpuinfo")).contains(" avx512f");
    } catch (Exception e) {
      return false;
    }
  }

  private static ProcessBuilder process(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(PYTHON.toString());
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    if (AVX512) {
      pb.environment().put("OPENBLAS_CORETYPE", "SkylakeX");
    }
    pb.environment().put("OMP_NUM_THREADS", "1");
    return pb;
  }
}
