package io.github.finetune4j.recipe;

import java.util.Objects;

/**
 * A network architecture built into the toolkit, with random weights.
 *
 * @param architecture the architecture
 * @param init {@code random}
 * @param outputs the width of its own output layer
 * @param hidden the width of its hidden layer
 */
@Kind("builtin")
@Doc(
    "An architecture built into the toolkit, trained from random weights — to pre-train a model"
        + " of your own (its export is then a `djl` model directory), or as a from-scratch"
        + " baseline. `small-cnn`: two 3x3 conv + BatchNorm + ReLU + 2x2 max-pool stages (16 and"
        + " 32 filters), then Linear(`hidden`) + ReLU + Linear(`outputs`), for `image-folder`"
        + " splits; `mlp`: Linear(`hidden`) + ReLU + Dropout 0.1 + Linear(`hidden`) + ReLU +"
        + " Linear(`outputs`), for `csv` splits. Parameters are named by position (`0.weight`,"
        + " ...).")
public record BuiltinModel(
    @Required @OneOf({"small-cnn", "mlp"}) @Doc("The architecture.") String architecture,
    @OneOf({"random"}) @Doc("`random` (the only one: the architecture has no weights of its own).")
        String init,
    @Doc(
            "The width of its own output layer (default: the number of `head.classes`); keep it"
                + " with `head.replace: none`.")
        Integer outputs,
    @Doc("The width of its hidden layer (default 64).") Integer hidden)
    implements ModelSpec {

  /** Applies defaults. */
  public BuiltinModel {
    init = init == null ? "random" : init;
    hidden = hidden == null ? 64 : hidden;
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
    private String architecture;
    private String init;
    private Integer outputs;
    private Integer hidden;

    private Builder() {}

    /**
     * Sets the architecture (required), e.g. {@code small-cnn}.
     *
     * @param architecture the value
     * @return this builder
     */
    public Builder setArchitecture(String architecture) {
      this.architecture = Objects.requireNonNull(architecture, "architecture");
      return this;
    }

    /**
     * Sets the initialization ({@code random}).
     *
     * @param init the value
     * @return this builder
     */
    public Builder optInit(String init) {
      this.init = init;
      return this;
    }

    /**
     * Sets the width of the output layer.
     *
     * @param outputs the value
     * @return this builder
     */
    public Builder optOutputs(int outputs) {
      this.outputs = outputs;
      return this;
    }

    /**
     * Sets the width of the hidden layer.
     *
     * @param hidden the value
     * @return this builder
     */
    public Builder optHidden(int hidden) {
      this.hidden = hidden;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the BuiltinModel
     * @throws IllegalStateException naming every required field that was not set
     */
    public BuiltinModel build() {
      BuilderChecks.requireSet("BuiltinModel", "architecture", architecture);
      return new BuiltinModel(architecture, init, outputs, hidden);
    }
  }
}
