package io.github.finetune4j.recipe;

import java.util.List;

/**
 * Transfer regularizers.
 *
 * @param l2sp strength alpha of the pull toward the pre-trained weights
 * @param l2spMode coupled or decoupled
 * @param l2spGroups groups that are pulled toward w0 (default: all but the head)
 * @param l1 L1 strength
 */
@Doc("Transfer regularizers; never applied to frozen parameters.")
public record RegularizerSpec(
    @Doc("L2-SP (Li et al. 2018): alpha/2·‖w−w₀‖² pulls pre-trained groups toward their loaded"
            + " weights w₀.")
        Double l2sp,
    @OneOf({"coupled", "decoupled"})
        @Doc("`coupled` adds alpha·(w−w₀) to the gradient (default); `decoupled` applies"
            + " w −= lr·alpha·(w−w₀) beside the rule.")
        String l2spMode,
    @Doc("Groups pulled toward w₀ (default: every group except the last, the new head; new layers"
            + " get plain weight decay).")
        List<String> l2spGroups,
    @Doc("L1 strength, coupled: adds l1·sign(w) to the gradient.") Double l1) {

  /** Applies defaults. */
  public RegularizerSpec {
    l2sp = l2sp == null ? 0.0 : l2sp;
    l2spMode = l2spMode == null ? "coupled" : l2spMode;
    l2spGroups = l2spGroups == null ? null : List.copyOf(l2spGroups);
    l1 = l1 == null ? 0.0 : l1;
  }
}
