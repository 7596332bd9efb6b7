package io.github.finetune4j.recipe;

import java.util.List;

/**
 * Training-only random image transforms, seeded by {@code train.seed}.
 *
 * @param flip probability of a horizontal flip
 * @param rotation largest rotation, in degrees either way
 * @param shift largest translation, as a share of the height and width
 * @param resizedCrop the range of the area share of a random resized crop
 */
@Doc(
    "Random transforms of the training images only (validation, test and predict never),"
        + " seeded by `train.seed` and by how often each image was drawn; applied after resizing"
        + " and cropping, in this order: resized crop, flip, rotation and shift (one bilinear"
        + " resampling, zeros outside the image).")
public record AugmentSpec(
    @Doc("Probability of a horizontal flip, e.g. 0.5 (default 0).") Double flip,
    @Doc("Largest rotation in degrees, either way, e.g. 10 (default 0).") Double rotation,
    @Doc("Largest shift as a share of the height and width, e.g. 0.1 (default 0).") Double shift,
    @Doc(
            "A random resized crop: the share of the image area it keeps, drawn from `[min, max]`,"
                + " e.g. `[0.8, 1.0]`, with an aspect ratio in [3/4, 4/3], resized back (default:"
                + " none).")
        List<Double> resizedCrop) {

  /** Applies defaults. */
  public AugmentSpec {
    flip = flip == null ? 0.0 : flip;
    rotation = rotation == null ? 0.0 : rotation;
    shift = shift == null ? 0.0 : shift;
    resizedCrop = resizedCrop == null ? null : List.copyOf(resizedCrop);
  }

  /**
   * Whether this changes any image.
   *
   * @return false when every transform is off
   */
  public boolean any() {
    return flip > 0 || rotation > 0 || shift > 0 || resizedCrop != null;
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
    private Double flip;
    private Double rotation;
    private Double shift;
    private List<Double> resizedCrop;

    private Builder() {}

    /**
     * Sets the probability of a horizontal flip.
     *
     * @param flip the value
     * @return this builder
     */
    public Builder optFlip(double flip) {
      this.flip = flip;
      return this;
    }

    /**
     * Sets the largest rotation, in degrees.
     *
     * @param rotation the value
     * @return this builder
     */
    public Builder optRotation(double rotation) {
      this.rotation = rotation;
      return this;
    }

    /**
     * Sets the largest shift, as a share of the size.
     *
     * @param shift the value
     * @return this builder
     */
    public Builder optShift(double shift) {
      this.shift = shift;
      return this;
    }

    /**
     * Sets the area range of a random resized crop.
     *
     * @param min the smallest share
     * @param max the largest share
     * @return this builder
     */
    public Builder optResizedCrop(double min, double max) {
      this.resizedCrop = List.of(min, max);
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the AugmentSpec
     */
    public AugmentSpec build() {
      return new AugmentSpec(flip, rotation, shift, resizedCrop);
    }
  }
}
