package io.github.finetune4j.recipe;

import java.util.Objects;

/**
 * Where the pre-trained network comes from.
 *
 * @param source the model source
 * @param init pretrained weights, or random weights with the same architecture (a baseline)
 */
@Doc("The pre-trained network to start from.")
public record ModelSpec(
    @Required
        @Doc(
            "Model source. `import:onnx:all-minilm-l6-v2` imports the all-MiniLM-L6-v2 weights shipped"
                + " in the langchain4j Maven artifact (more sources are on the roadmap).")
        String source,
    @OneOf({"pretrained", "random"})
        @Doc("`pretrained` loads the weights; `random` keeps the architecture with fresh weights (baseline).")
        String init) {

  /** Applies defaults. */
  public ModelSpec {
    init = init == null ? "pretrained" : init;
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
    private String source;
    private String init;

    private Builder() {}

    /**
     * Sets the model source, e.g. {@code import:onnx:all-minilm-l6-v2} (required).
     *
     * @param source the value
     * @return this builder
     */
    public Builder setSource(String source) {
      this.source = Objects.requireNonNull(source, "source");
      return this;
    }

    /**
     * Sets {@code pretrained} (default) or {@code random} (a baseline).
     *
     * @param init the value
     * @return this builder
     */
    public Builder optInit(String init) {
      this.init = init;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the ModelSpec
     * @throws IllegalStateException naming every required field that was not set
     */
    public ModelSpec build() {
      BuilderChecks.requireSet(
          "ModelSpec",
          "source", source);
      return new ModelSpec(source, init);
    }
  }
}
