package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.pipeline.TinyExport;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code predict --input} reads its input as a stream: an endless line ({@code /dev/zero}) is
 * refused at the line limit instead of filling the heap, and a FIFO (what {@code --input <(cmd)}
 * gives) is read like a file instead of being refused with "Illegal seek".
 */
class PredictStreamsTest {

  @TempDir Path tmp;
  private Path run;

  @BeforeEach
  void export() {
    run = TinyExport.write(tmp.resolve("run"));
  }

  @Test
  void anEndlessLineIsRefusedAtTheLineLimit() {
    CliResult r =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60),
            () -> CliResult.run("predict", run.toString(), "--input", "/dev/zero"));
    assertEquals(2, r.code(), r::toString);
    assertEquals(
        "finetune: cannot predict:\n"
            + "  - /dev/zero:1: longer than 1048576 characters, the most a line may hold\n"
            + "Nothing was written.\n",
        r.err(),
        r::toString);
    assertEquals("", r.out(), r::toString);
  }

  @Test
  void aLineAtTheLimitIsReadAndOneOverIsRefused() throws Exception {
    Path ok = tmp.resolve("ok.txt");
    Files.writeString(ok, "a".repeat(1 << 20) + "\nb\n");
    CliResult r = CliResult.run("predict", run.toString(), "--input", ok.toString());
    assertEquals(0, r.code(), r::toString);
    assertEquals(2, r.out().lines().count(), r::toString);

    Path over = tmp.resolve("over.txt");
    Files.writeString(over, "b\n" + "a".repeat((1 << 20) + 1) + "\n");
    r = CliResult.run("predict", run.toString(), "--input", over.toString());
    assertEquals(2, r.code(), r::toString);
    assertTrue(
        r.err().contains(over + ":2: longer than 1048576 characters, the most a line may hold"),
        r::toString);
    assertEquals("", r.out(), r::toString);
  }

  @Test
  void aFifoWithAWriterIsRead() throws Exception {
    Path fifo = tmp.resolve("texts.fifo");
    Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertEquals(0, p.waitFor());
    AtomicReference<Exception> failure = new AtomicReference<>();
    Thread writer =
        new Thread(
            () -> {
              try (OutputStream o = Files.newOutputStream(fifo)) {
                o.write("free money now\n\nsee you at lunch\n".getBytes(StandardCharsets.UTF_8));
              } catch (Exception e) {
                failure.set(e);
              }
            });
    writer.setDaemon(true);
    writer.start();
    CliResult r =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60),
            () -> CliResult.run("predict", run.toString(), "--input", fifo.toString()));
    writer.join(10_000);
    assertEquals(null, failure.get());
    assertEquals(0, r.code(), r::toString);
    assertEquals(2, r.out().lines().count(), r::toString);
    assertTrue(r.out().lines().toList().get(1).endsWith("\tsee you at lunch"), r::toString);
    assertFalse(r.err().contains("Illegal seek"), r::toString);
  }
}
