package io.github.finetune4j.recipe;

import java.util.List;
import java.util.Objects;

/**
 * A declarative unfreezing policy, expanded into stages (instead of listing {@code stages}).
 *
 * @param gradual ULMFiT gradual unfreezing
 * @param at unfreeze named groups at an epoch, with an lr warm-up (Lightning BackboneFinetuning)
 * @param lpFt linear probe, then full fine-tune
 * @param fineTune fastai fine_tune
 * @param state optimizer state of a group when it unfreezes
 */
@Doc(
    "Declarative unfreezing, expanded into stages (give this or `stages`, not both). Exactly one"
        + " of `gradual`, `at`, `lp_ft`, `fine_tune`.")
public record UnfreezeSpec(
    @Doc(
            "ULMFiT: start with the top group, unfreeze one more group (top down) every `every` epochs.")
        GradualSpec gradual,
    @Doc(
            "Unfreeze `groups` at epoch `epoch`, their lr growing from `warmup_from`× by `grow`× per"
                + " epoch up to 1× (Lightning BackboneFinetuning).")
        UnfreezeAtSpec at,
    @Doc("LP-FT: train only the probe groups (the head), then every group.") LpFtSpec lpFt,
    @Doc(
            "fastai fine_tune: top group only, then every group with lrs spread from lr/lr_mult (bottom)"
                + " to lr (top).")
        FineTuneSpec fineTune,
    @OneOf({"keep", "reset"})
        @Doc("Optimizer state of a group when it unfreezes (again): `keep` (default) or `reset`.")
        String state) {

  /** Applies defaults. */
  public UnfreezeSpec {
    state = state == null ? "keep" : state;
  }

  /**
   * ULMFiT gradual unfreezing.
   *
   * @param order unfreezing order
   * @param every epochs per newly unfrozen group
   * @param finalEpochs epochs once every group trains
   */
  @Doc("Gradual unfreezing.")
  public record GradualSpec(
      @OneOf({"top_down"}) @Doc("Order (default `top_down`, ULMFiT).") String order,
      @Doc("Epochs before the next group unfreezes (default 1).") Integer every,
      @Doc("Epochs once every group trains (default: `every`).") Integer finalEpochs) {
    /** Applies defaults. */
    public GradualSpec {
      order = order == null ? "top_down" : order;
      every = every == null ? 1 : every;
      finalEpochs = finalEpochs == null ? every : finalEpochs;
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
      private String order;
      private Integer every;
      private Integer finalEpochs;

      private Builder() {}

      /**
       * Sets the unfreezing order (default {@code top_down}).
       *
       * @param order the value
       * @return this builder
       */
      public Builder optOrder(String order) {
        this.order = order;
        return this;
      }

      /**
       * Sets epochs before the next group unfreezes (default 1).
       *
       * @param every the value
       * @return this builder
       */
      public Builder optEvery(int every) {
        this.every = every;
        return this;
      }

      /**
       * Sets epochs once every group trains (default: every).
       *
       * @param finalEpochs the value
       * @return this builder
       */
      public Builder optFinalEpochs(int finalEpochs) {
        this.finalEpochs = finalEpochs;
        return this;
      }

      /**
       * Builds the value, with defaults filled in.
       *
       * @return the GradualSpec
       */
      public GradualSpec build() {
        return new GradualSpec(order, every, finalEpochs);
      }
    }
  }

  /**
   * Unfreeze named groups at an epoch.
   *
   * @param epoch 1-based epoch at which the groups start training
   * @param groups the groups to unfreeze
   * @param warmupFrom their initial lr multiplier
   * @param grow multiplier growth per epoch
   * @param epochs total epochs
   */
  @Doc("Unfreeze at an epoch.")
  public record UnfreezeAtSpec(
      @Required @Doc("1-based epoch at which `groups` start training.") Integer epoch,
      @Required @Doc("Groups frozen until `epoch` (the backbone); the others train from the start.")
          List<String> groups,
      @Doc("Their lr multiplier in the first unfrozen epoch (default 0.1).") Double warmupFrom,
      @Doc("Growth of that multiplier per epoch, capped at 1 (default 2.0).") Double grow,
      @Required @Doc("Total epochs.") Integer epochs) {
    /** Applies defaults. */
    public UnfreezeAtSpec {
      groups = groups == null ? null : List.copyOf(groups);
      warmupFrom = warmupFrom == null ? 0.1 : warmupFrom;
      grow = grow == null ? 2.0 : grow;
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
      private Integer epoch;
      private List<String> groups;
      private Double warmupFrom;
      private Double grow;
      private Integer epochs;

      private Builder() {}

      /**
       * Sets the 1-based epoch at which the groups start training (required).
       *
       * @param epoch the value
       * @return this builder
       */
      public Builder setEpoch(int epoch) {
        this.epoch = epoch;
        return this;
      }

      /**
       * Sets the groups frozen until that epoch (required).
       *
       * @param groups the values
       * @return this builder
       */
      public Builder setGroups(List<String> groups) {
        this.groups = List.copyOf(Objects.requireNonNull(groups, "groups"));
        return this;
      }

      /**
       * Sets the groups frozen until that epoch (required).
       *
       * @param groups the values
       * @return this builder
       */
      public Builder setGroups(String... groups) {
        return setGroups(List.of(groups));
      }

      /**
       * Sets their lr multiplier in the first unfrozen epoch (default 0.1).
       *
       * @param warmupFrom the value
       * @return this builder
       */
      public Builder optWarmupFrom(double warmupFrom) {
        this.warmupFrom = warmupFrom;
        return this;
      }

      /**
       * Sets growth of that multiplier per epoch, capped at 1 (default 2).
       *
       * @param grow the value
       * @return this builder
       */
      public Builder optGrow(double grow) {
        this.grow = grow;
        return this;
      }

      /**
       * Sets the total epochs (required).
       *
       * @param epochs the value
       * @return this builder
       */
      public Builder setEpochs(int epochs) {
        this.epochs = epochs;
        return this;
      }

      /**
       * Builds the value, with defaults filled in.
       *
       * @return the UnfreezeAtSpec
       * @throws IllegalStateException naming every required field that was not set
       */
      public UnfreezeAtSpec build() {
        BuilderChecks.requireSet(
            "UnfreezeSpec.UnfreezeAtSpec", "epoch", epoch, "groups", groups, "epochs", epochs);
        return new UnfreezeAtSpec(epoch, groups, warmupFrom, grow, epochs);
      }
    }
  }

  /**
   * LP-FT.
   *
   * @param probe the probe groups
   * @param probeEpochs epochs of linear probing
   * @param finetuneEpochs epochs of full fine-tuning
   */
  @Doc("Linear probe, then full fine-tune.")
  public record LpFtSpec(
      @Doc("Groups trained during the probe (default: the top group).") List<String> probe,
      @Doc("Probe epochs (default 1).") Integer probeEpochs,
      @Doc("Full fine-tuning epochs (default 2).") Integer finetuneEpochs) {
    /** Applies defaults. */
    public LpFtSpec {
      probe = probe == null ? null : List.copyOf(probe);
      probeEpochs = probeEpochs == null ? 1 : probeEpochs;
      finetuneEpochs = finetuneEpochs == null ? 2 : finetuneEpochs;
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
      private List<String> probe;
      private Integer probeEpochs;
      private Integer finetuneEpochs;

      private Builder() {}

      /**
       * Sets groups trained during the probe (default: the top group).
       *
       * @param probe the values
       * @return this builder
       */
      public Builder optProbe(List<String> probe) {
        this.probe = probe == null ? null : List.copyOf(probe);
        return this;
      }

      /**
       * Sets groups trained during the probe (default: the top group).
       *
       * @param probe the values
       * @return this builder
       */
      public Builder optProbe(String... probe) {
        return optProbe(List.of(probe));
      }

      /**
       * Sets probe epochs (default 1).
       *
       * @param probeEpochs the value
       * @return this builder
       */
      public Builder optProbeEpochs(int probeEpochs) {
        this.probeEpochs = probeEpochs;
        return this;
      }

      /**
       * Sets full fine-tuning epochs (default 2).
       *
       * @param finetuneEpochs the value
       * @return this builder
       */
      public Builder optFinetuneEpochs(int finetuneEpochs) {
        this.finetuneEpochs = finetuneEpochs;
        return this;
      }

      /**
       * Builds the value, with defaults filled in.
       *
       * @return the LpFtSpec
       */
      public LpFtSpec build() {
        return new LpFtSpec(probe, probeEpochs, finetuneEpochs);
      }
    }
  }

  /**
   * fastai fine_tune.
   *
   * @param frozenEpochs epochs training only the top group
   * @param epochs epochs training every group
   * @param lrMult ratio of top to bottom lr once unfrozen
   */
  @Doc("fastai fine_tune.")
  public record FineTuneSpec(
      @Doc("Epochs with only the top group training (default 1).") Integer frozenEpochs,
      @Required @Doc("Epochs with every group training.") Integer epochs,
      @Doc("Top/bottom lr ratio once unfrozen, spread geometrically (default 100).")
          Double lrMult) {
    /** Applies defaults. */
    public FineTuneSpec {
      frozenEpochs = frozenEpochs == null ? 1 : frozenEpochs;
      lrMult = lrMult == null ? 100.0 : lrMult;
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
      private Integer frozenEpochs;
      private Integer epochs;
      private Double lrMult;

      private Builder() {}

      /**
       * Sets epochs with only the top group training (default 1).
       *
       * @param frozenEpochs the value
       * @return this builder
       */
      public Builder optFrozenEpochs(int frozenEpochs) {
        this.frozenEpochs = frozenEpochs;
        return this;
      }

      /**
       * Sets epochs with every group training (required).
       *
       * @param epochs the value
       * @return this builder
       */
      public Builder setEpochs(int epochs) {
        this.epochs = epochs;
        return this;
      }

      /**
       * Sets top/bottom lr ratio once unfrozen (default 100).
       *
       * @param lrMult the value
       * @return this builder
       */
      public Builder optLrMult(double lrMult) {
        this.lrMult = lrMult;
        return this;
      }

      /**
       * Builds the value, with defaults filled in.
       *
       * @return the FineTuneSpec
       * @throws IllegalStateException naming every required field that was not set
       */
      public FineTuneSpec build() {
        BuilderChecks.requireSet("UnfreezeSpec.FineTuneSpec", "epochs", epochs);
        return new FineTuneSpec(frozenEpochs, epochs, lrMult);
      }
    }
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
    private GradualSpec gradual;
    private UnfreezeAtSpec at;
    private LpFtSpec lpFt;
    private FineTuneSpec fineTune;
    private String state;

    private Builder() {}

    /**
     * Sets ULMFiT gradual unfreezing.
     *
     * @param gradual the value
     * @return this builder
     */
    public Builder optGradual(GradualSpec gradual) {
      this.gradual = gradual;
      return this;
    }

    /**
     * Sets unfreezing of named groups at an epoch.
     *
     * @param at the value
     * @return this builder
     */
    public Builder optAt(UnfreezeAtSpec at) {
      this.at = at;
      return this;
    }

    /**
     * Sets linear probe, then full fine-tune.
     *
     * @param lpFt the value
     * @return this builder
     */
    public Builder optLpFt(LpFtSpec lpFt) {
      this.lpFt = lpFt;
      return this;
    }

    /**
     * Sets fastai fine_tune.
     *
     * @param fineTune the value
     * @return this builder
     */
    public Builder optFineTune(FineTuneSpec fineTune) {
      this.fineTune = fineTune;
      return this;
    }

    /**
     * Sets optimizer state of an unfreezing group: {@code keep} (default) or {@code reset}.
     *
     * @param state the value
     * @return this builder
     */
    public Builder optState(String state) {
      this.state = state;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the UnfreezeSpec
     */
    public UnfreezeSpec build() {
      return new UnfreezeSpec(gradual, at, lpFt, fineTune, state);
    }
  }
}
