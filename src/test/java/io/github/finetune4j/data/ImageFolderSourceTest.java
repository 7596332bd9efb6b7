package io.github.finetune4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image folders on disk: layout checks, decoding, bad images, sampling and carving. */
class ImageFolderSourceTest {

  @TempDir Path tmp;

  private static final ImageTransform GRAY = new ImageTransform(1, null, null, 0, null, null);

  /** Writes a w x h grayscale PNG whose pixel (x, y) is {@code base + x}. */
  static void png(Path file, int w, int h, int base) throws Exception {
    Files.createDirectories(file.getParent());
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.getRaster().setSample(x, y, 0, base + x);
      }
    }
    ImageIO.write(img, "png", file.toFile());
  }

  private Path folder() throws Exception {
    Path d = tmp.resolve("f");
    png(d.resolve("a/1.png"), 3, 2, 0);
    png(d.resolve("a/2.png"), 3, 2, 10);
    png(d.resolve("b/1.png"), 3, 2, 20);
    Files.writeString(d.resolve("b/README.txt"), "not an image; not read");
    return d;
  }

  @Test
  void readsEveryImageInClassOrderWithItsPixels() throws Exception {
    ImageFolderSource.Images im =
        new ImageFolderSource(folder(), List.of("a", "b"), GRAY, false).read();
    assertEquals(3, im.data().rows());
    assertArrayEquals(new int[] {0, 0, 1}, im.data().labels());
    assertEquals(2, im.height());
    assertEquals(3, im.width());
    assertArrayEquals(
        new float[] {20 / 255f, 21 / 255f, 22 / 255f, 20 / 255f, 21 / 255f, 22 / 255f},
        im.data().row(2),
        1e-7f);
  }

  @Test
  void theSubFoldersMustBeTheClasses() throws Exception {
    Path d = folder();
    DataException missing =
        assertThrows(
            DataException.class,
            () -> new ImageFolderSource(d, List.of("a", "b", "c"), GRAY, false).files());
    assertTrue(missing.getMessage().contains("no sub-folder for [c]"), missing::getMessage);
    DataException extra =
        assertThrows(
            DataException.class, () -> new ImageFolderSource(d, List.of("a"), GRAY, false).files());
    assertTrue(extra.getMessage().contains("not a class: [b]"), extra::getMessage);
    Files.createDirectories(d.resolve("c"));
    DataException empty =
        assertThrows(
            DataException.class,
            () -> new ImageFolderSource(d, List.of("a", "b", "c"), GRAY, false).files());
    assertTrue(empty.getMessage().contains("the class 'c' has no image"), empty::getMessage);
  }

  @Test
  void anUnreadableImageFailsWithItsPathOrIsSkippedAndCounted() throws Exception {
    Path d = folder();
    Path bad = d.resolve("a/3.png");
    Files.write(bad, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2});
    DataException e =
        assertThrows(
            DataException.class,
            () -> new ImageFolderSource(d, List.of("a", "b"), GRAY, false).read());
    assertTrue(e.getMessage().startsWith(bad + ": cannot read the image"), e::getMessage);
    ImageFolderSource.Images im = new ImageFolderSource(d, List.of("a", "b"), GRAY, true).read();
    assertEquals(3, im.data().rows());
    assertEquals(1, im.skipped());
    assertTrue(im.firstSkipped().startsWith(bad.toString()), im::firstSkipped);
  }

  @Test
  void imagesOfDifferentSizesNeedAResize() throws Exception {
    Path d = folder();
    png(d.resolve("b/2.png"), 4, 4, 0);
    DataException e =
        assertThrows(
            DataException.class,
            () -> new ImageFolderSource(d, List.of("a", "b"), GRAY, false).read());
    assertTrue(e.getMessage().contains("give data.image.resize"), e::getMessage);
    ImageTransform resize = new ImageTransform(1, new int[] {5, 5}, null, 1, null, null);
    ImageFolderSource.Images im = new ImageFolderSource(d, List.of("a", "b"), resize, false).read();
    assertEquals(7, im.height(), "5 + 2 x pad 1");
    assertEquals(4, im.data().rows());
  }

  @Test
  void aBalancedSampleTakesTurnsOverTheClasses() {
    int[][] pick = ImageFolderSource.balanced(new int[] {10, 2, 10}, 7, 5);
    assertEquals(3, pick[0].length);
    assertEquals(2, pick[1].length, "a class with 2 gives its 2");
    assertEquals(2, pick[2].length);
    assertArrayEquals(pick[0], ImageFolderSource.balanced(new int[] {10, 2, 10}, 7, 5)[0]);
    int[] sorted = pick[0].clone();
    Arrays.sort(sorted);
    assertArrayEquals(sorted, pick[0]);
  }

  @Test
  void carvingSplitsEachClassWithoutOverlap() {
    int[][][] parts = ImageFolderSource.carve(new int[] {10, 3}, 0.2, 9);
    assertEquals(8, parts[0][0].length);
    assertEquals(2, parts[1][0].length);
    assertEquals(1, parts[1][1].length, "round(0.6) = 1");
    for (int c = 0; c < 2; c++) {
      for (int v : parts[1][c]) {
        assertTrue(Arrays.stream(parts[0][c]).noneMatch(r -> r == v));
      }
    }
  }
}
