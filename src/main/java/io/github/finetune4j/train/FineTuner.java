package io.github.finetune4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.github.finetune4j.monitor.EpochMetrics;
import io.github.finetune4j.monitor.GroupStats;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.RunWarning;
import io.github.finetune4j.monitor.StepMetrics;
import io.github.finetune4j.optim.Clipping;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.optim.ParamSlot;
import io.github.finetune4j.optim.Updater;
import io.github.finetune4j.params.ParamGroup;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.policy.OneCycle;
import io.github.finetune4j.policy.StagePlan;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The training loop, top to bottom in one place: for each stage set which groups train, then for
 * each batch: forward, loss, backward, clip, update (lr from the schedule), diagnostics; evaluate
 * after each epoch and on the test split at the end.
 *
 * <p>Each step returns a {@link StepOutcome} that the sinks and the {@link FaultTracker} read. The
 * rest is in collaborators: the {@link Checkpointer} (checkpoints, resume, rolling weights back
 * after a fault), {@link StageInputs} (the stage's frozen prefix and feature caches), {@link
 * GroupDiagnostics} (per-group figures), {@link EarlyStopper} (the best epoch's weights).
 *
 * <p>Every group is registered with the optimizer from step 0; a frozen group's parameters do not
 * require gradients (none is computed) and get no update of any kind, so they stay bit-identical.
 * Every temporary of a step is freed with the step's {@link NDScope}, so memory stays flat.
 */
public final class FineTuner implements AutoCloseable {

  private static final NDIndex ZERO_ALL = new NDIndex("...");

  private final TrainSetup s;

  /** Parameters that never train: the setup's, plus the affine parameters of freeze_all norms. */
  private final Set<String> pinned;

  private final NDManager manager;
  private final ParameterStore store;
  private final Updater updater;

  /** w0: in memory for L2-SP, else in a temporary file read back for drift. */
  private final InitialWeights initial;

  private final GroupDiagnostics diagnostics;
  private final EarlyStopper early;
  private final StageInputs inputs;
  private final FaultTracker faults;
  private final Checkpointer checkpoints;

  /**
   * Prepares a run: captures the initial weights w0 (for drift and L2-SP) once.
   *
   * @param setup the resolved setup
   * @param manager the manager that owns optimizer state and w0 (a child of the model's manager)
   */
  public FineTuner(TrainSetup setup, NDManager manager) {
    this.s = setup;
    this.manager = manager;
    List<String> statistics =
        setup.params().entrySet().stream()
            .filter(e -> ParameterNames.isStatistic(e.getValue()))
            .map(Map.Entry::getKey)
            .toList();
    if (!statistics.isEmpty()) {
      throw new IllegalArgumentException(
          "running statistics are not trainable parameters: "
              + statistics
              + " (use ParameterNames.trainable)");
    }
    Set<String> pin = new HashSet<>(setup.pinned());
    if (setup.norms() != null) {
      pin.addAll(setup.norms().pinnedAffine());
      List<String> problems = setup.norms().check(setup.stages(), setup.groups(), pin);
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(
            "the norm policy cannot be honoured: " + String.join("; ", problems));
      }
    }
    this.pinned = Set.copyOf(pin);
    this.store = new ParameterStore(manager, false);
    this.updater = new Updater(setup.rule(), manager);
    Set<String> l2sp = new HashSet<>();
    setup
        .hyper()
        .forEach(
            (name, h) -> {
              if (h.l2sp() > 0) {
                l2sp.add(name);
              }
            });
    this.initial = new InitialWeights(setup.params(), l2sp, setup.featureCache().spillDir());
    this.diagnostics = new GroupDiagnostics(setup, pinned, manager, initial);
    this.early = new EarlyStopper(setup, manager, diagnostics);
    this.inputs = new StageInputs(setup, store, manager);
    this.faults = new FaultTracker(setup, this::rollBack);
    this.checkpoints =
        new Checkpointer(setup, manager, updater, initial, diagnostics, faults, early);
  }

  /** After a fault whose weights are not trusted: see {@link Checkpointer#rollBack}. */
  private TrainingFault rollBack(TrainingFault f, long lastFiniteLossStep) {
    return checkpoints.rollBack(f, lastFiniteLossStep);
  }

  /**
   * Runs every stage, then evaluates on the test split. Stops early, with {@link RunResult#fault()}
   * set, at the first step whose training loss is not finite, after an evaluation whose validation
   * loss is not finite, or once more steps were skipped than the {@link FaultPolicy} allows; a test
   * loss that is not finite is a fault too.
   *
   * @return the outcome
   * @throws IOException when a sink fails to write
   */
  public RunResult run() throws IOException {
    long start = System.nanoTime();
    Progress p = new Progress(s);
    if (s.checkpoints() != null && s.checkpoints().resume() != null) {
      checkpoints.restore(s.checkpoints().resume(), p);
    } else if (s.norms() != null) {
      s.norms().prepare(s.block(), s.train(), s.batchSize(), store, manager);
    }
    if (p.base == null && s.task().comparesToBase()) {
      // the untouched model, before the first step (a resumed run has it from its checkpoint)
      p.base =
          new Base(
              s.valid() == null ? Pass.NONE : evaluate(s.valid()),
              s.test() == null ? Pass.NONE : evaluate(s.test()));
      for (MetricsSink sink : s.sinks()) {
        sink.onBase(p.base.valid().loss(), p.base.valid().metrics().metrics());
      }
    }
    for (int i = p.stage; i < s.stages().size() && p.running(); i++) {
      runStage(i, p);
    }
    EarlyStopping.Outcome stopped = early.finish(p);
    Task task = s.task();
    if (p.fault == null && task.calibrates() && s.valid() != null) {
      Task.Accumulator pass = task.calibrationAccumulator();
      evaluate(s.valid(), 0, task, pass);
      task = task.calibrate(pass);
    }
    Pass test = p.fault != null || s.test() == null ? Pass.NONE : evaluate(s.test(), 0, task);
    if (p.fault == null
        && s.test() != null
        && s.test().scoresLoss()
        && !Double.isFinite(test.loss())) {
      p.fault = faults.fail(0, p.step, "the test loss is " + test.loss());
    }
    return new RunResult(
        p.step,
        faults.skippedSteps(),
        p.epochs,
        test.loss(),
        test.metrics(),
        (System.nanoTime() - start) / 1e9,
        p.fault,
        stopped,
        inputs.cacheUses(),
        task,
        p.base);
  }

  /** One stage: set which groups train, then run its epochs (until a fault). */
  private void runStage(int index, Progress p) throws IOException {
    StagePlan stage = s.stages().get(index);
    // A run resumed inside a stage has its optimizer state already: freeze without resetting.
    applyFreezing(stage, index == 0 || p.resumedMidStage ? null : s.stages().get(index - 1));
    p.resumedMidStage = false;
    inputs.prepare(stage, name -> trains(name, stage));
    long stageStart = 0;
    for (int i = 0; i < index; i++) {
      stageStart += (long) p.perEpoch * s.stages().get(i).epochs();
    }
    for (int e = p.stageEpoch; e < stage.epochs() && p.running(); e++) {
      runEpoch(index, stage, stageStart, p);
      if (p.fault != null || p.done) {
        return;
      }
      p.stageEpoch = e + 1;
      if (p.stageEpoch == stage.epochs()) {
        p.stage = index + 1;
        p.stageEpoch = 0;
      }
      checkpoints.write(p); // at every epoch end
    }
  }

  /** One epoch: every batch in (seeded) order, then the validation pass and the epoch's metrics. */
  private void runEpoch(int stageIndex, StagePlan stage, long stageStart, Progress p)
      throws IOException {
    if (p.batch == 0) {
      p.epoch++;
      p.order =
          s.train()
              .epochOrder(
                  s.shuffle()
                      ? Indices.shuffled(s.train().size(), p.rng)
                      : Indices.range(0, s.train().size()),
                  s.batchSize());
      p.lossSum = 0;
      p.lossExamples = 0;
      p.trainMetrics = s.task().accumulator();
    }
    s.train().startEpoch(p.epoch);
    long epochStart = System.nanoTime();
    for (int b = p.batch; b < p.perEpoch; b++) {
      p.step++;
      int[] idx = Indices.slice(p.order, b * p.stepBatch, p.stepBatch);
      StepOutcome o = trainStep(stageIndex, stage, stageStart, idx, p, p.trainMetrics);
      faults.record(o);
      if (!o.skipped()) { // a skipped step's loss is not part of the epoch's
        p.lossSum += o.loss() * idx.length;
        p.lossExamples += idx.length;
      }
      p.batch = b + 1;
      emitStep(o);
      p.fault = faults.stepFault(o);
      if (p.fault != null) {
        return;
      }
      if ((s.maxSteps() > 0 && p.step >= s.maxSteps())
          || (s.stopWhen() != null && s.stopWhen().test(o.metrics()))) {
        p.done = true;
        return;
      }
      checkpoints.afterStep(p); // asked to stop (a signal), or every n steps
    }
    p.batch = 0;
    Pass valid =
        s.valid() != null && s.evalEveryEpoch()
            ? evaluate(inputs.valid(), inputs.validFrom())
            : Pass.NONE;
    EpochMetrics em =
        new EpochMetrics(
            p.epoch,
            stageIndex,
            p.step,
            p.lossExamples == 0 ? Double.NaN : p.lossSum / p.lossExamples,
            p.trainMetrics.result().metrics(),
            valid.loss(),
            valid.metrics().metrics(),
            (System.nanoTime() - epochStart) / 1e9);
    p.epochs.add(em);
    for (MetricsSink sink : s.sinks()) {
      sink.onEpoch(em);
    }
    boolean validLoss = s.valid() != null && s.valid().scoresLoss();
    if (s.valid() != null && s.evalEveryEpoch() && (!validLoss || Double.isFinite(valid.loss()))) {
      early.score(em, p);
    }
    if (validLoss && s.evalEveryEpoch() && !Double.isFinite(valid.loss())) {
      p.fault =
          faults.fail(
              p.step, p.step, "the validation loss after epoch " + p.epoch + " is " + valid.loss());
    }
  }

  /** The engine's seed for a step: dropout draws depend on the run's seed and the step only. */
  private int stepSeed(long step) {
    long z = s.seed() * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 31)) * 0x94D049BB133111EBL;
    return (int) (z ^ (z >>> 29)) & Integer.MAX_VALUE;
  }

  /**
   * One step: lr from the schedule, forward, loss, backward, then clip and update every trainable
   * parameter (unless the loss, a gradient or a learning rate is not finite) and zero their
   * gradients; per-group diagnostics when sampled (gradient norms taken before clipping).
   */
  private StepOutcome trainStep(
      int stageIndex,
      StagePlan stage,
      long stageStart,
      int[] idx,
      Progress p,
      Task.Accumulator trainMetrics) {
    long t0 = System.nanoTime();
    long step = p.step;
    boolean sample = step % s.every() == 0 || step == 1;
    long stageSteps = (long) p.perEpoch * stage.epochs();
    double progress =
        s.schedulePerStage()
            ? (step - 1 - stageStart) / (double) Math.max(1, stageSteps - 1)
            : (step - 1) / (double) Math.max(1, p.totalSteps - 1);
    double factor = s.schedule().factor(progress);
    // One-cycle also cycles momentum / beta1 (0.95 -> 0.85 -> 0.95) for rules that have one.
    OptionalDouble momentum =
        s.schedule() instanceof OneCycle oc && s.rule().defaultMomentum() > 0
            ? OptionalDouble.of(oc.momentum(progress))
            : OptionalDouble.empty();
    Engine.getInstance().setRandomSeed(stepSeed(step));
    try (NDScope scope = new NDScope();
        NDManager sm = manager.newSubManager()) {
      double batchLoss = 0;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        // accumulate batches of batch_size: each loss weighted by its share of the step's
        // examples, so the summed gradient is the one of a single batch of them all
        for (int from = 0; from < idx.length; from += s.batchSize()) {
          int[] part = idx.length <= s.batchSize() ? idx : Indices.slice(idx, from, s.batchSize());
          NDList in = inputs.train().inputs(sm, part);
          NDArray labels = inputs.train().labels(sm, part);
          NDArray outputs = inputs.forwardTrain(in).singletonOrThrow();
          NDArray l = s.task().loss(outputs, labels);
          if (part.length < idx.length) {
            // an engine-owned scalar, never mul(Number) on an array that needs gradients: DJL's
            // Number operand aliases a Java buffer that autograd may read after it is freed
            // (docs/decisions.md, "Memory safety with DJL")
            l =
                l.mul(
                    sm.full(
                        new Shape(),
                        (float) part.length / idx.length,
                        l.getDataType(),
                        l.getDevice()));
          }
          gc.backward(l);
          batchLoss += l.getFloat();
          trainMetrics.add(outputs, labels);
        }
      }
      Collected c = collect(stage, factor, momentum, sample);
      StepOutcome o = clipAndStep(c, Double.isFinite(batchLoss));
      for (NDArray grad : c.grads()) {
        // PyTorch accumulates gradients: reset them for the next step. A fill, not grad - grad,
        // which would keep a NaN or an infinity forever.
        grad.set(ZERO_ALL, 0f);
      }
      Map<String, GroupStats> stats =
          sample
              ? diagnostics.groupStats(stage, factor, c.gradSq(), c.updateSq(), o.skipped())
              : new LinkedHashMap<>();
      double secs = (System.nanoTime() - t0) / 1e9;
      return o.with(
          new StepMetrics(
              step,
              p.totalSteps,
              p.epoch,
              stageIndex,
              batchLoss,
              idx.length / secs,
              GroupDiagnostics.rss(),
              diagnostics.appliedLr(stage, factor),
              stats));
    }
  }

  /** Hands a step's metrics to the sinks, with the warnings it raised. */
  private void emitStep(StepOutcome o) throws IOException {
    for (MetricsSink sink : s.sinks()) {
      sink.onStep(o.metrics());
    }
    List<RunWarning> warnings = new ArrayList<>();
    RunWarning skipped = faults.warning(o); // the first skipped step, once per run
    if (skipped != null) {
      warnings.add(skipped);
    }
    warnings.addAll(s.warnings().accept(o.metrics()));
    for (RunWarning w : warnings) {
      for (MetricsSink sink : s.sinks()) {
        sink.onWarning(w);
      }
    }
  }

  /** Whether a parameter trains in a stage: its group does and it is not pinned. */
  private boolean trains(String name, StagePlan stage) {
    return stage.trainable().contains(s.groups().groupOf(name).name()) && !pinned.contains(name);
  }

  /**
   * The untouched model's evaluation, before the first step.
   *
   * @param valid on the validation split ({@link Pass#NONE} without one)
   * @param test on the test split ({@link Pass#NONE} without one)
   */
  public record Base(Pass valid, Pass test) {}

  /**
   * The mean loss and the task's metrics over a split.
   *
   * @param loss mean loss (NaN without a split, or for a split without a loss)
   * @param metrics the task's metrics
   */
  public record Pass(double loss, Evaluation metrics) {
    /** No split. */
    public static final Pass NONE = new Pass(Double.NaN, Evaluation.NONE);
  }

  /**
   * Loss and the task's metrics over a split, without gradients and with dropout off.
   *
   * @param data the split
   * @return the pass
   */
  public Pass evaluate(Batches data) {
    return evaluate(data, 0);
  }

  /** {@link #evaluate(Batches)} on inputs of segment {@code from} (a cache's), or of the model. */
  private Pass evaluate(Batches data, int from) {
    return evaluate(data, from, s.task());
  }

  /** {@link #evaluate(Batches, int)} scored by {@code task}. */
  private Pass evaluate(Batches data, int from, Task task) {
    return evaluate(data, from, task, task.accumulator(data));
  }

  /** {@link #evaluate(Batches, int)} scored by {@code task} into {@code metrics}. */
  private Pass evaluate(Batches data, int from, Task task, Task.Accumulator metrics) {
    int[] order = data.evalOrder();
    double lossSum = 0;
    int bs = s.batchSize() * 2;
    for (int b = 0; b < order.length; b += bs) {
      int[] idx = Indices.slice(order, b, bs);
      try (NDScope scope = new NDScope();
          NDManager sm = manager.newSubManager()) {
        NDArray labels = data.labels(sm, idx);
        NDList in = data.inputs(sm, idx);
        NDArray outputs = inputs.forwardInference(in, from).singletonOrThrow();
        if (data.scoresLoss()) {
          lossSum += task.loss(outputs, labels).getFloat() * idx.length;
        }
        metrics.add(outputs, labels);
      }
    }
    return new Pass(data.scoresLoss() ? lossSum / order.length : Double.NaN, metrics.result());
  }

  /**
   * Sets which parameters require gradients; optionally drops the optimizer state of groups that
   * start training again (they keep their registration, only the moments are cleared).
   */
  private void applyFreezing(StagePlan stage, StagePlan previous) {
    List<String> restarted = new ArrayList<>();
    s.params()
        .forEach(
            (name, p) -> {
              String group = s.groups().groupOf(name).name();
              boolean trains = trains(name, stage);
              p.getArray().setRequiresGradient(trains);
              if (trains && previous != null && !previous.trainable().contains(group)) {
                restarted.add(name);
              }
            });
    if (s.resetStateOnUnfreeze()) {
      updater.reset(restarted);
    }
    if (s.norms() != null) {
      s.norms().layers().fixStatistics(s.norms().fixedIn(stage));
    }
  }

  /**
   * The trainable parameters of a step with their gradients and this step's hyper-parameters; when
   * sampled, also each group's squared gradient norm and a copy of the weights before.
   */
  private record Collected(
      List<ParamSlot> slots,
      List<NDArray> grads,
      List<String> gradGroup,
      Map<String, Double> updateSq,
      Map<String, Double> gradSq,
      boolean sample) {}

  private Collected collect(
      StagePlan stage, double factor, OptionalDouble momentum, boolean sample) {
    Collected c =
        new Collected(
            new ArrayList<>(),
            new ArrayList<>(),
            new ArrayList<>(),
            new HashMap<>(),
            new HashMap<>(),
            sample);
    for (ParamGroup g : s.groups().groups()) {
      if (!stage.trainable().contains(g.name())) {
        continue;
      }
      double sum = 0;
      for (String name : g.members()) {
        if (pinned.contains(name)) {
          continue;
        }
        NDArray w = s.params().get(name).getArray();
        NDArray grad = w.getGradient(); // a new handle; freed with the step's scope
        c.grads().add(grad);
        c.gradGroup().add(g.name());
        GroupHyper h = s.hyper().get(name);
        if (momentum.isPresent()) {
          h = h.withMomentum(momentum.getAsDouble());
        }
        c.slots()
            .add(
                new ParamSlot(
                    name,
                    w,
                    grad,
                    h.withLr(h.lr() * factor * stage.scale(g.name())),
                    h.l2sp() > 0 ? initial.resident(name) : null));
        diagnostics.forget(name); // about to change
        if (sample) {
          sum += GroupDiagnostics.sq(grad);
        }
      }
      c.gradSq().put(g.name(), sum);
    }
    return c;
  }

  /**
   * Applies the update. On a sampled step, group by group, each group's weights copied just before
   * its update to measure ‖Δw‖ (one group's copy alive at a time, not the whole model's):
   * per-tensor rules give the same values as one call over every tensor.
   */
  private void step(Collected c) {
    if (!c.sample()) {
      updater.step(c.slots());
      return;
    }
    int from = 0;
    while (from < c.slots().size()) {
      String group = c.gradGroup().get(from);
      int to = from;
      while (to < c.slots().size() && c.gradGroup().get(to).equals(group)) {
        to++;
      }
      List<ParamSlot> part = c.slots().subList(from, to);
      List<NDArray> before = new ArrayList<>(part.size());
      for (ParamSlot p : part) {
        before.add(p.weight().duplicate());
      }
      updater.step(part);
      double u2 = 0;
      for (int i = 0; i < part.size(); i++) {
        NDArray delta = before.get(i);
        delta.subi(part.get(i).weight()); // in place on the copy: w_before − w_after
        u2 += GroupDiagnostics.sq(delta);
        delta.close();
      }
      c.updateSq().put(group, u2);
      from = to;
    }
  }

  /**
   * Clips the gradients and applies the update. A step whose loss or gradients are not finite is
   * not applied (the outcome names the groups whose gradients are not) rather than written into
   * every weight and moment; after an update, the updated weights are checked (one fused norm
   * each). Returns the outcome without the step's metrics.
   */
  private StepOutcome clipAndStep(Collected c, boolean lossFinite) {
    if (s.clipValue() > 0) {
      Clipping.clipValue(c.grads(), s.clipValue());
    }
    double[] gradSqEach = new double[c.grads().size()];
    double total =
        Clipping.clipGlobalNorm(
            c.grads(), s.clipNorm() > 0 ? s.clipNorm() : Double.MAX_VALUE, gradSqEach);
    Set<String> lrTooLarge = new LinkedHashSet<>();
    for (int i = 0; i < c.slots().size(); i++) {
      if (Float.isInfinite((float) c.slots().get(i).hyper().lr())) {
        lrTooLarge.add(c.gradGroup().get(i));
      }
    }
    List<String> badLr = List.copyOf(lrTooLarge);
    boolean finite = lossFinite && Double.isFinite(total) && badLr.isEmpty();
    Set<String> badUpdate = new LinkedHashSet<>();
    if (finite) {
      step(c);
      for (int i = 0; i < c.slots().size(); i++) {
        if (!FaultTracker.finite(c.slots().get(i).weight())) {
          badUpdate.add(c.gradGroup().get(i));
        }
      }
    }
    Set<String> badGrad = new LinkedHashSet<>();
    if (!Double.isFinite(total)) {
      for (int i = 0; i < gradSqEach.length; i++) {
        if (!Double.isFinite(gradSqEach[i])) {
          badGrad.add(c.gradGroup().get(i));
        }
      }
    }
    return new StepOutcome(
        null, lossFinite, !finite, total, List.copyOf(badGrad), badLr, List.copyOf(badUpdate));
  }

  /**
   * How many updates the optimizer has applied to a parameter (resets count from zero).
   *
   * @param name parameter name
   * @return the optimizer's step count for it
   */
  public long optimizerSteps(String name) {
    return updater.stepCount(name);
  }

  @Override
  public void close() {
    inputs.close();
    initial.close();
    early.close();
    updater.close();
  }
}
