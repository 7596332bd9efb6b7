package io.github.finetune4j.recipe;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A model DJL's {@code Criteria} loads.
 *
 * @param url a local model directory or file, a {@code file:} URL, a {@code djl://} zoo id or an
 *     {@code https://} URL
 * @param name the model name inside the directory
 * @param engine the DJL engine
 * @param inputShape the shape of one input batch
 * @param featuresMethod a TorchScript module's exported method that returns the features
 * @param featuresBlock a DJL-native SequentialBlock's child whose output is the features
 */
@Kind("djl")
@Doc(
    "A model loaded by DJL's Criteria from a URL, as DJL users write it: a TorchScript module"
        + " (the PyTorch engine's `NAME.pt`, fine-tuned like `torchscript`), or a DJL-native"
        + " block that the directory's `serving.properties` `blockFactory` builds and DJL loads"
        + " its `.params` into. Zoo ids and https URLs need the network (offline they are refused"
        + " with that reason); tests use local model directories.")
public record DjlModel(
    @Required
        @Doc(
            "What DJL's Criteria accepts: a local model directory or file, a `file:` URL, a"
                + " `djl://` zoo id or an `https://` URL. A local path must exist; `djl://` and"
                + " `https://` are not checked (offline).")
        String url,
    @Doc("The model name inside the directory (default: DJL's, the directory name).") String name,
    @OneOf({"PyTorch"}) @Doc("The DJL engine (this build ships PyTorch).") String engine,
    @Doc(
            "Shape of one input batch, batch first, as `torchscript`'s `input_shape` (each csv"
                + " row's values are reshaped to it). Default: `[1, number of feature columns]`.")
        List<Long> inputShape,
    @Doc(
            "A method of the TorchScript module, exported with `@torch.jit.export`, whose output"
                + " the new head is put on instead of `forward`'s (the cut point); as"
                + " `torchscript`'s `features_method`.")
        String featuresMethod,
    @Doc(
            "For a DJL-native model whose block is a SequentialBlock: the child whose output the"
                + " new head is put on, by DJL's name (`03LambdaBlock`) or by its index from 0 as"
                + " the plan names parameters (`2`); the children after it are left out. A child"
                + " it does not have is refused, listing the children.")
        String featuresBlock)
    implements ModelSpec {

  /** Applies defaults. */
  public DjlModel {
    engine = engine == null ? "PyTorch" : engine;
    inputShape = inputShape == null ? null : List.copyOf(inputShape);
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
    private String url;
    private String name;
    private String engine;
    private List<Long> inputShape;
    private String featuresMethod;
    private String featuresBlock;

    private Builder() {}

    /**
     * Sets the model URL or path (required).
     *
     * @param url the value
     * @return this builder
     */
    public Builder setUrl(String url) {
      this.url = Objects.requireNonNull(url, "url");
      return this;
    }

    /**
     * Sets the model name inside the directory.
     *
     * @param name the value
     * @return this builder
     */
    public Builder optName(String name) {
      this.name = name;
      return this;
    }

    /**
     * Sets the DJL engine (default {@code PyTorch}).
     *
     * @param engine the value
     * @return this builder
     */
    public Builder optEngine(String engine) {
      this.engine = engine;
      return this;
    }

    /**
     * Sets the shape of one input batch, batch first.
     *
     * @param inputShape the dimensions
     * @return this builder
     */
    public Builder optInputShape(List<Long> inputShape) {
      this.inputShape = inputShape;
      return this;
    }

    /**
     * Sets the shape of one input batch, batch first.
     *
     * @param inputShape the dimensions
     * @return this builder
     */
    public Builder optInputShape(long... inputShape) {
      return optInputShape(Arrays.stream(inputShape).boxed().toList());
    }

    /**
     * Sets the child of a DJL-native SequentialBlock to cut at (its output feeds the new head).
     *
     * @param featuresBlock the child's name, e.g. {@code 05LambdaBlock}
     * @return this builder
     */
    public Builder optFeaturesBlock(String featuresBlock) {
      this.featuresBlock = featuresBlock;
      return this;
    }

    /**
     * Sets the exported method to cut the module at (default: its {@code forward}).
     *
     * @param featuresMethod the method name
     * @return this builder
     */
    public Builder optFeaturesMethod(String featuresMethod) {
      this.featuresMethod = featuresMethod;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the DjlModel
     * @throws IllegalStateException naming every required field that was not set
     */
    public DjlModel build() {
      BuilderChecks.requireSet("DjlModel", "url", url);
      return new DjlModel(url, name, engine, inputShape, featuresMethod, featuresBlock);
    }
  }
}
