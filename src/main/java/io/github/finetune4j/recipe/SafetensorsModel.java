package io.github.finetune4j.recipe;

import java.util.Objects;

/**
 * A Hugging Face checkpoint directory.
 *
 * @param dir the directory holding config.json, model.safetensors and tokenizer.json
 * @param init pretrained weights, or random weights with the same architecture (a baseline)
 */
@Kind("safetensors")
@Doc("A Hugging Face checkpoint directory (config.json, model.safetensors, tokenizer.json).")
public record SafetensorsModel(
    @Required
        @Doc(
            "The checkpoint directory; it must hold `config.json`, `model.safetensors` and"
                + " `tokenizer.json`.")
        String dir,
    @OneOf({"pretrained", "random"})
        @Doc(
            "`pretrained` loads the weights; `random` keeps the architecture with fresh weights (baseline).")
        String init)
    implements ModelSpec {

  /** Applies defaults. */
  public SafetensorsModel {
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
    private String dir;
    private String init;

    private Builder() {}

    /**
     * Sets the checkpoint directory (required).
     *
     * @param dir the value
     * @return this builder
     */
    public Builder setDir(String dir) {
      this.dir = Objects.requireNonNull(dir, "dir");
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
     * @return the SafetensorsModel
     * @throws IllegalStateException naming every required field that was not set
     */
    public SafetensorsModel build() {
      BuilderChecks.requireSet("SafetensorsModel", "dir", dir);
      return new SafetensorsModel(dir, init);
    }
  }
}
