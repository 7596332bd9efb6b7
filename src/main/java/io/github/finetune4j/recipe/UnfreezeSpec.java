package io.github.finetune4j.recipe;

/**
 * A declarative unfreezing policy, expanded into stages (instead of listing {@code stages}).
 *
 * @param gradual ULMFiT gradual unfreezing
 * @param at unfreeze named groups at an epoch, with an lr warm-up (Lightning BackboneFinetuning)
 * @param lpFt linear probe, then full fine-tune
 * @param fineTune fastai fine_tune
 * @param state optimizer state of a group when it unfreezes
 */
@Doc("Declarative unfreezing, expanded into stages (give this or `stages`, not both). Exactly one"
    + " of `gradual`, `at`, `lp_ft`, `fine_tune`.")
public record UnfreezeSpec(
    @Doc("ULMFiT: start with the top group, unfreeze one more group (top down) every `every` epochs.")
        GradualSpec gradual,
    @Doc("Unfreeze `groups` at epoch `epoch`, their lr growing from `warmup_from`× by `grow`× per"
            + " epoch up to 1× (Lightning BackboneFinetuning).")
        UnfreezeAtSpec at,
    @Doc("LP-FT: train only the probe groups (the head), then every group.") LpFtSpec lpFt,
    @Doc("fastai fine_tune: top group only, then every group with lrs spread from lr/lr_mult (bottom)"
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
          java.util.List<String> groups,
      @Doc("Their lr multiplier in the first unfrozen epoch (default 0.1).") Double warmupFrom,
      @Doc("Growth of that multiplier per epoch, capped at 1 (default 2.0).") Double grow,
      @Required @Doc("Total epochs.") Integer epochs) {
    /** Applies defaults. */
    public UnfreezeAtSpec {
      groups = groups == null ? null : java.util.List.copyOf(groups);
      warmupFrom = warmupFrom == null ? 0.1 : warmupFrom;
      grow = grow == null ? 2.0 : grow;
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
      @Doc("Groups trained during the probe (default: the top group).") java.util.List<String> probe,
      @Doc("Probe epochs (default 1).") Integer probeEpochs,
      @Doc("Full fine-tuning epochs (default 2).") Integer finetuneEpochs) {
    /** Applies defaults. */
    public LpFtSpec {
      probe = probe == null ? null : java.util.List.copyOf(probe);
      probeEpochs = probeEpochs == null ? 1 : probeEpochs;
      finetuneEpochs = finetuneEpochs == null ? 2 : finetuneEpochs;
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
      @Doc("Top/bottom lr ratio once unfrozen, spread geometrically (default 100).") Double lrMult) {
    /** Applies defaults. */
    public FineTuneSpec {
      frozenEpochs = frozenEpochs == null ? 1 : frozenEpochs;
      lrMult = lrMult == null ? 100.0 : lrMult;
    }
  }
}
