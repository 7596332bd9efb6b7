package io.github.finetune4j.recipe;

import java.util.List;
import java.util.Objects;

/**
 * The task head: a new linear layer on the backbone's features, or the model's own output.
 *
 * @param replace which head to put on
 * @param classes class labels, in output order (classification)
 * @param pooling how token states become one vector (text encoders)
 * @param dropout dropout before the classifier
 */
@Doc("The task head: a new linear layer on the backbone's features, or the model's own output.")
public record HeadSpec(
    @OneOf({"classifier", "none"})
        @Doc(
            "`classifier` (default): a new linear layer with one output per class (or target)"
                + " over the pooled token states of a text encoder, or over the output of a"
                + " TorchScript model (its features). `none` keeps a TorchScript model's own output,"
                + " which must have one value per class (or target), or the classifier of a"
                + " `safetensors` checkpoint (`classifier.weight`/`bias`, as a Finetune4J Hugging"
                + " Face export holds it), whose labels (`id2label`) must be `classes` in order;"
                + " checked at plan time.")
        String replace,
    @Doc(
            "Class labels in output order; every label in the data must be one of them. Required for"
                + " a classification; a regression has none (its outputs are the `targets`).")
        List<String> classes,
    @OneOf({"mean", "cls", "max"})
        @Doc(
            "Pooling of a text encoder's token states: masked `mean` (default; what"
                + " all-MiniLM-L6-v2 and e5 use), the `cls` token (bge) or masked `max`.")
        String pooling,
    @Doc("Dropout probability before a new `classifier` head, in training (default 0.1).")
        Double dropout) {

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
     * Sets the head type: {@code classifier} (default) or {@code none}.
     *
     * @param replace the value
     * @return this builder
     */
    public Builder optReplace(String replace) {
      this.replace = replace;
      return this;
    }

    /**
     * Sets the class labels, in output order (required for a classification).
     *
     * @param classes the values
     * @return this builder
     */
    public Builder optClasses(List<String> classes) {
      this.classes = List.copyOf(Objects.requireNonNull(classes, "classes"));
      return this;
    }

    /**
     * Sets the class labels, in output order (required for a classification).
     *
     * @param classes the values
     * @return this builder
     */
    public Builder optClasses(String... classes) {
      return optClasses(List.of(classes));
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
     */
    public HeadSpec build() {
      return new HeadSpec(replace, classes, pooling, dropout);
    }
  }
}
