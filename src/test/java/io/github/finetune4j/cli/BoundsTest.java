package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Every count a user gives is bounded and refused with a sentence naming the bound (exit 2, before
 * any work), and an {@link Error} that escapes a command still gets one paragraph and exit 1.
 */
class BoundsTest {
  private static final String RECIPE = "recipes/tabular/breast-cancer-mlp.yaml";

  @TempDir Path tmp;

  private static void assertRefused(CliResult r, String heading, String problem) {
    assertEquals(2, r.code(), r::toString);
    assertEquals(
        "finetune: " + heading + ":\n  - " + problem + "\nNothing was written.\n",
        r.err(),
        r::toString);
    assertEquals("", r.out(), r::toString);
  }

  @Test
  void sweepSeedsAreBounded() {
    Path out = tmp.resolve("sweep");
    CliResult r =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60),
            () ->
                CliResult.run(
                    "sweep", RECIPE, "--seeds", "2000000000", "--list", "--out", out.toString()));
    assertRefused(r, "cannot sweep", "--seeds must be between 1 and 1000, got 2000000000");
    assertFalse(Files.exists(out));
  }

  @Test
  void theNumberOfTrialsIsBounded() {
    List<String> args = new ArrayList<>(List.of("sweep", RECIPE, "--list"));
    for (String key : List.of("optimizer.lr", "optimizer.weight_decay", "data.batch_size")) {
      StringBuilder values = new StringBuilder();
      for (int i = 1; i <= 100; i++) {
        values.append(i == 1 ? "" : ",").append(i);
      }
      args.add("--grid");
      args.add(key + "=" + values);
    }
    args.addAll(List.of("--seeds", "1000", "--out", tmp.resolve("sweep").toString()));
    CliResult r =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60), () -> CliResult.run(args.toArray(String[]::new)));
    assertRefused(
        r,
        "cannot sweep",
        "the sweep has 1000000000 trials (1 recipe × 1000000 grid points × 1000 seeds);"
            + " at most 10000 are allowed: give fewer --grid values or --seeds");
  }

  @Test
  void lrFindStepsAreBounded() {
    Path out = tmp.resolve("lrf");
    CliResult r =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60),
            () ->
                CliResult.run("lr-find", RECIPE, "--steps", "2000000000", "--out", out.toString()));
    assertRefused(
        r,
        "cannot run lr-find on " + RECIPE,
        "--start/--end/--steps/--stage: steps must be between 5 and 10000, got 2000000000");
    assertFalse(Files.exists(out));
  }

  @Command(name = "boom")
  static final class Boom implements java.util.concurrent.Callable<Integer> {
    static Error error;

    @Override
    public Integer call() {
      throw error;
    }
  }

  private static CliResult execute(Error e) {
    Boom.error = e;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream ps = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.execute(new CommandLine(new Boom()), new String[0], ps);
    }
    return new CliResult(code, "", err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void anOutOfMemoryErrorGetsOneParagraphAndExit1() {
    CliResult r = execute(new OutOfMemoryError("Java heap space"));
    assertEquals(1, r.code(), r::toString);
    assertEquals(
        "finetune: the run failed: out of memory (Java heap space); give Java more with"
            + " FINETUNE_JAVA_OPTS=-Xmx8g, or a smaller input\n"
            + "(set FINETUNE_DEBUG=1 for the stack trace)\n",
        r.err(),
        r::toString);
  }

  @Test
  void aStackOverflowGetsOneParagraphAndExit1() {
    CliResult r = execute(new StackOverflowError());
    assertEquals(1, r.code(), r::toString);
    assertEquals(
        "finetune: the run failed: the stack overflowed (an input nested too deeply?)\n"
            + "(set FINETUNE_DEBUG=1 for the stack trace)\n",
        r.err(),
        r::toString);
  }
}
