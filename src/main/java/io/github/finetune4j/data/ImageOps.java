package io.github.finetune4j.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Pixel operations on images held as {@code float[channels * height * width]} (channel-major, like
 * a torch {@code [C, H, W]} tensor): decoding, bilinear resizing as torch's {@code
 * interpolate(mode="bilinear", align_corners=False, antialias=False)}, center cropping,
 * normalization and the seeded training augmentations.
 */
public final class ImageOps {

  /**
   * Most pixels an image may have: Pillow's limit against decompression bombs ({@code
   * Image.MAX_IMAGE_PIXELS}, 1024 * 1024 * 1024 / 4 / 3), under which one RGB image's floats stay
   * within a GiB.
   */
  static final long MAX_PIXELS = 89_478_485L;

  private ImageOps() {}

  /**
   * Decodes an image file with ImageIO, more strictly than {@link ImageIO#read(java.io.File)}: an
   * image whose header says more than {@link #MAX_PIXELS} pixels is refused before any is decoded
   * (a damaged header could otherwise ask for gigabytes), and a warning of the decoder is an error
   * (ImageIO decodes a JPEG cut short or with corrupt data with only a warning, its missing part
   * gray), unless it says that what it concerns was ignored (an invalid colour profile).
   *
   * @param file the image
   * @return the image, or null when no ImageIO reader knows its format
   * @throws IOException why it cannot be decoded, in words for the user
   */
  static BufferedImage read(Path file) throws IOException {
    if (!Files.isReadable(file)) {
      throw new IOException("the file cannot be read");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      if (in == null) {
        throw new IOException("the file cannot be opened");
      }
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        return null;
      }
      ImageReader reader = readers.next();
      List<String> warnings = new ArrayList<>();
      try {
        reader.setInput(in, true, true);
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        long w = reader.getWidth(0);
        long h = reader.getHeight(0);
        if (w * h > MAX_PIXELS) {
          throw new IOException(
              "it is "
                  + w
                  + "x"
                  + h
                  + " pixels, more than the "
                  + MAX_PIXELS
                  + " an image may have");
        }
        BufferedImage image = reader.read(0, reader.getDefaultReadParam());
        for (String warning : warnings) {
          // "...; ignored": metadata the decoder skipped (an invalid colour profile), not pixels
          if (!warning.toLowerCase(Locale.ROOT).contains("ignored")) {
            throw new IOException(
                "it decodes only with a warning ('"
                    + warning.strip()
                    + "'): the file is cut short or damaged");
          }
        }
        return image;
      } finally {
        reader.dispose();
      }
    }
  }

  /**
   * The pixels of an image in [0, 1]. A grayscale image's samples are read as stored (no colour
   * conversion); a colour image gives RGB, or for one channel the luma {@code 0.299 R + 0.587 G +
   * 0.114 B} (as PIL's {@code convert("L")}); a grayscale image read as three channels repeats its
   * one.
   *
   * @param image the decoded image
   * @param channels 1 or 3
   * @return {@code channels * height * width} values
   */
  public static float[] pixels(BufferedImage image, int channels) {
    int h = image.getHeight();
    int w = image.getWidth();
    float[] out = new float[channels * h * w];
    Raster raster = image.getRaster();
    boolean gray =
        image.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY
            && raster.getNumBands() <= 2;
    if (gray) {
      double max = (1L << raster.getSampleModel().getSampleSize(0)) - 1;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          float v = (float) (raster.getSample(x, y, 0) / max);
          for (int c = 0; c < channels; c++) {
            out[(c * h + y) * w + x] = v;
          }
        }
      }
      return out;
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = image.getRGB(x, y);
        float r = ((rgb >> 16) & 0xff) / 255f;
        float g = ((rgb >> 8) & 0xff) / 255f;
        float b = (rgb & 0xff) / 255f;
        if (channels == 1) {
          out[y * w + x] = (float) (0.299 * r + 0.587 * g + 0.114 * b);
        } else {
          out[y * w + x] = r;
          out[(h + y) * w + x] = g;
          out[(2 * h + y) * w + x] = b;
        }
      }
    }
    return out;
  }

  /**
   * Bilinear resize with half-pixel centres, edge samples clamped (torch's {@code
   * align_corners=False}, no antialiasing).
   *
   * @param in the image
   * @param c channels
   * @param h height
   * @param w width
   * @param nh new height
   * @param nw new width
   * @return the resized image
   */
  public static float[] resize(float[] in, int c, int h, int w, int nh, int nw) {
    if (nh == h && nw == w) {
      return in.clone();
    }
    float[] out = new float[c * nh * nw];
    double sy = (double) h / nh;
    double sx = (double) w / nw;
    for (int y = 0; y < nh; y++) {
      double fy = Math.max(0, (y + 0.5) * sy - 0.5);
      int y0 = Math.min((int) fy, h - 1);
      int y1 = Math.min(y0 + 1, h - 1);
      double ly = fy - y0;
      for (int x = 0; x < nw; x++) {
        double fx = Math.max(0, (x + 0.5) * sx - 0.5);
        int x0 = Math.min((int) fx, w - 1);
        int x1 = Math.min(x0 + 1, w - 1);
        double lx = fx - x0;
        for (int ch = 0; ch < c; ch++) {
          int base = ch * h * w;
          double v =
              (1 - ly) * ((1 - lx) * in[base + y0 * w + x0] + lx * in[base + y0 * w + x1])
                  + ly * ((1 - lx) * in[base + y1 * w + x0] + lx * in[base + y1 * w + x1]);
          out[(ch * nh + y) * nw + x] = (float) v;
        }
      }
    }
    return out;
  }

  /**
   * The centre {@code ch x cw} of an image (torchvision's {@code center_crop} rounding: the top
   * left corner at {@code round((h - ch) / 2)}).
   *
   * @param in the image
   * @param c channels
   * @param h height
   * @param w width
   * @param chh crop height, at most {@code h}
   * @param cw crop width, at most {@code w}
   * @return the crop
   */
  public static float[] centerCrop(float[] in, int c, int h, int w, int chh, int cw) {
    int top = (int) Math.round((h - chh) / 2.0);
    int left = (int) Math.round((w - cw) / 2.0);
    float[] out = new float[c * chh * cw];
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < chh; y++) {
        System.arraycopy(in, (ch * h + top + y) * w + left, out, (ch * chh + y) * cw, cw);
      }
    }
    return out;
  }

  /**
   * The image with {@code pad} zero pixels on every side.
   *
   * @param in the image
   * @param c channels
   * @param h height
   * @param w width
   * @param pad the border width
   * @return the padded image, {@code (h + 2 pad) x (w + 2 pad)}
   */
  public static float[] pad(float[] in, int c, int h, int w, int pad) {
    int nh = h + 2 * pad;
    int nw = w + 2 * pad;
    float[] out = new float[c * nh * nw];
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < h; y++) {
        System.arraycopy(in, (ch * h + y) * w, out, (ch * nh + y + pad) * nw + pad, w);
      }
    }
    return out;
  }

  /**
   * {@code (v - mean[c]) / std[c]} in place.
   *
   * @param px the image
   * @param c channels
   * @param mean per channel, or null for 0
   * @param std per channel, or null for 1
   * @return {@code px}
   */
  public static float[] normalize(float[] px, int c, double[] mean, double[] std) {
    if (mean == null && std == null) {
      return px;
    }
    int plane = px.length / c;
    for (int ch = 0; ch < c; ch++) {
      double m = mean == null ? 0 : mean[ch];
      double s = std == null ? 1 : std[ch];
      for (int i = ch * plane; i < (ch + 1) * plane; i++) {
        px[i] = (float) ((px[i] - m) / s);
      }
    }
    return px;
  }

  /**
   * The training augmentations, in order: a random resized crop (area share from {@code
   * resizedCrop}, aspect ratio log-uniform in [3/4, 4/3], up to 10 tries then the whole image, as
   * torchvision), then a horizontal flip with probability {@code flip}, then one rotation by up to
   * {@code rotation} degrees about the centre and a shift by up to {@code shift} of the size,
   * resampled bilinearly with zeros outside the image.
   *
   * @param in the image (not changed)
   * @param c channels
   * @param h height
   * @param w width
   * @param a the transforms
   * @param r the random source
   * @return the augmented image, same size
   */
  public static float[] augment(float[] in, int c, int h, int w, Augment a, Random r) {
    float[] px = in;
    if (a.cropMin() > 0) {
      px = resizedCrop(px, c, h, w, a.cropMin(), a.cropMax(), r);
    }
    if (a.flip() > 0 && r.nextDouble() < a.flip()) {
      float[] f = new float[px.length];
      for (int ch = 0; ch < c; ch++) {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            f[(ch * h + y) * w + x] = px[(ch * h + y) * w + (w - 1 - x)];
          }
        }
      }
      px = f;
    }
    if (a.rotation() > 0 || a.shift() > 0) {
      double angle = Math.toRadians((r.nextDouble() * 2 - 1) * a.rotation());
      double dx = (r.nextDouble() * 2 - 1) * a.shift() * w;
      double dy = (r.nextDouble() * 2 - 1) * a.shift() * h;
      px = affine(px, c, h, w, angle, dx, dy);
    }
    return px == in ? in.clone() : px;
  }

  /**
   * The augmentations' settings.
   *
   * @param flip probability of a horizontal flip
   * @param rotation largest rotation in degrees
   * @param shift largest shift as a share of the size
   * @param cropMin smallest area share of the resized crop, 0 for none
   * @param cropMax largest area share of the resized crop
   */
  public record Augment(
      double flip, double rotation, double shift, double cropMin, double cropMax) {}

  private static float[] resizedCrop(
      float[] in, int c, int h, int w, double min, double max, Random r) {
    double area = (double) h * w;
    for (int attempt = 0; attempt < 10; attempt++) {
      double target = area * (min + r.nextDouble() * (max - min));
      double logRatio =
          Math.log(3.0 / 4) + r.nextDouble() * (Math.log(4.0 / 3) - Math.log(3.0 / 4));
      double ratio = Math.exp(logRatio);
      int cw = (int) Math.round(Math.sqrt(target * ratio));
      int chh = (int) Math.round(Math.sqrt(target / ratio));
      if (cw > 0 && chh > 0 && cw <= w && chh <= h) {
        int top = r.nextInt(h - chh + 1);
        int left = r.nextInt(w - cw + 1);
        float[] crop = new float[c * chh * cw];
        for (int ch = 0; ch < c; ch++) {
          for (int y = 0; y < chh; y++) {
            System.arraycopy(in, (ch * h + top + y) * w + left, crop, (ch * chh + y) * cw, cw);
          }
        }
        return resize(crop, c, chh, cw, h, w);
      }
    }
    return in;
  }

  /** Rotation about the centre then translation; each output pixel samples the input. */
  private static float[] affine(
      float[] in, int c, int h, int w, double angle, double dx, double dy) {
    float[] out = new float[in.length];
    double cos = Math.cos(angle);
    double sin = Math.sin(angle);
    double cy = (h - 1) / 2.0;
    double cx = (w - 1) / 2.0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        // inverse map: undo the shift, then rotate back
        double ux = x - dx - cx;
        double uy = y - dy - cy;
        double sx = cos * ux + sin * uy + cx;
        double sy = -sin * ux + cos * uy + cy;
        int x0 = (int) Math.floor(sx);
        int y0 = (int) Math.floor(sy);
        double lx = sx - x0;
        double ly = sy - y0;
        for (int ch = 0; ch < c; ch++) {
          int base = ch * h * w;
          double v =
              (1 - ly)
                      * ((1 - lx) * at(in, base, h, w, y0, x0)
                          + lx * at(in, base, h, w, y0, x0 + 1))
                  + ly
                      * ((1 - lx) * at(in, base, h, w, y0 + 1, x0)
                          + lx * at(in, base, h, w, y0 + 1, x0 + 1));
          out[base + y * w + x] = (float) v;
        }
      }
    }
    return out;
  }

  private static float at(float[] px, int base, int h, int w, int y, int x) {
    return y < 0 || y >= h || x < 0 || x >= w ? 0f : px[base + y * w + x];
  }
}
