package io.github.finetune4j.recipe;

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
}
