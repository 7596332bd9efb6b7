package io.github.finetune4j.model.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Checks an ONNX file with the ONNX project's own checker ({@code onnx.checker.check_model} with
 * {@code full_check=True}, which also runs shape inference), from Debian's {@code python3-onnx}: an
 * independent reader of the protobuf this project writes by hand. Skipped with a message when
 * python3-onnx is missing, failed instead when {@code CI=true} ({@code .ci/install-test-tools.sh}
 * installs it).
 */
public final class OnnxChecker {

  private static final Path PYTHON = Path.of("/usr/bin/python3");

  private static final String SCRIPT =
      "import onnx, sys\n"
          + "m = onnx.load(sys.argv[1])\n"
          + "onnx.checker.check_model(m, full_check=True)\n"
          + "print('ir', m.ir_version, 'opset', m.opset_import[0].version,"
          + " 'inputs', ','.join(i.name for i in m.graph.input),"
          + " 'outputs', ','.join(o.name for o in m.graph.output))\n";

  private OnnxChecker() {}

  /**
   * Runs the checker on a file and returns its one-line description: {@code ir 8 opset 17 inputs
   * a,b outputs c}.
   *
   * @param file the ONNX file
   * @return what the checker's script printed
   * @throws IOException when python3 cannot be run
   * @throws InterruptedException when interrupted
   */
  public static String check(Path file) throws IOException, InterruptedException {
    requireOnnx();
    Process p =
        new ProcessBuilder(PYTHON.toString(), "-c", SCRIPT, file.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("onnx.checker did not finish in 120 s on " + file);
    }
    assertEquals(0, p.exitValue(), "onnx.checker refused " + file + ":\n" + out);
    return out.substring(out.lastIndexOf('\n') + 1);
  }

  private static void requireOnnx() throws IOException, InterruptedException {
    String why = null;
    if (!Files.isExecutable(PYTHON)) {
      why = PYTHON + " is missing";
    } else {
      Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import onnx").start();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        why = "python3-onnx is not installed (apt-get install python3-onnx)";
      }
    }
    if (why == null) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(why + " (CI=true, so this is a failure, not a skip)");
    }
    Assumptions.abort("Skipped: " + why + "; it checks the ONNX files this project writes");
  }
}
