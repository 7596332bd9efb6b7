package io.github.finetune4j.recipe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A training stage: which groups train for how many epochs.
 *
 * @param epochs epochs in the stage
 * @param train groups that are trainable in the stage
 * @param lrScale per-group lr multiplier in this stage (default 1)
 */
@Doc("A stage: which groups train, for how many epochs. Groups not listed are frozen.")
public record StageSpec(
    @Required @Doc("Epochs in this stage.") Integer epochs,
    @Required @Doc("Names of the groups that train in this stage; the others stay frozen.")
        List<String> train,
    @Doc("Per-group lr multiplier in this stage, by group name (default 1).")
        Map<String, Double> lrScale) {

  /** Copies the list. */
  public StageSpec {
    train = train == null ? null : List.copyOf(train);
    lrScale = lrScale == null ? Map.of() : Map.copyOf(lrScale);
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
    private Integer epochs;
    private List<String> train;
    private Map<String, Double> lrScale;

    private Builder() {}

    /**
     * Sets epochs in the stage (required).
     *
     * @param epochs the value
     * @return this builder
     */
    public Builder setEpochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    /**
     * Sets names of the groups that train in the stage (required).
     *
     * @param train the values
     * @return this builder
     */
    public Builder setTrain(List<String> train) {
      this.train = List.copyOf(Objects.requireNonNull(train, "train"));
      return this;
    }

    /**
     * Sets names of the groups that train in the stage (required).
     *
     * @param train the values
     * @return this builder
     */
    public Builder setTrain(String... train) {
      return setTrain(List.of(train));
    }

    /**
     * Sets per-group lr multipliers in the stage, by group name, replacing any added before.
     *
     * @param lrScale the values, by group name
     * @return this builder
     */
    public Builder optLrScale(Map<String, Double> lrScale) {
      this.lrScale = lrScale == null ? null : new LinkedHashMap<>(lrScale);
      return this;
    }

    /**
     * Adds one entry of per-group lr multipliers in the stage, by group name.
     *
     * @param group the group name
     * @param value the value
     * @return this builder
     */
    public Builder addLrScale(String group, double value) {
      if (lrScale == null) {
        lrScale = new LinkedHashMap<>();
      }
      lrScale.put(Objects.requireNonNull(group, "group"), value);
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the StageSpec
     * @throws IllegalStateException naming every required field that was not set
     */
    public StageSpec build() {
      BuilderChecks.requireSet("StageSpec", "epochs", epochs, "train", train);
      return new StageSpec(epochs, train, lrScale);
    }
  }
}
