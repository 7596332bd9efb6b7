package io.github.finetune4j.recipe;

import java.util.Arrays;
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
@Doc(
    "Learning-rate schedule over the whole run (a multiplier on every group's lr; frozen groups"
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
    private String type;
    private String per;
    private Double warmup;
    private Double floor;
    private List<Double> milestones;
    private Double gamma;
    private Double end;
    private Double cutFrac;
    private Double ratio;
    private Double pctStart;
    private Double div;
    private Double divFinal;

    private Builder() {}

    /**
     * Sets the schedule kind (default {@code constant}).
     *
     * @param type the value
     * @return this builder
     */
    public Builder optType(String type) {
      this.type = type;
      return this;
    }

    /**
     * Sets progress over the whole {@code run} (default) or each {@code stage}.
     *
     * @param per the value
     * @return this builder
     */
    public Builder optPer(String per) {
      this.per = per;
      return this;
    }

    /**
     * Sets the linear warm-up fraction (default 0).
     *
     * @param warmup the value
     * @return this builder
     */
    public Builder optWarmup(double warmup) {
      this.warmup = warmup;
      return this;
    }

    /**
     * Sets {@code cosine}: the final lr as a fraction of the peak (default 0).
     *
     * @param floor the value
     * @return this builder
     */
    public Builder optFloor(double floor) {
      this.floor = floor;
      return this;
    }

    /**
     * Sets {@code step}: progress fractions at which lr is multiplied by gamma.
     *
     * @param milestones the values
     * @return this builder
     */
    public Builder optMilestones(List<Double> milestones) {
      this.milestones = milestones == null ? null : List.copyOf(milestones);
      return this;
    }

    /**
     * Sets {@code step}: progress fractions at which lr is multiplied by gamma.
     *
     * @param milestones the values
     * @return this builder
     */
    public Builder optMilestones(double... milestones) {
      return optMilestones(Arrays.stream(milestones).boxed().toList());
    }

    /**
     * Sets {@code step}: the multiplier at each milestone (default 0.1).
     *
     * @param gamma the value
     * @return this builder
     */
    public Builder optGamma(double gamma) {
      this.gamma = gamma;
      return this;
    }

    /**
     * Sets {@code exponential}: the final multiplier (default 0.01).
     *
     * @param end the value
     * @return this builder
     */
    public Builder optEnd(double end) {
      this.end = end;
      return this;
    }

    /**
     * Sets {@code slanted_triangular}: the rising fraction (default 0.1).
     *
     * @param cutFrac the value
     * @return this builder
     */
    public Builder optCutFrac(double cutFrac) {
      this.cutFrac = cutFrac;
      return this;
    }

    /**
     * Sets {@code slanted_triangular}: peak/lowest lr ratio (default 32).
     *
     * @param ratio the value
     * @return this builder
     */
    public Builder optRatio(double ratio) {
      this.ratio = ratio;
      return this;
    }

    /**
     * Sets {@code one_cycle}: the rising fraction (default 0.25).
     *
     * @param pctStart the value
     * @return this builder
     */
    public Builder optPctStart(double pctStart) {
      this.pctStart = pctStart;
      return this;
    }

    /**
     * Sets {@code one_cycle}: initial lr = peak/div (default 25).
     *
     * @param div the value
     * @return this builder
     */
    public Builder optDiv(double div) {
      this.div = div;
      return this;
    }

    /**
     * Sets {@code one_cycle}: final lr = peak/div_final (default 1e5).
     *
     * @param divFinal the value
     * @return this builder
     */
    public Builder optDivFinal(double divFinal) {
      this.divFinal = divFinal;
      return this;
    }

    /**
     * Builds the value, with defaults filled in.
     *
     * @return the ScheduleSpec
     */
    public ScheduleSpec build() {
      return new ScheduleSpec(
          type,
          per,
          warmup,
          floor,
          milestones,
          gamma,
          end,
          cutFrac,
          ratio,
          pctStart,
          div,
          divFinal);
    }
  }
}
