package io.github.finetune4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The pixel operations against independently computed values: the resize against torch 1.13's
 * {@code F.interpolate(x, size, mode="bilinear", align_corners=False)} (values printed by Debian's
 * python3-torch and pasted here), crop, pad and normalize by hand.
 */
class ImageOpsTest {

  @Test
  void resizeUpMatchesTorchInterpolateBilinear() {
    // torch: F.interpolate([[[[0,1,2],[3,4,5]]]], size=(3,5), mode="bilinear", align_corners=False)
    float[] want = {
      0.0f, 0.4f, 1.0f, 1.6f, 2.0f, 1.5f, 1.9f, 2.5f, 3.1f, 3.5f, 3.0f, 3.4f, 4.0f, 4.6f, 5.0f
    };
    float[] got = ImageOps.resize(new float[] {0, 1, 2, 3, 4, 5}, 1, 2, 3, 3, 5);
    assertArrayEquals(want, got, 1e-6f);
  }

  @Test
  void resizeDownMatchesTorchInterpolateBilinear() {
    // torch: F.interpolate(arange(16).reshape(1,1,4,4), size=(3,2), ...) (no antialiasing)
    float[] in = new float[16];
    for (int i = 0; i < 16; i++) {
      in[i] = i;
    }
    float[] want = {1.1666667f, 3.1666667f, 6.5f, 8.5f, 11.833334f, 13.833334f};
    assertArrayEquals(want, ImageOps.resize(in, 1, 4, 4, 3, 2), 1e-5f);
  }

  @Test
  void cropPadAndNormalizeByHand() {
    float[] in = new float[2 * 3 * 4]; // 2 channels of 3x4, value = 100 c + 10 y + x
    for (int c = 0; c < 2; c++) {
      for (int y = 0; y < 3; y++) {
        for (int x = 0; x < 4; x++) {
          in[(c * 3 + y) * 4 + x] = 100 * c + 10 * y + x;
        }
      }
    }
    // centre 1x2 of 3x4: top round(1.0) = 1, left round(1.0) = 1
    assertArrayEquals(new float[] {11, 12, 111, 112}, ImageOps.centerCrop(in, 2, 3, 4, 1, 2));
    float[] padded = ImageOps.pad(new float[] {5}, 1, 1, 1, 1);
    assertArrayEquals(new float[] {0, 0, 0, 0, 5, 0, 0, 0, 0}, padded);
    float[] n =
        ImageOps.normalize(
            new float[] {1, 3, 10, 20}, 2, new double[] {1, 10}, new double[] {2, 5});
    assertArrayEquals(new float[] {0, 1, 0, 2}, n);
  }

  @Test
  void grayscaleSamplesAreReadAsStoredAndColourAsLuma() {
    BufferedImage gray = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(0, 0, 0, 51);
    gray.getRaster().setSample(1, 0, 0, 255);
    assertArrayEquals(new float[] {0.2f, 1f}, ImageOps.pixels(gray, 1), 1e-7f);
    assertArrayEquals(new float[] {0.2f, 1f, 0.2f, 1f, 0.2f, 1f}, ImageOps.pixels(gray, 3), 1e-7f);
    BufferedImage rgb = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    rgb.setRGB(0, 0, (255 << 16) | (0 << 8) | 51); // R 255, G 0, B 51
    assertArrayEquals(new float[] {1f, 0f, 0.2f}, ImageOps.pixels(rgb, 3), 1e-7f);
    assertEquals(0.299 + 0.114 * 0.2, ImageOps.pixels(rgb, 1)[0], 1e-6);
  }

  @Test
  void augmentationIsSeededAndKeepsTheSize() {
    float[] img = new float[28 * 28];
    for (int i = 0; i < img.length; i++) {
      img[i] = (i % 28) / 27f;
    }
    ImageOps.Augment a = new ImageOps.Augment(0.5, 10, 0.1, 0.8, 1.0);
    float[] one = ImageOps.augment(img, 1, 28, 28, a, new Random(3));
    float[] again = ImageOps.augment(img, 1, 28, 28, a, new Random(3));
    float[] other = ImageOps.augment(img, 1, 28, 28, a, new Random(4));
    assertEquals(img.length, one.length);
    assertArrayEquals(one, again);
    assertFalse(Arrays.equals(one, other));
    assertNotEquals(0, img[5], "the input is not changed");
    // a flip alone, certain: the columns reverse
    float[] flipped =
        ImageOps.augment(
            new float[] {1, 2, 3}, 1, 1, 3, new ImageOps.Augment(1, 0, 0, 0, 0), new Random(1));
    assertArrayEquals(new float[] {3, 2, 1}, flipped);
    // a shift alone by a whole pixel moves the image and fills zeros
    float[] none =
        ImageOps.augment(
            new float[] {1, 2, 3}, 1, 1, 3, new ImageOps.Augment(0, 0, 0, 0, 0), new Random(1));
    assertArrayEquals(new float[] {1, 2, 3}, none);
  }
}
