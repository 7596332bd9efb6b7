package io.github.finetune4j.recipe;

import java.util.Objects;

/**
 * A folder of images with one sub-folder per class.
 *
 * @param path the folder
 * @param limit how many images to use, a class-balanced seeded sample
 * @param validFraction the share of the training folder carved out as the validation split
 * @param onBadRecord what an unreadable image does: {@code fail} or {@code skip}
 */
@Kind("image-folder")
@Doc(
    "A folder of images with one sub-folder per class, named as `head.classes` (DJL's"
        + " `ImageFolder` layout): PNG, JPEG, BMP or GIF files, read in file-name order. The"
        + " images are transformed as `data.image` says.")
public record ImageFolderSplit(
    @Required @Doc("The folder, relative to the working directory.") String path,
    @Doc(
            "Use N images: a seeded sample (by `train.seed`) balanced over the classes (as equal"
                + " per class as N allows), e.g. 50 labelled digits are 5 per class.")
        Integer limit,
    @Doc(
            "Only on `data.train`, without `data.valid`: carve this share of each class of the"
                + " training folder (seeded by `train.seed`) out as the validation split, e.g. 0.2.")
        Double validFraction,
    @OneOf({"fail", "skip"})
        @Doc(
            "An image that cannot be read (also one that decodes only with a warning, as a JPEG"
                + " cut short, or one of more than 89,478,485 pixels): `fail` (default) stops with"
                + " its path; `skip` leaves it out, counts it and names the first in the console"
                + " and `summary.json`.")
        String onBadRecord)
    implements SourceSpec {

  /** Applies defaults. */
  public ImageFolderSplit {
    onBadRecord = onBadRecord == null ? "fail" : onBadRecord;
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
    private String path;
    private Integer limit;
    private Double validFraction;
    private String onBadRecord;

    private Builder() {}

    /**
     * Sets the folder (required).
     *
     * @param path the value
     * @return this builder
     */
    public Builder setPath(String path) {
      this.path = Objects.requireNonNull(path, "path");
      return this;
    }

    /**
     * Uses a class-balanced seeded sample of this many images.
     *
     * @param limit the value
     * @return this builder
     */
    public Builder optLimit(int limit) {
      this.limit = limit;
      return this;
    }

    /**
     * Carves this share of the training folder out as the validation split.
     *
     * @param validFraction the value, in (0, 1)
     * @return this builder
     */
    public Builder optValidFraction(double validFraction) {
      this.validFraction = validFraction;
      return this;
    }

    /**
     * Sets what an unreadable image does ({@code fail} or {@code skip}).
     *
     * @param onBadRecord the value
     * @return this builder
     */
    public Builder optOnBadRecord(String onBadRecord) {
      this.onBadRecord = onBadRecord;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the ImageFolderSplit
     * @throws IllegalStateException naming every required field that was not set
     */
    public ImageFolderSplit build() {
      BuilderChecks.requireSet("ImageFolderSplit", "path", path);
      return new ImageFolderSplit(path, limit, validFraction, onBadRecord);
    }
  }
}
