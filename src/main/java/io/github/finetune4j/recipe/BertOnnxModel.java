package io.github.finetune4j.recipe;

/**
 * A BERT encoder from ONNX: the bundled all-MiniLM-L6-v2, or an ONNX file with its Hugging Face
 * config and tokenizer. Exactly one of {@code bundled} and {@code path}.
 *
 * @param bundled a model shipped in a Maven artifact
 * @param path an ONNX file
 * @param config the Hugging Face config.json of {@code path}
 * @param tokenizer the tokenizer.json of {@code path}
 * @param init pretrained weights, or random weights with the same architecture (a baseline)
 */
@Kind("bert-onnx")
@Doc("A BERT encoder read from ONNX: give exactly one of `bundled` and `path`.")
public record BertOnnxModel(
    @OneOf({"all-minilm-l6-v2"})
        @Doc(
            "A model shipped in a Maven artifact: `all-minilm-l6-v2` is the ONNX file of the"
                + " langchain4j all-MiniLM-L6-v2 artifact.")
        String bundled,
    @Doc("An ONNX file (instead of `bundled`); needs `config` and `tokenizer`.") String path,
    @Doc("The Hugging Face `config.json` of the ONNX file (with `path`).") String config,
    @Doc("The `tokenizer.json` of the ONNX file (with `path`).") String tokenizer,
    @OneOf({"pretrained", "random"})
        @Doc(
            "`pretrained` loads the weights; `random` keeps the architecture with fresh weights (baseline).")
        String init)
    implements ModelSpec {

  /** Applies defaults. */
  public BertOnnxModel {
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

  /**
   * Builder: {@code optX} for every field (exactly one of bundled and path is checked on validate).
   */
  public static final class Builder {
    private String bundled;
    private String path;
    private String config;
    private String tokenizer;
    private String init;

    private Builder() {}

    /**
     * Sets the bundled model, e.g. {@code all-minilm-l6-v2} (or give a path).
     *
     * @param bundled the value
     * @return this builder
     */
    public Builder optBundled(String bundled) {
      this.bundled = bundled;
      return this;
    }

    /**
     * Sets the ONNX file (instead of a bundled model); give its config and tokenizer too.
     *
     * @param path the value
     * @return this builder
     */
    public Builder optPath(String path) {
      this.path = path;
      return this;
    }

    /**
     * Sets the Hugging Face config.json of the ONNX file.
     *
     * @param config the value
     * @return this builder
     */
    public Builder optConfig(String config) {
      this.config = config;
      return this;
    }

    /**
     * Sets the tokenizer.json of the ONNX file.
     *
     * @param tokenizer the value
     * @return this builder
     */
    public Builder optTokenizer(String tokenizer) {
      this.tokenizer = tokenizer;
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
     * @return the BertOnnxModel
     */
    public BertOnnxModel build() {
      return new BertOnnxModel(bundled, path, config, tokenizer, init);
    }
  }
}
