package io.github.finetune4j.monitor;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the external programs some tests check our output with. A missing program fails the test
 * when the environment variable {@code CI} is {@code true} (CI installs them with {@code
 * .ci/install-test-tools.sh}); elsewhere the test is skipped with a message saying so.
 */
final class ExternalTools {

  private ExternalTools() {}

  /** Returns the first of {@code names} found on the PATH, or fails/skips as described above. */
  static Path require(String purpose, String... names) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String name : names) {
      for (String dir : path.split(File.pathSeparator)) {
        if (dir.isEmpty()) {
          continue;
        }
        Path candidate = Path.of(dir, name);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    String message =
        String.join(" or ", names)
            + " not found on PATH; it is needed to "
            + purpose
            + ". Install it with .ci/install-test-tools.sh";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message + " (CI=true, so this is a failure, not a skip)");
    }
    Assumptions.abort("Skipped: " + message);
    throw new AssertionError("unreachable");
  }
}
