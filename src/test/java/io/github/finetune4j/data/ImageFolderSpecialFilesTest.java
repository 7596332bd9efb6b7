package io.github.finetune4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #23: an entry named like an image that is not a regular file — a named pipe, a symbolic
 * link in a loop — was silently left out even under {@code on_bad_record: fail}. It is refused with
 * the reason (never opened: a pipe would block), or, with skip, left out and counted.
 */
class ImageFolderSpecialFilesTest {

  private static final ImageTransform GRAY = new ImageTransform(1, null, null, 0, null, null);
  private static final List<String> CLASSES = List.of("0", "1");

  @TempDir Path root;

  private void realImages() throws Exception {
    for (String c : CLASSES) {
      Path to = Files.createDirectories(root.resolve(c));
      try (Stream<Path> s = Files.list(Path.of("data/digits-images/train").resolve(c))) {
        for (Path f : s.sorted().limit(2).toList()) {
          Files.copy(f, to.resolve(f.getFileName()));
        }
      }
    }
  }

  @Test
  void aNamedPipeIsRefusedWithoutBeingOpenedOrSkippedAndCounted() throws Exception {
    realImages();
    Path fifo = root.resolve("1/zz.png");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    DataException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(20),
            () ->
                assertThrows(
                    DataException.class,
                    () -> new ImageFolderSource(root, CLASSES, GRAY, false).read()));
    assertEquals(
        fifo
            + ": cannot read the image: not a regular file (a named pipe, device or socket)"
            + " (data.*.on_bad_record: skip leaves it out)",
        e.getMessage());
    ImageFolderSource.Images skipped =
        assertTimeoutPreemptively(
            Duration.ofSeconds(20), () -> new ImageFolderSource(root, CLASSES, GRAY, true).read());
    assertEquals(1, skipped.skipped());
    assertEquals(4, skipped.data().rows());
  }

  @Test
  void aLinkInALoopIsRefused() throws Exception {
    realImages();
    Path loop = root.resolve("0/loop.png");
    Files.createSymbolicLink(loop, loop.getFileName());
    DataException e =
        assertThrows(
            DataException.class, () -> new ImageFolderSource(root, CLASSES, GRAY, false).read());
    assertTrue(
        e.getMessage().startsWith(loop + ": cannot read the image: a link that leads nowhere"),
        e.getMessage());
  }
}
