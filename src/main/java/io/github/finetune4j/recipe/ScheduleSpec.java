package io.github.finetune4j.recipe;

import java.util.List;

/**
 * The learning-rate schedule: a multiplier on every group's lr as a function of run progress.
 *
 * @param type schedule kind
 * @param per whether progress runs over the whole run or restarts each stage
 * @param warmup fraction of the run spent in linear warm-up
 * @param floor cosine floor as a fraction of the peak
 * @param milestones step schedule milestones (fractions of the run)
 * @param gamma step decay factor
 * @param end exponential end factor
 * @param cutFrac slanted triangular rise fraction
 * @param ratio slanted triangular peak/low ratio
 * @param pctStart one-cycle rise fraction
 * @param div one-cycle start divisor
 * @param divFinal one-cycle end divisor
 */
@Doc("Learning-rate schedule over the whole run (a multiplier on every group's lr; frozen groups"
    + " stay at 0).")
public record ScheduleSpec(
    @OneOf({"constant", "step", "exponential", "cosine", "one_cycle", "slanted_triangular"})
        @Doc("Kind (default `constant`).")
        String type,
    @OneOf({"run", "stage"})
        @Doc("Progress over the whole `run` (default) or restarting in each `stage`.")
        String per,
    @Doc("Linear warm-up from 0 over this fraction of the run, before the schedule (default 0).")
        Double warmup,
    @Doc("`cosine`: final lr as a fraction of the peak (default 0).") Double floor,
    @Doc("`step`: progress fractions at which lr is multiplied by gamma.") List<Double> milestones,
    @Doc("`step`: multiplier at each milestone (default 0.1).") Double gamma,
    @Doc("`exponential`: final multiplier (default 0.01).") Double end,
    @Doc("`slanted_triangular`: fraction of the run spent rising (ULMFiT default 0.1).")
        Double cutFrac,
    @Doc("`slanted_triangular`: how much smaller the lowest lr is than the peak (default 32).")
        Double ratio,
    @Doc("`one_cycle`: fraction of the run spent rising (fastai default 0.25).") Double pctStart,
    @Doc("`one_cycle`: initial lr = peak/div (default 25).") Double div,
    @Doc("`one_cycle`: final lr = peak/div_final (default 1e5).") Double divFinal) {

  /** Applies defaults. */
  public ScheduleSpec {
    type = type == null ? "constant" : type;
    per = per == null ? "run" : per;
    warmup = warmup == null ? 0.0 : warmup;
    floor = floor == null ? 0.0 : floor;
    milestones = milestones == null ? List.of() : List.copyOf(milestones);
    gamma = gamma == null ? 0.1 : gamma;
    end = end == null ? 0.01 : end;
    cutFrac = cutFrac == null ? 0.1 : cutFrac;
    ratio = ratio == null ? 32.0 : ratio;
    pctStart = pctStart == null ? 0.25 : pctStart;
    div = div == null ? 25.0 : div;
    divFinal = divFinal == null ? 1e5 : divFinal;
  }
}
