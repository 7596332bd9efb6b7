package io.github.finetune4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.model.NormLayers;
import io.github.finetune4j.model.Segmented;
import io.github.finetune4j.monitor.EpochMetrics;
import io.github.finetune4j.monitor.GroupStats;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.RunWarning;
import io.github.finetune4j.monitor.StepMetrics;
import io.github.finetune4j.optim.Clipping;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.optim.ParamSlot;
import io.github.finetune4j.optim.ParamState;
import io.github.finetune4j.optim.Updater;
import io.github.finetune4j.params.ParamGroup;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.policy.OneCycle;
import io.github.finetune4j.policy.StagePlan;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.Set;

/**
 * The training loop, top to bottom in one place: for each stage set which groups train, then for
 * each batch: forward, loss, backward, clip, update (lr from the schedule), diagnostics; evaluate
 * after each epoch and on the test split at the end.
 *
 * <p>Every group is registered with the optimizer from step 0; a frozen group's parameters do not
 * require gradients (none is computed) and get no update of any kind, so they stay bit-identical.
 * Every temporary of a step is freed with the step's {@link NDScope}, so memory stays flat.
 */
public final class FineTuner implements AutoCloseable {

  private static final NDIndex ZERO_ALL = new NDIndex("...");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TrainSetup s;

  /** Parameters that never train: the setup's, plus the affine parameters of freeze_all norms. */
  private final Set<String> pinned;

  private long skippedSteps;
  private boolean lastStepSkipped;
  private final FaultPolicy faults;

  /** The first step whose gradients were not finite (0: none yet), and its groups. */
  private long firstBadGradientStep;

  private List<String> badGradientGroups = List.of();

  /** This step's loss or gradients were not finite: its update was not applied. */
  private boolean badStep;

  /** The groups whose weights this step's update left non-finite (empty: none). */
  private List<String> badUpdateGroups = List.of();

  /** The groups whose learning rate at this step does not fit a float (empty: none). */
  private List<String> badLrGroups = List.of();

  /**
   * The last step whose training loss was finite: the weights it ran with (those after the step
   * before) are known to be good, and so is any checkpoint up to that step before.
   */
  private long lastFiniteLossStep;

  private final NDManager manager;
  private final ParameterStore store;

  /** The model's segments, when it has them and frozen prefixes may be run apart. */
  private final Segmented segmented;

  /** How the current stage runs: its frozen prefix and the splits it trains and validates on. */
  private StageData current;

  /** The caches built so far. */
  private final List<RunResult.CacheUse> cacheUses = new ArrayList<>();

  private final Updater updater;

  /** w0: in memory for L2-SP, else in a temporary file read back for drift. */
  private final InitialWeights initial;

  /** Early stopping: the best epoch's weights and running statistics, by parameter name. */
  private final Map<String, NDArray> best = new LinkedHashMap<>();

  /** ‖w0‖² per parameter, computed once in float64. */
  private final Map<String, Double> initialSq = new HashMap<>();

  /**
   * Per parameter {‖w‖², ‖w−w0‖²} as last computed; removed whenever the parameter is updated, so a
   * frozen parameter's figures are computed once and reused while it stays frozen.
   */
  private final Map<String, double[]> weightSq = new HashMap<>();

  /**
   * Prepares a run: captures the initial weights w0 (for drift and L2-SP) once.
   *
   * @param setup the resolved setup
   * @param manager the manager that owns optimizer state and w0 (a child of the model's manager)
   */
  public FineTuner(TrainSetup setup, NDManager manager) {
    this.s = setup;
    this.faults = setup.faults();
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
    this.segmented =
        setup.featureCache().mode() != FeatureCachePolicy.Mode.OFF
                && setup.block() instanceof Segmented sg
            ? sg
            : null;
    this.current = new StageData(0, false, setup.train(), setup.valid(), 0);
    this.updater = new Updater(setup.rule(), manager);
    try (NDScope scope = new NDScope()) { // frees the float64 temporaries
      setup.params().forEach((name, p) -> initialSq.put(name, sq64(p.getArray())));
    }
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
    Progress p = new Progress();
    if (s.checkpoints() != null && s.checkpoints().resume() != null) {
      restore(s.checkpoints().resume(), p);
    } else {
      prepareNorms();
    }
    for (int i = p.stage; i < s.stages().size() && p.running(); i++) {
      runStage(i, p);
    }
    EarlyStopping.Outcome early = null;
    if (s.earlyStopping() != null) {
      boolean restored = p.fault == null && s.earlyStopping().restoreBest() && !best.isEmpty();
      if (restored) {
        restoreBest();
      }
      early =
          new EarlyStopping.Outcome(
              s.earlyStopping().metric(), p.bestEpoch, p.bestValue, p.stoppedAfter, restored);
    }
    Pass test = p.fault != null || s.test() == null ? Pass.NONE : evaluate(s.test());
    if (p.fault == null && s.test() != null && !Double.isFinite(test.loss())) {
      p.fault = fail(0, p.step, "the test loss is " + test.loss());
    }
    return new RunResult(
        p.step,
        skippedSteps,
        p.epochs,
        test.loss(),
        test.metrics(),
        (System.nanoTime() - start) / 1e9,
        p.fault,
        early,
        cacheUses);
  }

  /**
   * Where the run is: counters, the data-order generator, the epochs so far, the current epoch's
   * order and running sums, a fault. Everything a checkpoint holds besides tensors.
   */
  private final class Progress {
    /** Examples per optimizer step: {@code accumulate} batches. */
    final int stepBatch = s.batchSize() * s.accumulate();

    final int perEpoch = (s.train().size() + stepBatch - 1) / stepBatch;
    final long totalSteps =
        s.maxSteps() > 0
            ? s.maxSteps()
            : (long) perEpoch * s.stages().stream().mapToInt(StagePlan::epochs).sum();
    Random rng = new Random(s.seed());
    final List<EpochMetrics> epochs = new ArrayList<>();
    long step;
    int epoch;
    int stage;
    int stageEpoch;
    int batch;
    int[] order;
    double lossSum;
    long lossExamples;
    Task.Accumulator trainMetrics;
    boolean resumedMidStage;
    TrainingFault fault;

    /** Early stopping: the best value and its epoch, epochs since, the epoch it stopped after. */
    double bestValue = Double.NaN;

    int bestEpoch;
    int badEpochs;
    int stoppedAfter;

    /** The step budget is spent or the stop test said so. */
    boolean done;

    boolean running() {
      return fault == null && stoppedAfter == 0 && !done;
    }
  }

  /** One stage: set which groups train, then run its epochs (until a fault). */
  private void runStage(int index, Progress p) throws IOException {
    StagePlan stage = s.stages().get(index);
    // A run resumed inside a stage has its optimizer state already: freeze without resetting.
    applyFreezing(stage, index == 0 || p.resumedMidStage ? null : s.stages().get(index - 1));
    p.resumedMidStage = false;
    prepareStage(stage);
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
      checkpoint(p); // at every epoch end
    }
  }

  /** One epoch: every batch in (seeded) order, then the validation pass and the epoch's metrics. */
  private void runEpoch(int stageIndex, StagePlan stage, long stageStart, Progress p)
      throws IOException {
    if (p.batch == 0) {
      p.epoch++;
      p.order = s.shuffle() ? shuffled(s.train().size(), p.rng) : range(0, s.train().size());
      p.lossSum = 0;
      p.lossExamples = 0;
      p.trainMetrics = s.task().accumulator();
    }
    s.train().startEpoch(p.epoch);
    long epochStart = System.nanoTime();
    for (int b = p.batch; b < p.perEpoch; b++) {
      p.step++;
      int[] idx = slice(p.order, b * p.stepBatch, p.stepBatch);
      StepMetrics m = trainStep(stageIndex, stage, stageStart, idx, p, p.trainMetrics);
      if (!badStep) { // a skipped step's loss is not part of the epoch's
        p.lossSum += m.loss() * idx.length;
        p.lossExamples += idx.length;
      }
      p.batch = b + 1;
      emitStep(m);
      p.fault = stepFault(m);
      if (p.fault != null) {
        return;
      }
      if ((s.maxSteps() > 0 && p.step >= s.maxSteps())
          || (s.stopWhen() != null && s.stopWhen().test(m))) {
        p.done = true;
        return;
      }
      CheckpointPolicy c = s.checkpoints();
      if (c != null && c.stop() != null && c.stop().getAsBoolean()) {
        checkpoint(p); // asked to stop (a signal): the run continues from here with --resume
        c.stopped().accept(p.step);
        waitForTheEnd();
      }
      if (c != null && c.every() > 0 && p.step % c.every() == 0 && p.batch < p.perEpoch) {
        checkpoint(p);
      }
    }
    p.batch = 0;
    Pass valid =
        s.valid() != null && s.evalEveryEpoch()
            ? evaluate(current.valid(), current.validFrom())
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
    if (s.valid() != null && s.evalEveryEpoch() && Double.isFinite(valid.loss())) {
      earlyStopping(em, p);
    }
    if (s.valid() != null && s.evalEveryEpoch() && !Double.isFinite(valid.loss())) {
      p.fault =
          fail(
              p.step, p.step, "the validation loss after epoch " + p.epoch + " is " + valid.loss());
    }
  }

  /** Scores an epoch for early stopping: keeps the best epoch's weights, stops after patience. */
  private void earlyStopping(EpochMetrics em, Progress p) {
    EarlyStopping es = s.earlyStopping();
    if (es == null) {
      return;
    }
    double value =
        es.metric().equals("loss")
            ? em.validLoss()
            : em.valid().getOrDefault(es.metric(), Double.NaN);
    if (es.improves(value, p.bestValue)) {
      p.bestValue = value;
      p.bestEpoch = em.epoch();
      p.badEpochs = 0;
      if (es.restoreBest()) {
        for (Map.Entry<String, Parameter> e : ParameterNames.of(s.block()).entrySet()) {
          NDArray w = e.getValue().getArray();
          NDArray b = best.get(e.getKey());
          if (b == null) {
            b = w.duplicate();
            b.attach(manager);
            best.put(e.getKey(), b);
          } else {
            b.set(ZERO_ALL, w);
          }
        }
      }
    } else if (++p.badEpochs >= es.patience()) {
      p.stoppedAfter = em.epoch();
    }
  }

  /** Puts the best epoch's weights and running statistics back. */
  private void restoreBest() {
    for (Map.Entry<String, Parameter> e : ParameterNames.of(s.block()).entrySet()) {
      NDArray b = best.get(e.getKey());
      if (b != null) {
        e.getValue().getArray().set(ZERO_ALL, b);
      }
    }
    weightSq.clear();
  }

  /** After a stop checkpoint the signal handler ends the process; this thread does nothing more. */
  private static void waitForTheEnd() {
    while (true) {
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("stopped for a signal", e);
      }
    }
  }

  /** The engine's seed for a step: dropout draws depend on the run's seed and the step only. */
  private int stepSeed(long step) {
    long z = s.seed() * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 31)) * 0x94D049BB133111EBL;
    return (int) (z ^ (z >>> 29)) & Integer.MAX_VALUE;
  }

  // ---- checkpoints ----

  /** Writes a checkpoint when the run has a checkpoint policy. */
  private void checkpoint(Progress p) throws IOException {
    CheckpointPolicy c = s.checkpoints();
    if (c == null) {
      return;
    }
    ObjectNode state = c.extras() == null ? JSON.createObjectNode() : c.extras().deepCopy();
    state.put("epoch", p.epoch);
    state.put("stage", p.stage);
    state.put("stage_epoch", p.stageEpoch);
    state.put("batch", p.batch);
    if (p.batch > 0) {
      ArrayNode order = state.putArray("order");
      for (int i : p.order) {
        order.add(i);
      }
      state.put("loss_sum", p.lossSum);
      state.put("loss_examples", p.lossExamples);
      ArrayNode acc = state.putArray("train_metrics");
      for (double v : p.trainMetrics.snapshot()) {
        acc.add(v);
      }
    }
    state.put("rng", Base64.getEncoder().encodeToString(serialize(p.rng)));
    state.set("epochs", JSON.valueToTree(p.epochs));
    state.put("skipped_steps", skippedSteps);
    state.put("last_step_skipped", lastStepSkipped);
    state.put("first_bad_gradient_step", firstBadGradientStep);
    state.set("bad_gradient_groups", JSON.valueToTree(badGradientGroups));
    state.set("warnings", s.warnings().state());
    if (s.earlyStopping() != null) {
      ObjectNode es = state.putObject("early_stopping");
      if (!Double.isNaN(p.bestValue)) {
        es.put("best_value", p.bestValue);
      }
      es.put("best_epoch", p.bestEpoch);
      es.put("bad_epochs", p.badEpochs);
      es.put("stopped_after", p.stoppedAfter);
    }
    Map<String, Checkpoint.Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : ParameterNames.of(s.block()).entrySet()) {
      NDArray a = e.getValue().getArray();
      tensors.put(
          "w/" + e.getKey(), new Checkpoint.Tensor(a.getShape().getShape(), a.toFloatArray()));
    }
    for (Map.Entry<String, NDArray> e : best.entrySet()) {
      NDArray a = e.getValue();
      tensors.put(
          "b/" + e.getKey(), new Checkpoint.Tensor(a.getShape().getShape(), a.toFloatArray()));
    }
    ObjectNode steps = state.putObject("optimizer_steps");
    for (Map.Entry<String, ParamState> e : updater.exportState().entrySet()) {
      steps.put(e.getKey(), e.getValue().step());
      for (Map.Entry<String, float[]> b : e.getValue().buffers().entrySet()) {
        tensors.put(
            "o/" + e.getKey() + "/" + b.getKey(),
            new Checkpoint.Tensor(e.getValue().shape(), b.getValue()));
      }
    }
    Checkpoint.write(c.root(), p.step, state, tensors, c.files(), c.keep());
  }

  /** Puts a checkpoint's weights (running statistics included) back into the model. */
  private void restoreWeights(Checkpoint c) {
    for (Map.Entry<String, Parameter> e : ParameterNames.of(s.block()).entrySet()) {
      Checkpoint.Tensor t = c.tensors().get("w/" + e.getKey());
      NDArray a = e.getValue().getArray();
      if (t == null || !Arrays.equals(t.shape(), a.getShape().getShape())) {
        throw new IllegalArgumentException(
            "the checkpoint " + c.dir() + " does not hold the model's parameter " + e.getKey());
      }
      // into the parameter's own storage (NDArray.set(Buffer) would re-point it at a Java buffer)
      try (NDArray values = a.getManager().create(t.values(), a.getShape())) {
        a.set(ZERO_ALL, values);
      }
    }
    weightSq.clear();
  }

  /** Puts the run back where a checkpoint left it: weights, optimizer state and loop state. */
  private void restore(Checkpoint c, Progress p) {
    JsonNode st = c.state();
    restoreWeights(c);
    Map<String, ParamState> opt = new LinkedHashMap<>();
    st.path("optimizer_steps")
        .fields()
        .forEachRemaining(
            e -> {
              String name = e.getKey();
              Map<String, float[]> buffers = new LinkedHashMap<>();
              long[] shape = null;
              for (Map.Entry<String, Checkpoint.Tensor> t : c.tensors().entrySet()) {
                if (t.getKey().startsWith("o/" + name + "/")) {
                  buffers.put(t.getKey().substring(name.length() + 3), t.getValue().values());
                  shape = t.getValue().shape();
                }
              }
              if (shape == null) {
                shape = s.params().get(name).getArray().getShape().getShape();
              }
              opt.put(name, new ParamState(e.getValue().asLong(), shape, buffers));
            });
    updater.importState(opt);
    p.step = c.step();
    p.epoch = st.path("epoch").asInt();
    p.stage = st.path("stage").asInt();
    p.stageEpoch = st.path("stage_epoch").asInt();
    p.batch = st.path("batch").asInt();
    p.resumedMidStage = p.stageEpoch > 0 || p.batch > 0;
    if (p.batch > 0) {
      p.order = new int[st.path("order").size()];
      for (int i = 0; i < p.order.length; i++) {
        p.order[i] = st.path("order").get(i).asInt();
      }
      p.lossSum = st.path("loss_sum").asDouble();
      p.lossExamples = st.path("loss_examples").asLong();
      double[] acc = new double[st.path("train_metrics").size()];
      for (int i = 0; i < acc.length; i++) {
        acc[i] = st.path("train_metrics").get(i).asDouble();
      }
      p.trainMetrics = s.task().accumulator();
      p.trainMetrics.restore(acc);
    }
    p.rng = (Random) deserialize(Base64.getDecoder().decode(st.path("rng").asText()));
    p.epochs.addAll(
        JSON.convertValue(
            st.path("epochs"),
            JSON.getTypeFactory().constructCollectionType(List.class, EpochMetrics.class)));
    skippedSteps = st.path("skipped_steps").asLong();
    lastStepSkipped = st.path("last_step_skipped").asBoolean();
    firstBadGradientStep = st.path("first_bad_gradient_step").asLong();
    badGradientGroups =
        JSON.convertValue(
            st.path("bad_gradient_groups"),
            JSON.getTypeFactory().constructCollectionType(List.class, String.class));
    s.warnings().restore(st.path("warnings"));
    JsonNode es = st.path("early_stopping");
    if (!es.isMissingNode()) {
      p.bestValue = es.path("best_value").asDouble(Double.NaN);
      p.bestEpoch = es.path("best_epoch").asInt();
      p.badEpochs = es.path("bad_epochs").asInt();
      p.stoppedAfter = es.path("stopped_after").asInt();
    }
    for (Map.Entry<String, Checkpoint.Tensor> t : c.tensors().entrySet()) {
      if (t.getKey().startsWith("b/")) {
        NDArray b = manager.create(t.getValue().values(), new Shape(t.getValue().shape()));
        best.put(t.getKey().substring(2), b);
      }
    }
    weightSq.clear();
  }

  private static byte[] serialize(Object o) {
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Object deserialize(byte[] b) {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b))) {
      return in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalArgumentException("the checkpoint's generator state cannot be read", e);
    }
  }

  /** One step: lr from the schedule, forward, loss, backward, then clip and update. */
  private StepMetrics trainStep(
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
          int[] part = idx.length <= s.batchSize() ? idx : slice(idx, from, s.batchSize());
          NDList inputs = current.train().inputs(sm, part);
          NDArray labels = current.train().labels(sm, part);
          NDArray outputs = trainForward(inputs).singletonOrThrow();
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
      Map<String, GroupStats> stats =
          update(step, stage, factor, momentum, sample, Double.isFinite(batchLoss));
      double secs = (System.nanoTime() - t0) / 1e9;
      return new StepMetrics(
          step,
          p.totalSteps,
          p.epoch,
          stageIndex,
          batchLoss,
          idx.length / secs,
          rss(),
          appliedLr(stage, factor),
          stats);
    }
  }

  /** Hands a step's metrics to the sinks, with the warnings it raised. */
  private void emitStep(StepMetrics m) throws IOException {
    for (MetricsSink sink : s.sinks()) {
      sink.onStep(m);
    }
    List<RunWarning> warnings = new ArrayList<>();
    if (lastStepSkipped && skippedSteps == 1) { // once per run, like every warning
      warnings.add(
          new RunWarning(
              m.step(),
              "*",
              "skipped_step",
              "gradients are not finite (NaN or infinity): the update of step "
                  + m.step()
                  + " was skipped (later skips are counted in summary.json: skipped_steps)"));
    }
    warnings.addAll(s.warnings().accept(m));
    for (RunWarning w : warnings) {
      for (MetricsSink sink : s.sinks()) {
        sink.onWarning(w);
      }
    }
  }

  /** Why the run must stop after this step, or null (the fault's weights already put back). */
  private TrainingFault stepFault(StepMetrics m) {
    if (!badLrGroups.isEmpty()) {
      return fail(
          m.step(),
          m.step() - 1,
          "the learning rate of group"
              + (badLrGroups.size() == 1 ? " " : "s ")
              + String.join(", ", badLrGroups)
              + " is larger than a float holds (3.4e38) at this step; the step's update was not"
              + " applied (check optimizer.lr, the groups' lr and the schedule)");
    }
    if (!badUpdateGroups.isEmpty()) {
      return fail(
          m.step(),
          m.step() - 1,
          "the update left weights that are not finite (is the learning rate too high?)");
    }
    if (!badStep) {
      return null;
    }
    if (faults.mode() == FaultPolicy.Mode.STOP) {
      return fail(
          m.step(),
          m.step() - 1,
          (Double.isFinite(m.loss())
                  ? "the gradients are not finite (NaN or infinity)"
                  : "the training loss is " + m.loss())
              + "; the step's update was not applied (train.on_nonfinite: stop)");
    }
    if (skippedSteps > faults.maxSkippedSteps()) {
      return fail(
          m.step(),
          m.step() - 1,
          skippedSteps
              + " steps were skipped for a loss or gradients that are not finite, more than the "
              + faults.maxSkippedSteps()
              + " allowed (train.max_skipped_steps)");
    }
    return null;
  }

  /**
   * A fault at a step, with the model's weights put back to the last good ones. When the step's
   * loss was finite and every weight is (a bad gradient or learning rate: the update was not
   * applied), the weights stay — those after the step before, which gave that finite loss.
   * Otherwise the weights that produced the bad value are not trusted: they are restored from the
   * newest valid checkpoint whose weights went on to give a finite training loss, or to the weights
   * before training when there is none.
   */
  private TrainingFault fail(long step, long goodStep, String reason) {
    List<String> badWeights = badWeightGroups();
    TrainingFault f =
        new TrainingFault(
            step, reason, firstBadGradientStep, badGradientGroups, badWeights, goodStep, null);
    boolean weightsTrusted =
        badWeights.isEmpty()
            && step > 0
            && lastFiniteLossStep == step
            && badUpdateGroups.isEmpty()
            && goodStep == step - 1;
    if (weightsTrusted) {
      return f;
    }
    CheckpointPolicy c = s.checkpoints();
    Checkpoint last =
        c == null ? null : Checkpoint.newest(c.root(), lastFiniteLossStep - 1, System.err);
    if (last != null) {
      restoreWeights(last);
      return f.restored(last.step(), "the checkpoint after step " + last.step());
    }
    try (NDScope scope = new NDScope()) {
      initial.restore(s.params());
    }
    weightSq.clear();
    return f.restored(
        0,
        "the weights before training (no checkpoint"
            + (c == null ? "s were written" : " known to be good")
            + ")");
  }

  /** Whether every value is finite; exact even where the squared norm overflows a float. */
  private static boolean finite(NDArray w) {
    if (Double.isFinite(sq(w))) {
      return true;
    }
    try (NDArray max = w.abs().max()) {
      return Float.isFinite(max.getFloat());
    }
  }

  /** The groups with a weight that is not finite, in group order. */
  private List<String> badWeightGroups() {
    List<String> bad = new ArrayList<>();
    try (NDScope scope = new NDScope()) {
      for (ParamGroup g : s.groups().groups()) {
        if (g.members().stream().anyMatch(n -> !finite(s.params().get(n).getArray()))) {
          bad.add(g.name());
        }
      }
    }
    return bad;
  }

  /**
   * How a stage runs the model.
   *
   * @param from the first segment run in training mode (0: the whole model)
   * @param recompute the prefix runs every step (else {@code train} holds its outputs)
   * @param train the training inputs: the split, or the prefix's outputs
   * @param valid the validation inputs: the split, or the prefix's outputs
   * @param validFrom the segment {@code valid}'s inputs enter at
   */
  private record StageData(
      int from, boolean recompute, Batches train, Batches valid, int validFrom) {
    void close() {
      if (train instanceof FeatureCache c) {
        c.close();
      }
      if (valid instanceof FeatureCache c) {
        c.close();
      }
    }
  }

  /**
   * Finds the stage's frozen prefix and, with {@link FeatureCachePolicy.Mode#AUTO}, runs it once
   * over the training split (and the validation split when the stage has several epochs); a cache
   * of the previous stage is kept when the prefix is the same.
   */
  private void prepareStage(StagePlan stage) {
    int k = segmented == null || !s.train().deterministic() ? 0 : boundary(stage);
    FeatureCachePolicy policy = s.featureCache();
    boolean cache = k > 0 && policy.mode() == FeatureCachePolicy.Mode.AUTO;
    boolean cacheValid = cache && s.valid() != null && s.evalEveryEpoch() && stage.epochs() > 1;
    if (k == current.from() && (!cacheValid || current.validFrom() == k)) {
      return; // the same prefix as the stage before: its caches serve
    }
    Batches train = s.train();
    if (cache && k == current.from()) {
      train = current.train(); // keep the training cache, add the validation one
      if (current.valid() instanceof FeatureCache c) {
        c.close();
      }
    } else {
      current.close();
      if (cache) {
        long t0 = System.nanoTime();
        FeatureCache c =
            FeatureCache.build(
                segmented,
                store,
                manager,
                s.train(),
                k,
                s.batchSize() * 2,
                policy.budgetBytes(),
                policy.spillDir());
        record(stage, "train", c, t0);
        train = c;
      }
    }
    Batches valid = s.valid();
    if (cacheValid) {
      long left = Math.max(0, policy.budgetBytes() - ((FeatureCache) train).heapBytes());
      long t0 = System.nanoTime();
      FeatureCache c =
          FeatureCache.build(
              segmented, store, manager, valid, k, s.batchSize() * 2, left, policy.spillDir());
      record(stage, "valid", c, t0);
      valid = c;
    }
    current = new StageData(k, k > 0 && !cache, train, valid, cacheValid ? k : 0);
  }

  private void record(StagePlan stage, String split, FeatureCache c, long t0) {
    cacheUses.add(
        new RunResult.CacheUse(
            s.stages().indexOf(stage) + 1,
            split,
            c.after(),
            c.size(),
            c.heapBytes(),
            c.fileBytes(),
            (System.nanoTime() - t0) / 1e9));
  }

  /** The frozen prefix of a stage: see {@link FeatureCachePolicy#boundary}. */
  private int boundary(StagePlan stage) {
    List<String> trained = s.params().keySet().stream().filter(n -> trains(n, stage)).toList();
    return FeatureCachePolicy.boundary(s.block(), trained, s.norms(), stage);
  }

  /** Whether a parameter trains in a stage: its group does and it is not pinned. */
  private boolean trains(String name, StagePlan stage) {
    return stage.trainable().contains(s.groups().groupOf(name).name()) && !pinned.contains(name);
  }

  /**
   * The training forward pass of the current stage: the model, or the segments above the frozen
   * prefix on cached inputs, or the prefix in inference mode and then the rest.
   */
  private NDList trainForward(NDList inputs) {
    if (current.from() == 0) {
      return s.block().forward(store, inputs, true);
    }
    int n = segmented.segments().size();
    NDList in = inputs;
    if (current.recompute()) {
      NDList prefix = segmented.forwardSegments(store, inputs, 0, current.from(), false);
      in = new NDList(prefix.size());
      for (NDArray a : prefix) {
        in.add(a.duplicate()); // a TorchScript prefix in inference mode gives inference tensors
      }
    }
    return segmented.forwardSegments(store, in, current.from(), n, true);
  }

  /**
   * The mean loss and the task's metrics over a split.
   *
   * @param loss mean loss (NaN without a split)
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
    int[] order = data.evalOrder();
    double lossSum = 0;
    Task.Accumulator metrics = s.task().accumulator();
    int bs = s.batchSize() * 2;
    for (int b = 0; b < order.length; b += bs) {
      int[] idx = slice(order, b, bs);
      try (NDScope scope = new NDScope();
          NDManager sm = manager.newSubManager()) {
        NDArray labels = data.labels(sm, idx);
        NDList in = data.inputs(sm, idx);
        NDArray outputs =
            (from == 0
                    ? s.block().forward(store, in, false)
                    : segmented.forwardSegments(
                        store, in, from, segmented.segments().size(), false))
                .singletonOrThrow();
        lossSum += s.task().loss(outputs, labels).getFloat() * idx.length;
        metrics.add(outputs, labels);
      }
    }
    return new Pass(lossSum / order.length, metrics.result());
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
   * Checks that every layer with running statistics is reached by a forward pass (one inference
   * pass over the first batch: nothing changes), then re-estimates the statistics of the layers in
   * {@code recalibrate} mode: one pass over the training split in training mode without gradients,
   * every other layer's statistics fixed.
   */
  private void prepareNorms() {
    if (s.norms() == null || s.norms().layers().layers().isEmpty() || s.train().size() == 0) {
      return;
    }
    NormLayers layers = s.norms().layers();
    layers.clearReached();
    int[] first = range(0, Math.min(s.batchSize(), s.train().size()));
    try (NDScope scope = new NDScope();
        NDManager sm = manager.newSubManager()) {
      s.block().forward(store, s.train().inputs(sm, first), false);
    }
    List<String> unreached = layers.unreached();
    if (!unreached.isEmpty()) {
      throw new IllegalStateException(
          "the norm policy cannot act on BatchNorm layers "
              + unreached
              + ": a forward pass does not go through them as children of their parent block");
    }
    Set<String> recal = s.norms().recalibrated();
    if (recal.isEmpty()) {
      return;
    }
    Set<String> others = new HashSet<>();
    layers.layers().forEach(l -> others.add(l.name()));
    others.removeAll(recal);
    layers.fixStatistics(others);
    layers.beginRecalibration(recal);
    for (int b = 0; b < s.train().size(); b += s.batchSize()) {
      int[] idx = range(b, Math.min(b + s.batchSize(), s.train().size()));
      try (NDScope scope = new NDScope();
          NDManager sm = manager.newSubManager()) {
        s.block().forward(store, s.train().inputs(sm, idx), true);
      }
    }
    layers.endRecalibration();
  }

  /**
   * Clips and applies one update to every trainable parameter, then zeroes their gradients. Returns
   * per-group diagnostics when {@code sample} (gradient norms are taken before clipping).
   */
  private Map<String, GroupStats> update(
      long step,
      StagePlan stage,
      double factor,
      OptionalDouble momentum,
      boolean sample,
      boolean lossFinite) {
    Collected c = collect(stage, factor, momentum, sample);
    clipAndStep(step, c, lossFinite);
    for (NDArray grad : c.grads()) {
      // PyTorch accumulates gradients: reset them for the next step. A fill, not grad - grad,
      // which would keep a NaN or an infinity forever.
      grad.set(ZERO_ALL, 0f);
    }
    return sample ? groupStats(stage, factor, c) : new LinkedHashMap<>();
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
        weightSq.remove(name); // about to change
        if (sample) {
          sum += sq(grad);
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
        u2 += sq(delta);
        delta.close();
      }
      c.updateSq().put(group, u2);
      from = to;
    }
  }

  /**
   * Clips the gradients and applies the update. A step whose loss or gradients are not finite is
   * not applied (the first bad gradient's groups are remembered) rather than written into every
   * weight and moment; after an update, the updated weights are checked (one fused norm each).
   */
  private void clipAndStep(long step, Collected c, boolean lossFinite) {
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
    badLrGroups = List.copyOf(lrTooLarge);
    if (lossFinite) {
      lastFiniteLossStep = step;
    }
    boolean finite = lossFinite && Double.isFinite(total) && badLrGroups.isEmpty();
    badUpdateGroups = List.of();
    if (finite) {
      step(c);
      Set<String> bad = new LinkedHashSet<>();
      for (int i = 0; i < c.slots().size(); i++) {
        if (!finite(c.slots().get(i).weight())) {
          bad.add(c.gradGroup().get(i));
        }
      }
      badUpdateGroups = List.copyOf(bad);
    } else {
      if (faults.mode() == FaultPolicy.Mode.SKIP) {
        skippedSteps++;
      }
      if (firstBadGradientStep == 0 && !Double.isFinite(total)) {
        firstBadGradientStep = step;
        Set<String> bad = new LinkedHashSet<>();
        for (int i = 0; i < gradSqEach.length; i++) {
          if (!Double.isFinite(gradSqEach[i])) {
            bad.add(c.gradGroup().get(i));
          }
        }
        badGradientGroups = List.copyOf(bad);
      }
    }
    lastStepSkipped = !finite;
    badStep = !finite;
  }

  /** Per group: lr, gradient norm, weight norm, update ratio, drift from w0, frozen fraction. */
  private Map<String, GroupStats> groupStats(StagePlan stage, double factor, Collected c) {
    Map<String, GroupStats> stats = new LinkedHashMap<>();
    for (ParamGroup g : s.groups().groups()) {
      boolean trains = stage.trainable().contains(g.name());
      double w2 = 0;
      double d2 = 0;
      double w02 = 0;
      double u2 = 0;
      long elements = 0;
      long frozen = 0;
      for (String name : g.members()) {
        NDArray w = s.params().get(name).getArray();
        double[] ws = weightSq.get(name);
        if (ws == null) {
          try (NDManager m = manager.newSubManager()) {
            ws = new double[] {sq(w), sq(w.sub(initial.get(name, m)))};
          }
          weightSq.put(name, ws);
        }
        w2 += ws[0];
        d2 += ws[1];
        w02 += initialSq.get(name);
        boolean isPinned = pinned.contains(name);
        elements += w.size();
        frozen += !trains || isPinned ? w.size() : 0;
      }
      u2 = c.updateSq().getOrDefault(g.name(), 0.0);
      double lr =
          trains ? s.hyper().get(g.members().get(0)).lr() * factor * stage.scale(g.name()) : 0.0;
      stats.put(
          g.name(),
          new GroupStats(
              lr,
              Math.sqrt(c.gradSq().getOrDefault(g.name(), 0.0)),
              Math.sqrt(w2),
              trains && !lastStepSkipped ? Math.sqrt(u2) / Math.sqrt(w2) : Double.NaN,
              w02 > 0 ? Math.sqrt(d2 / w02) : Double.NaN,
              elements == 0 ? 0.0 : (double) frozen / elements));
    }
    return stats;
  }

  private Map<String, Double> appliedLr(StagePlan stage, double factor) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (ParamGroup g : s.groups().groups()) {
      boolean trains = stage.trainable().contains(g.name()) && !g.members().isEmpty();
      out.put(
          g.name(),
          trains ? s.hyper().get(g.members().get(0)).lr() * factor * stage.scale(g.name()) : 0.0);
    }
    return out;
  }

  /**
   * Squared L2 norm from one fused native reduction in the array's own type (no float64 copy of the
   * tensor, no squared temporary); used every sampled step.
   */
  private static double sq(NDArray a) {
    double n = a.norm().getFloat();
    return n * n;
  }

  /** Squared L2 norm accumulated in float64 (for the one-off ‖w0‖²). */
  private static double sq64(NDArray a) {
    return a.toType(DataType.FLOAT64, true).square().sum().getDouble();
  }

  private static int[] shuffled(int n, Random rng) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  private static int[] range(int from, int to) {
    int[] out = new int[to - from];
    for (int i = 0; i < out.length; i++) {
      out[i] = from + i;
    }
    return out;
  }

  private static int[] slice(int[] a, int from, int len) {
    int to = Math.min(a.length, from + len);
    int[] out = new int[to - from];
    System.arraycopy(a, from, out, 0, out.length);
    return out;
  }

  /**
   * Resident set size of this process in bytes, or -1 where /proc is not available.
   *
   * @return bytes
   */
  static long rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
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
    current.close();
    initial.close();
    best.values().forEach(NDArray::close);
    updater.close();
  }
}
