package io.github.finetune4j.train;

import ai.djl.ndarray.NDArray;

/**
 * What the model is trained to do: the loss, and the metrics of a pass over a split. The loop calls
 * only these; it never learns which task it runs. Built-in: {@link ClassificationTask}, {@link
 * RegressionTask}, {@link MultiLabelTask}; a Java user may pass their own.
 */
public interface Task {

  /**
   * The task's name, as written in {@code summary.json} (e.g. {@code classification}).
   *
   * @return the name
   */
  String name();

  /**
   * The mean loss of a batch, a scalar array that the loop differentiates.
   *
   * @param outputs the model's outputs for the batch (logits, or predicted values)
   * @param targets the batch's targets ({@link Batches#labels}: class indexes or values)
   * @return a scalar
   */
  NDArray loss(NDArray outputs, NDArray targets);

  /**
   * A fresh accumulator of this task's metrics over one pass over a split.
   *
   * @return the accumulator
   */
  Accumulator accumulator();

  /**
   * A fresh accumulator for an evaluation pass over {@code split}: a task whose splits differ in
   * kind (an embedding task's retrieval split and its pairs) scores each its own way. {@link
   * #accumulator()} by default.
   *
   * @param split the split about to be evaluated
   * @return the accumulator
   */
  default Accumulator accumulator(Batches split) {
    return accumulator();
  }

  /**
   * Whether the loop evaluates the untouched model on the validation and test splits before the
   * first step, to report beside the tuned model (an embedding task: tuning can make retrieval
   * worse). False by default.
   *
   * @return whether the base model is evaluated
   */
  default boolean comparesToBase() {
    return false;
  }

  /**
   * The names of the metrics an evaluation of this task reports (what early stopping may watch,
   * besides {@code loss}).
   *
   * @return the names
   */
  default java.util.List<String> metricNames() {
    return java.util.List.of();
  }

  /**
   * The names of the model's outputs, in order (a classifier's classes, a regression's targets, a
   * multi-label model's labels); empty when the task does not name them.
   *
   * @return the names
   */
  default java.util.List<String> outputs() {
    return java.util.List.of();
  }

  /**
   * The metrics {@code summary.json} also shows at its top level, as {@code test_NAME} and {@code
   * final_valid_NAME} (a classifier's {@code accuracy}); none by default.
   *
   * @return the metric names
   */
  default java.util.List<String> summaryMetrics() {
    return java.util.List.of();
  }

  /**
   * The one metric that says how well the model does at this task — what the console, {@code
   * summary.json}'s {@code headline}, sweep tables and early stopping (by default) read. By default
   * the loss.
   *
   * @return the headline metric and its direction
   */
  default Headline headline() {
    return new Headline("loss", false);
  }

  /**
   * Whether this task fits part of its decision rule on the validation split once training has
   * ended (e.g. a multi-label task's per-label thresholds); then the loop, before the test pass,
   * runs {@link #calibrationAccumulator()} over the validation split with the final weights and
   * scores the test split with {@link #calibrate}'s result. False by default.
   *
   * @return whether the task calibrates
   */
  default boolean calibrates() {
    return false;
  }

  /**
   * An accumulator that keeps what {@link #calibrate} needs (by default {@link #accumulator()}).
   *
   * @return the accumulator
   */
  default Accumulator calibrationAccumulator() {
    return accumulator();
  }

  /**
   * The task with its decision rule fitted on a pass over the validation split.
   *
   * @param validation a {@link #calibrationAccumulator()} fed the validation split
   * @return the calibrated task (this task by default)
   */
  default Task calibrate(Accumulator validation) {
    return this;
  }

  /**
   * What {@link #calibrate} fitted, for {@code summary.json}'s {@code calibration} (e.g. {@code
   * thresholds: {label: value}}); empty by default.
   *
   * @return named values (numbers, or maps of them)
   */
  default java.util.Map<String, Object> calibration() {
    return java.util.Map.of();
  }

  /**
   * Whether higher values of one of this task's metrics are better: what early stopping's {@code
   * mode: auto} goes by. By default a loss, an error ({@code mae}, {@code rmse}) and a Hamming loss
   * are lower-is-better, everything else higher-is-better.
   *
   * @param metric {@code loss} or one of {@link #metricNames()}
   * @return true when larger is better
   */
  default boolean higherIsBetter(String metric) {
    String kind = metric.contains("/") ? metric.substring(0, metric.indexOf('/')) : metric;
    return !(kind.equals("loss")
        || kind.equals("mae")
        || kind.equals("rmse")
        || kind.equals("hamming_loss"));
  }

  /**
   * A task's headline metric.
   *
   * @param metric the metric's name ({@code loss}, or one of {@link #metricNames()})
   * @param higherIsBetter whether a larger value is better
   */
  record Headline(String metric, boolean higherIsBetter) {}

  /** Accumulates metrics batch by batch, in double precision. */
  interface Accumulator {

    /**
     * Adds a batch.
     *
     * @param outputs the model's outputs
     * @param targets the targets
     */
    void add(NDArray outputs, NDArray targets);

    /**
     * The metrics of everything added.
     *
     * @return the evaluation
     */
    Evaluation result();

    /**
     * Everything added so far as numbers, for a checkpoint taken inside an epoch; {@link #restore}
     * gives them back exactly.
     *
     * @return the state
     * @throws UnsupportedOperationException for an accumulator that cannot be checkpointed
     */
    default double[] snapshot() {
      throw new UnsupportedOperationException(
          getClass().getName() + " cannot be checkpointed inside an epoch");
    }

    /**
     * Restores a {@link #snapshot()} into a fresh accumulator.
     *
     * @param state the state
     */
    default void restore(double[] state) {
      throw new UnsupportedOperationException(
          getClass().getName() + " cannot be checkpointed inside an epoch");
    }
  }
}
