package io.github.finetune4j.recipe;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A TorchScript module.
 *
 * @param path the .pt file
 * @param inputShape the shape of one input batch, to build the network without data
 * @param featuresMethod a method exported with {@code @torch.jit.export} that returns the features
 */
@Kind("torchscript")
@Doc("A TorchScript module (a `.pt` file saved with `torch.jit.save`).")
public record TorchScriptModel(
    @Required @Doc("The `.pt` file.") String path,
    @Doc(
            "Shape of one input batch, batch first, e.g. `[1, 10]`, or `[1, 1, 8, 8]` for a module"
                + " that takes images: each csv row's feature values are reshaped to it (their count must"
                + " match). Default: `[1, number of feature columns of data.train]`.")
        List<Long> inputShape,
    @Doc(
            "A method exported with `@torch.jit.export` to run instead of `forward` (with gradients,"
                + " like `forward`): its output is what the head goes on (default: the output of"
                + " `forward`). Parameters the method does not use get no gradient.")
        String featuresMethod)
    implements ModelSpec {

  /** Copies the shape. */
  public TorchScriptModel {
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
    private String path;
    private List<Long> inputShape;
    private String featuresMethod;

    private Builder() {}

    /**
     * Sets the .pt file (required).
     *
     * @param path the value
     * @return this builder
     */
    public Builder setPath(String path) {
      this.path = Objects.requireNonNull(path, "path");
      return this;
    }

    /**
     * Sets the shape of one input batch, e.g. {@code [1, 3, 28, 28]}.
     *
     * @param inputShape the dimensions
     * @return this builder
     */
    public Builder optInputShape(List<Long> inputShape) {
      this.inputShape = inputShape;
      return this;
    }

    /**
     * Sets the shape of one input batch, e.g. {@code 1, 3, 28, 28}.
     *
     * @param inputShape the dimensions
     * @return this builder
     */
    public Builder optInputShape(long... inputShape) {
      return optInputShape(Arrays.stream(inputShape).boxed().toList());
    }

    /**
     * Sets the exported method that returns the features.
     *
     * @param featuresMethod the method name
     * @return this builder
     */
    public Builder optFeaturesMethod(String featuresMethod) {
      this.featuresMethod = featuresMethod;
      return this;
    }

    /**
     * Builds the value.
     *
     * @return the TorchScriptModel
     * @throws IllegalStateException naming every required field that was not set
     */
    public TorchScriptModel build() {
      BuilderChecks.requireSet("TorchScriptModel", "path", path);
      return new TorchScriptModel(path, inputShape, featuresMethod);
    }
  }
}
