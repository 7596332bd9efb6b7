package io.github.finetune4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * How an image becomes a model input — the same at training, evaluation and predict time: decode,
 * convert to {@code channels}, resize, center-crop, pad, scale to [0, 1], normalize. Stored in an
 * export ({@link #toJson()}) so that predict does exactly what training did.
 *
 * @param channels 1 (grayscale) or 3 (RGB)
 * @param resize {@code [height, width]}, or null to keep the size
 * @param crop {@code [height, width]} of the center crop, or null
 * @param pad zero pixels added on every side after the crop
 * @param mean per channel, or null for 0
 * @param std per channel, or null for 1
 */
public record ImageTransform(
    int channels, int[] resize, int[] crop, int pad, double[] mean, double[] std) {

  /** Copies the arrays. */
  public ImageTransform {
    resize = resize == null ? null : resize.clone();
    crop = crop == null ? null : crop.clone();
    mean = mean == null ? null : mean.clone();
    std = std == null ? null : std.clone();
  }

  /**
   * Decodes, converts, resizes and crops an image: pixels in [0, 1], not yet normalized.
   *
   * @param image the decoded image
   * @return {@code [channels, height, width]} values and the size, as {@code {pixels}, h, w}
   */
  public Pixels pixels(BufferedImage image) {
    float[] px = ImageOps.pixels(image, channels);
    int h = image.getHeight();
    int w = image.getWidth();
    if (resize != null) {
      px = ImageOps.resize(px, channels, h, w, resize[0], resize[1]);
      h = resize[0];
      w = resize[1];
    }
    if (crop != null && crop[0] <= h && crop[1] <= w) {
      px = ImageOps.centerCrop(px, channels, h, w, crop[0], crop[1]);
      h = crop[0];
      w = crop[1];
    }
    if (pad > 0) {
      px = ImageOps.pad(px, channels, h, w, pad);
      h += 2 * pad;
      w += 2 * pad;
    }
    return new Pixels(px, h, w);
  }

  /**
   * Pixels of one image.
   *
   * @param values {@code channels * height * width} values
   * @param height the height
   * @param width the width
   */
  public record Pixels(float[] values, int height, int width) {}

  /**
   * Normalizes pixels in place.
   *
   * @param px pixels in [0, 1]
   * @return {@code px}
   */
  public float[] normalize(float[] px) {
    return ImageOps.normalize(px, channels, mean, std);
  }

  /**
   * Reads an image file into a model input of the given size (predict).
   *
   * @param file the image
   * @param height the height the model takes
   * @param width the width the model takes
   * @return the normalized input
   * @throws DataException when the file cannot be decoded or its transformed size is not the
   *     model's
   */
  public float[] read(Path file, int height, int width) throws DataException {
    BufferedImage img;
    try {
      img = ImageOps.read(file);
    } catch (IOException | RuntimeException e) {
      throw new DataException(file + ": cannot read the image: " + e.getMessage());
    }
    if (img == null) {
      throw new DataException(file + ": cannot read the image: not an image ImageIO can decode");
    }
    Pixels p = pixels(img);
    if (p.height() != height || p.width() != width) {
      throw new DataException(
          file
              + ": the image is "
              + p.height()
              + "x"
              + p.width()
              + " after the export's transform, but the model takes "
              + height
              + "x"
              + width);
    }
    return normalize(p.values());
  }

  /**
   * The transform as JSON: {@code {"channels", "resize", "crop", "mean", "std"}} (absent ones
   * null).
   *
   * @return the object
   */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("channels", channels);
    ints(o, "resize", resize);
    ints(o, "crop", crop);
    o.put("pad", pad);
    doubles(o, "mean", mean);
    doubles(o, "std", std);
    return o;
  }

  /**
   * Reads {@link #toJson()}'s object back.
   *
   * @param o the object
   * @return the transform
   * @throws IllegalArgumentException naming the first field that is malformed
   */
  public static ImageTransform fromJson(JsonNode o) {
    if (o == null || !o.isObject()) {
      throw new IllegalArgumentException("the image transform must be an object");
    }
    int channels = o.path("channels").asInt(-1);
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("\"channels\" must be 1 or 3, got " + o.get("channels"));
    }
    double[] mean = doubles(o, "mean", channels);
    double[] std = doubles(o, "std", channels);
    if (std != null && Arrays.stream(std).anyMatch(s -> !(s > 0))) {
      throw new IllegalArgumentException("\"std\" must hold positive values");
    }
    int pad = o.path("pad").asInt(0);
    if (pad < 0) {
      throw new IllegalArgumentException("\"pad\" must not be negative");
    }
    return new ImageTransform(channels, ints(o, "resize"), ints(o, "crop"), pad, mean, std);
  }

  private static void ints(ObjectNode o, String key, int[] v) {
    if (v == null) {
      o.putNull(key);
    } else {
      ArrayNode a = o.putArray(key);
      Arrays.stream(v).forEach(a::add);
    }
  }

  private static void doubles(ObjectNode o, String key, double[] v) {
    if (v == null) {
      o.putNull(key);
    } else {
      ArrayNode a = o.putArray(key);
      Arrays.stream(v).forEach(a::add);
    }
  }

  private static int[] ints(JsonNode o, String key) {
    JsonNode v = o.path(key);
    if (v.isMissingNode() || v.isNull()) {
      return null;
    }
    if (!v.isArray() || v.size() != 2) {
      throw new IllegalArgumentException("\"" + key + "\" must be [height, width] or null");
    }
    int[] out = new int[2];
    for (int i = 0; i < 2; i++) {
      if (!v.get(i).canConvertToInt() || v.get(i).asInt() < 1) {
        throw new IllegalArgumentException("\"" + key + "\" must hold positive whole numbers");
      }
      out[i] = v.get(i).asInt();
    }
    return out;
  }

  private static double[] doubles(JsonNode o, String key, int n) {
    JsonNode v = o.path(key);
    if (v.isMissingNode() || v.isNull()) {
      return null;
    }
    if (!v.isArray() || v.size() != n) {
      throw new IllegalArgumentException("\"" + key + "\" must list " + n + " numbers or be null");
    }
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      if (!v.get(i).isNumber() || !Double.isFinite(v.get(i).asDouble())) {
        throw new IllegalArgumentException("\"" + key + "\" must hold finite numbers");
      }
      out[i] = v.get(i).asDouble();
    }
    return out;
  }
}
