package io.github.finetune4j.optim;

/** How a penalty (weight decay or L2-SP) enters an update. */
public enum DecayMode {
  /**
   * The rule's own convention, its {@link UpdateRule#defaultDecayMode()}: {@link #DECOUPLED} for
   * {@link AdamW}, {@link #COUPLED} for the other built-in rules (as {@code weight_decay} in
   * torch's SGD, Adam and RMSprop) and for a rule that does not say. For L2-SP it means {@link
   * #COUPLED}.
   */
  RULE_DEFAULT,
  /** Added to the gradient before the rule sees it: {@code g += wd * w}. */
  COUPLED,
  /** Applied directly to the weights, scaled by the learning rate: {@code w *= 1 - lr * wd}. */
  DECOUPLED
}
