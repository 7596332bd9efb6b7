package io.github.finetune4j.recipe;

import java.util.List;
import java.util.Objects;

/**
 * Where a run writes its results.
 *
 * @param dir run directory
 * @param overwrite replace an existing run directory
 * @param keepCheckpoints keep the checkpoints in the run directory when it completes
 * @param formats the standard formats the export holds besides the toolkit's own, or null for all
 *     that apply to the model
 */
@Doc("Where the run writes its results.")
public record OutputSpec(
    @Required @Doc("Run directory (created; must not hold a previous run unless `overwrite`).")
        String dir,
    @Doc("Replace an existing run directory (default false).") Boolean overwrite,
    @Doc(
            "Keep the run's checkpoints (`checkpoints/`, see `train.checkpoint_every`) in the run"
                + " directory when it completes (default false: they are removed; never in"
                + " `model/`).")
        Boolean keepCheckpoints,
    @OneOf({"onnx", "hf", "djl"})
        @Doc(
            "Formats `model/` holds besides the toolkit's own export (which `finetune predict`"
                + " and `--resume` read): `onnx` (`model/onnx/`: ONNX graphs, tokenizer, config and"
                + " serving.properties for ONNX Runtime, langchain4j, Spring AI and DJL's stock"
                + " translators), `hf` (`model/hf/`: a Hugging Face directory with a model card;"
                + " text models only) and `djl` (`model/libs/`: the toolkit's jar and the Jackson"
                + " jars its factories need, so that plain DJL, with them on its class path, or DJL"
                + " Serving, with them in its `deps/`, loads `model/` with no other dependency; not"
                + " for a block of your own). Default: every format that applies"
                + " to the model; `[]` writes none. A format the model cannot have is refused"
                + " before training.")
        List<String> formats) {

  /** Applies defaults. */
  public OutputSpec {
    overwrite = overwrite == null ? Boolean.FALSE : overwrite;
    keepCheckpoints = keepCheckpoints == null ? Boolean.FALSE : keepCheckpoints;
    formats = formats == null ? null : List.copyOf(formats);
  }

  /**
   * The constructor of earlier versions: every format that applies.
   *
   * @param dir run directory
   * @param overwrite replace an existing run directory
   * @param keepCheckpoints keep the checkpoints
   */
  public OutputSpec(String dir, Boolean overwrite, Boolean keepCheckpoints) {
    this(dir, overwrite, keepCheckpoints, null);
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
    private String dir;
    private Boolean overwrite;
    private Boolean keepCheckpoints;
    private List<String> formats;

    private Builder() {}

    /**
     * Sets the run directory (required).
     *
     * @param dir the value
     * @return this builder
     */
    public Builder setDir(String dir) {
      this.dir = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * Sets whether to replace an existing run directory (default false).
     *
     * @param overwrite the value
     * @return this builder
     */
    public Builder optOverwrite(boolean overwrite) {
      this.overwrite = overwrite;
      return this;
    }

    /**
     * Keeps the run's checkpoints when it completes.
     *
     * @param keepCheckpoints the value
     * @return this builder
     */
    public Builder optKeepCheckpoints(boolean keepCheckpoints) {
      this.keepCheckpoints = keepCheckpoints;
      return this;
    }

    /**
     * Sets the standard formats the export holds ({@code onnx}, {@code hf}, {@code djl}); not set:
     * every format that applies.
     *
     * @param formats the value
     * @return this builder
     */
    public Builder optFormats(List<String> formats) {
      this.formats = List.copyOf(Objects.requireNonNull(formats, "formats"));
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the OutputSpec
     * @throws IllegalStateException naming every required field that was not set
     */
    public OutputSpec build() {
      BuilderChecks.requireSet("OutputSpec", "dir", dir);
      return new OutputSpec(dir, overwrite, keepCheckpoints, formats);
    }
  }
}
