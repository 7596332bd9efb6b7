package io.github.finetune4j.recipe;

import java.util.Arrays;
import java.util.List;

/**
 * How images become model inputs.
 *
 * @param resize the size every image is resized to, {@code [height, width]}
 * @param crop the center crop after resizing, {@code [height, width]}
 * @param pad zero pixels added on every side after cropping
 * @param channels 1 (grayscale) or 3 (RGB)
 * @param mean per channel, subtracted after scaling to [0, 1]
 * @param std per channel, divided by after the mean
 * @param augment training-only random transforms
 */
@Doc(
    "How the images of `image-folder` splits become model inputs: decoded, converted to"
        + " `channels`, resized (bilinear, as torch's `interpolate` with `align_corners=False`),"
        + " center-cropped, padded, scaled to [0, 1], normalized with `mean`/`std`, and for training"
        + " only augmented. Each example is a `[channels, height, width]` tensor.")
public record ImageSpec(
    @Doc("Resize every image to `[height, width]` (default: keep; all images must then agree).")
        List<Integer> resize,
    @Doc("Center-crop to `[height, width]` after resizing (default: no crop).") List<Integer> crop,
    @Doc(
            "Zero pixels added on every side after cropping (default 0); e.g. `resize: [20, 20]`"
                + " and `pad: 4` lay a digit out as MNIST does (a 20x20 box in 28x28).")
        Integer pad,
    @Doc("1 for grayscale, 3 for RGB (default 3).") Integer channels,
    @Doc("Per-channel mean subtracted after scaling to [0, 1] (default 0).") List<Double> mean,
    @Doc("Per-channel standard deviation divided by (default 1).") List<Double> std,
    @Doc("Random transforms of the training images (none by default).") AugmentSpec augment) {

  /** Applies defaults and copies the lists. */
  public ImageSpec {
    resize = resize == null ? null : List.copyOf(resize);
    crop = crop == null ? null : List.copyOf(crop);
    pad = pad == null ? 0 : pad;
    channels = channels == null ? 3 : channels;
    mean = mean == null ? null : List.copyOf(mean);
    std = std == null ? null : List.copyOf(std);
  }

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder: {@code setX} for required fields, {@code optX} for optional ones. */
  public static final class Builder {
    private List<Integer> resize;
    private List<Integer> crop;
    private Integer pad;
    private Integer channels;
    private List<Double> mean;
    private List<Double> std;
    private AugmentSpec augment;

    private Builder() {}

    /**
     * Resizes every image.
     *
     * @param height the height
     * @param width the width
     * @return this builder
     */
    public Builder optResize(int height, int width) {
      return optResize(List.of(height, width));
    }

    /**
     * Resizes every image.
     *
     * @param resize {@code [height, width]}
     * @return this builder
     */
    public Builder optResize(List<Integer> resize) {
      this.resize = resize;
      return this;
    }

    /**
     * Center-crops after resizing.
     *
     * @param crop {@code [height, width]}
     * @return this builder
     */
    public Builder optCrop(List<Integer> crop) {
      this.crop = crop;
      return this;
    }

    /**
     * Adds zero pixels on every side after cropping.
     *
     * @param pad the value
     * @return this builder
     */
    public Builder optPad(int pad) {
      this.pad = pad;
      return this;
    }

    /**
     * Sets the channels (1 or 3).
     *
     * @param channels the value
     * @return this builder
     */
    public Builder optChannels(int channels) {
      this.channels = channels;
      return this;
    }

    /**
     * Sets the per-channel mean.
     *
     * @param mean the values
     * @return this builder
     */
    public Builder optMean(Double... mean) {
      return optMean(Arrays.asList(mean));
    }

    /**
     * Sets the per-channel mean.
     *
     * @param mean the values
     * @return this builder
     */
    public Builder optMean(List<Double> mean) {
      this.mean = mean;
      return this;
    }

    /**
     * Sets the per-channel standard deviation.
     *
     * @param std the values
     * @return this builder
     */
    public Builder optStd(Double... std) {
      return optStd(Arrays.asList(std));
    }

    /**
     * Sets the per-channel standard deviation.
     *
     * @param std the values
     * @return this builder
     */
    public Builder optStd(List<Double> std) {
      this.std = std;
      return this;
    }

    /**
     * Sets the training-only random transforms.
     *
     * @param augment the value
     * @return this builder
     */
    public Builder optAugment(AugmentSpec augment) {
      this.augment = augment;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the ImageSpec
     */
    public ImageSpec build() {
      return new ImageSpec(resize, crop, pad, channels, mean, std, augment);
    }
  }
}
