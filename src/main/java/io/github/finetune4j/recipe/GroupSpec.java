package io.github.finetune4j.recipe;

import java.util.List;
import java.util.Objects;

/**
 * A named parameter group.
 *
 * @param name group name, used by stages and the optimizer
 * @param match name patterns
 * @param lr learning rate of this group, overriding the optimizer's spread
 * @param weightDecay weight decay of this group, overriding the optimizer's value
 * @param norm policy for the group's normalization layers
 */
@Doc("A named group of parameters, selected by name patterns.")
public record GroupSpec(
    @Required @Doc("Group name, used by stages and the optimizer.") String name,
    @Required
        @Doc(
            "Parameter-name patterns: globs (`*` any run of characters, `?` one, `[0-3]` a class) or"
                + " regular expressions prefixed with `re:`. A pattern must match the whole name.")
        List<String> match,
    @Doc("Learning rate for this group; overrides `optimizer.lr` and any spread.") Double lr,
    @Doc(
            "Weight decay for this group; overrides `optimizer.weight_decay.value` (its mode and"
                + " exclusions still apply; 0 turns decay off for the group).")
        Double weightDecay,
    @OneOf({"train", "freeze_stats", "freeze_all", "recalibrate"})
        @Doc(
            "Normalization layers of the group. `train` (default): BatchNorm running statistics"
                + " update while the group trains (a frozen group's statistics never move);"
                + " `freeze_stats`: statistics stay fixed (the layer normalizes with them) while its"
                + " weight and bias train; `freeze_all`: statistics, weight and bias stay fixed;"
                + " `recalibrate`: statistics are re-estimated once on the training split before the"
                + " first step (average over batches, no gradient), then kept fixed. LayerNorm keeps no"
                + " statistics, so only `train` and `freeze_all` apply to it. A mode the model cannot"
                + " honour (e.g. mixed modes inside one TorchScript module) is refused before training.")
        String norm) {

  /** Copies the list. */
  public GroupSpec {
    match = match == null ? null : List.copyOf(match);
    norm = norm == null ? "train" : norm;
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
    private String name;
    private List<String> match;
    private Double lr;
    private Double weightDecay;
    private String norm;

    private Builder() {}

    /**
     * Sets the group name, used by stages and the optimizer (required).
     *
     * @param name the value
     * @return this builder
     */
    public Builder setName(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * Sets parameter-name patterns (globs, or regexes prefixed {@code re:}) (required).
     *
     * @param match the values
     * @return this builder
     */
    public Builder setMatch(List<String> match) {
      this.match = List.copyOf(Objects.requireNonNull(match, "match"));
      return this;
    }

    /**
     * Sets parameter-name patterns (globs, or regexes prefixed {@code re:}) (required).
     *
     * @param match the values
     * @return this builder
     */
    public Builder setMatch(String... match) {
      return setMatch(List.of(match));
    }

    /**
     * Sets the learning rate of this group, overriding the optimizer's.
     *
     * @param lr the value
     * @return this builder
     */
    public Builder optLr(double lr) {
      this.lr = lr;
      return this;
    }

    /**
     * Sets the weight decay of this group, overriding the optimizer's value.
     *
     * @param weightDecay the value
     * @return this builder
     */
    public Builder optWeightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /**
     * Sets the normalization-layer policy (default {@code train}).
     *
     * @param norm the value
     * @return this builder
     */
    public Builder optNorm(String norm) {
      this.norm = norm;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the GroupSpec
     * @throws IllegalStateException naming every required field that was not set
     */
    public GroupSpec build() {
      BuilderChecks.requireSet("GroupSpec", "name", name, "match", match);
      return new GroupSpec(name, match, lr, weightDecay, norm);
    }
  }
}
