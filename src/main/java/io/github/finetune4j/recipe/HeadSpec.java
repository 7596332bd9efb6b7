package io.github.finetune4j.recipe;

import java.util.List;

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
}
