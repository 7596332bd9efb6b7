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
  void aTruncatedJpegIsUnreadableNotPartlyGray() throws Exception {
    // Found by DataFuzzTest: ImageIO decodes a JPEG cut short with a warning only, the missing
    // part gray, and the image was read as if whole.
    Path d = folder();
    BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 64; y++) {
      for (int x = 0; x < 64; x++) {
        img.getRaster().setSample(x, y, 0, (x * 7 + y * 13) % 256);
      }
    }
    Path jpg = d.resolve("b/2.jpg");
    assertTrue(ImageIO.write(img, "jpeg", jpg.toFile()));
    byte[] whole = Files.readAllBytes(jpg);
    Files.write(jpg, Arrays.copyOf(whole, whole.length * 9 / 10));
    ImageTransform resize = new ImageTransform(1, new int[] {3, 2}, null, 0, null, null);
    DataException e =
        assertThrows(
            DataException.class,
            () -> new ImageFolderSource(d, List.of("a", "b"), resize, false).read());
    assertEquals(
        jpg
            + ": cannot read the image: it decodes only with a warning ('Truncated File - Missing"
            + " EOI marker'): the file is cut short or damaged (data.*.on_bad_record: skip leaves"
            + " it out)",
        e.getMessage());
    ImageFolderSource.Images im = new ImageFolderSource(d, List.of("a", "b"), resize, true).read();
    assertEquals(1, im.skipped());
    DataException predict =
        assertThrows(DataException.class, () -> resize.read(jpg, 3, 2), "predict reads it alike");
    assertTrue(
        predict.getMessage().startsWith(jpg + ": cannot read the image: it decodes only with"));
  }

  @Test
  void anImageTooLargeToHoldIsRefusedBeforeItIsDecoded() throws Exception {
    // Found by DataFuzzTest: a PNG whose header says 65535x32768 took seconds and gigabytes
    // before ImageIO gave up, with "Caught exception during read:".
    Path d = folder();
    Path big = d.resolve("a/1.png");
    byte[] b = Files.readAllBytes(big);
    int w = 65_535;
    int h = 32_768;
    for (int i = 0; i < 4; i++) {
      b[16 + i] = (byte) (w >>> (24 - 8 * i));
      b[20 + i] = (byte) (h >>> (24 - 8 * i));
    }
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(b, 12, 17);
    long v = crc.getValue();
    for (int i = 0; i < 4; i++) {
      b[29 + i] = (byte) (v >>> (24 - 8 * i));
    }
    Files.write(big, b);
    long start = System.nanoTime();
    DataException e =
        assertThrows(
            DataException.class,
            () -> new ImageFolderSource(d, List.of("a", "b"), GRAY, false).read());
    assertEquals(
        big
            + ": cannot read the image: it is 65535x32768 pixels, more than the 89478485 an image"
            + " may have (data.*.on_bad_record: skip leaves it out)",
        e.getMessage());
    assertTrue(System.nanoTime() - start < 1_000_000_000L, "refused before decoding");
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
