package io.github.finetune4j.recipe;

import java.util.List;
import java.util.Objects;

/**
 * The task head put on top of the backbone.
 *
 * @param replace which head to put on
 * @param classes class labels, in output order
 * @param pooling how token states become one vector
 * @param dropout dropout before the classifier
 */
@Doc("The new task head that replaces the model's original output.")
public record HeadSpec(
    @OneOf({"classifier"}) @Doc("Head type; `classifier` is a linear layer over pooled features.")
        String replace,
    @Required @Doc("Class labels in output order; every label in the data must be one of them.")
        List<String> classes,
    @OneOf({"mean", "cls"}) @Doc("Pooling of token states: masked `mean` (default) or the `cls` token.")
        String pooling,
    @Doc("Dropout probability before the classifier (default 0.1).") Double dropout) {

  /** Applies defaults. */
  public HeadSpec {
    replace = replace == null ? "classifier" : replace;
    classes = classes == null ? null : List.copyOf(classes);
    pooling = pooling == null ? "mean" : pooling;
    dropout = dropout == null ? 0.1 : dropout;
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
    private String replace;
    private List<String> classes;
    private String pooling;
    private Double dropout;

    private Builder() {}

    /**
     * Sets the head type (default {@code classifier}).
     *
     * @param replace the value
     * @return this builder
     */
    public Builder optReplace(String replace) {
      this.replace = replace;
      return this;
    }

    /**
     * Sets the class labels, in output order (required).
     *
     * @param classes the values
     * @return this builder
     */
    public Builder setClasses(List<String> classes) {
      this.classes = List.copyOf(Objects.requireNonNull(classes, "classes"));
      return this;
    }

    /**
     * Sets the class labels, in output order (required).
     *
     * @param classes the values
     * @return this builder
     */
    public Builder setClasses(String... classes) {
      return setClasses(List.of(classes));
    }

    /**
     * Sets {@code mean} (default) or {@code cls}.
     *
     * @param pooling the value
     * @return this builder
     */
    public Builder optPooling(String pooling) {
      this.pooling = pooling;
      return this;
    }

    /**
     * Sets dropout before the classifier (default 0.1).
     *
     * @param dropout the value
     * @return this builder
     */
    public Builder optDropout(double dropout) {
      this.dropout = dropout;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the HeadSpec
     * @throws IllegalStateException naming every required field that was not set
     */
    public HeadSpec build() {
      BuilderChecks.requireSet(
          "HeadSpec",
          "classes", classes);
      return new HeadSpec(replace, classes, pooling, dropout);
    }
  }
}
