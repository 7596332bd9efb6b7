package io.github.finetune4j.train;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.monitor.EpochMetrics;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.RunWarning;
import io.github.finetune4j.monitor.StepMetrics;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.optim.UpdateRule;
import io.github.finetune4j.params.GroupRule;
import io.github.finetune4j.params.ParamGroups;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.policy.Schedule;
import io.github.finetune4j.policy.StagePlan;
import io.github.finetune4j.recipe.NamePattern;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/** A tiny real-engine BERT classifier and a learnable toy task, for fast loop tests. */
final class TinyRun implements AutoCloseable {

  /** Records every metric the loop emits. */
  static final class Capture implements MetricsSink {
    final List<StepMetrics> steps = new ArrayList<>();
    final List<EpochMetrics> epochs = new ArrayList<>();
    final List<RunWarning> warnings = new ArrayList<>();

    /** Called after each step is recorded (the weights are those after the step's update). */
    Runnable afterStep = () -> {};

    /** Called after each epoch is recorded, with its number. */
    java.util.function.IntConsumer afterEpoch = e -> {};

    @Override
    public void onStep(StepMetrics m) {
      steps.add(m);
      afterStep.run();
    }

    @Override
    public void onEpoch(EpochMetrics m) {
      epochs.add(m);
      afterEpoch.accept(m.epoch());
    }

    @Override
    public void onWarning(RunWarning w) {
      warnings.add(w);
    }
  }

  final Model model;
  final TextClassifierBlock block;
  final Map<String, Parameter> params;
  final ParamGroups groups;
  final Capture capture = new Capture();
  boolean resetOnUnfreeze;
  final Set<String> pinned = new HashSet<>();
  final Map<String, Long> optimizerSteps = new LinkedHashMap<>();

  /** Applied to the setup builder last (fault policy, checkpoints, ...). */
  java.util.function.Consumer<TrainSetup.Builder> configure = b -> {};

  /** The run's seed: initialization, and the loop's per-step draws. */
  private final long seed;

  TinyRun(long seed) throws Exception {
    this(seed, BertConfig.DEFAULT_DROPOUT);
  }

  /** With this dropout rate on hidden states and attention (0: a deterministic forward). */
  TinyRun(long seed, double dropout) throws Exception {
    this.seed = seed;
    Engine.getInstance().setRandomSeed((int) seed);
    BertConfig cfg = new BertConfig(50, 16, 2, 2, 32, 32, 2, 1e-12, dropout, dropout);
    block = new TextClassifierBlock(cfg, 2, "mean", 0.0);
    model = Model.newInstance("tiny");
    block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
    model.setBlock(block);
    params = ParameterNames.of(block);
    groups =
        ParamGroups.partition(
            params.keySet(),
            List.of(
                rule("embeddings", "embeddings.*"),
                rule("encoder", "encoder.*"),
                rule("head", "head.*")));
  }

  private static GroupRule rule(String name, String pattern) {
    return new GroupRule(name, List.of(pattern), List.of(NamePattern.compile(pattern)));
  }

  /** Toy task: label 1 iff token 7 occurs; 64 sequences of length 6..12 over 50 tokens. */
  static TextBatches toy(int n, long seed) {
    Random r = new Random(seed);
    long[][] ids = new long[n][];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      int len = 6 + r.nextInt(7);
      ids[i] = new long[len];
      for (int t = 0; t < len; t++) {
        ids[i][t] = 8 + r.nextInt(42);
      }
      labels[i] = i % 2;
      if (labels[i] == 1) {
        ids[i][1 + r.nextInt(len - 1)] = 7;
      }
    }
    return new TextBatches(ids, labels);
  }

  RunResult run(
      List<StagePlan> stages,
      UpdateRule rule,
      Function<String, GroupHyper> hyper,
      Schedule schedule,
      double clipNorm)
      throws Exception {
    Map<String, GroupHyper> h = new LinkedHashMap<>();
    params.keySet().forEach(n -> h.put(n, hyper.apply(groups.groupOf(n).name())));
    TrainSetup.Builder builder =
        TrainSetup.builder()
            .setBlock(block)
            .setParams(params)
            .setGroups(groups)
            .setStages(stages)
            .setRule(rule)
            .setHyper(h)
            .setTrain(toy(64, 1))
            .optSeed(seed)
            .setTask(new ClassificationTask(List.of("no7", "has7")))
            .optSchedule(schedule, false)
            .optResetStateOnUnfreeze(resetOnUnfreeze)
            .optPinned(pinned)
            .optClip(clipNorm, 0)
            .optValid(toy(32, 2))
            .optTest(toy(32, 3))
            .optBatchSize(8)
            .optEvery(1)
            .optSinks(List.of(capture));
    configure.accept(builder);
    TrainSetup setup = builder.build();
    try (var m = model.getNDManager().newSubManager();
        FineTuner t = new FineTuner(setup, m)) {
      RunResult r = t.run();
      params.keySet().forEach(n -> optimizerSteps.put(n, t.optimizerSteps(n)));
      return r;
    }
  }

  Map<String, float[]> snapshot() {
    Map<String, float[]> out = new LinkedHashMap<>();
    params.forEach((n, p) -> out.put(n, p.getArray().toFloatArray()));
    return out;
  }

  @Override
  public void close() {
    model.close();
  }
}
