package io.github.finetune4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import io.github.finetune4j.monitor.EpochMetrics;
import io.github.finetune4j.monitor.GroupStats;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.RunWarning;
import io.github.finetune4j.monitor.StepMetrics;
import io.github.finetune4j.params.ParamGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The training loop, top to bottom in one place: for each stage set which groups train, then for
 * each epoch and batch: forward, loss, backward, update, diagnostics, and evaluation per epoch.
 *
 * <p>Frozen parameters do not require gradients, so no gradient is computed for them, and they get
 * no update of any kind: they stay bit-identical. Every step's temporaries live in a per-step
 * {@link NDManager}, so memory stays flat.
 */
public final class FineTuner implements AutoCloseable {

  private final TrainSetup s;
  private final NDManager manager;
  private final ParameterStore store;
  private final Loss loss = Loss.softmaxCrossEntropyLoss();
  private final AdamW updater;
  private final Map<String, NDArray> initial = new HashMap<>();

  /**
   * Prepares a run: captures the initial weights w0 (for drift) in a manager of its own.
   *
   * @param setup the resolved setup
   * @param manager the manager that owns optimizer state (a child of the model's manager)
   */
  public FineTuner(TrainSetup setup, NDManager manager) {
    this.s = setup;
    this.manager = manager;
    this.store = new ParameterStore(manager, false);
    this.updater = new AdamW(manager, setup.beta1(), setup.beta2(), setup.eps(), setup.decoupledDecay());
    setup.params().forEach((name, p) -> initial.put(name, p.getArray().duplicate()));
  }

  /**
   * Runs every stage, then evaluates on the test split.
   *
   * @return the outcome
   * @throws IOException when a sink fails to write
   */
  public RunResult run() throws IOException {
    long start = System.nanoTime();
    int perEpoch = (s.train().size() + s.batchSize() - 1) / s.batchSize();
    long totalSteps = (long) perEpoch * s.stages().stream().mapToInt(Stage::epochs).sum();
    Random rng = new Random(s.seed());
    List<EpochMetrics> epochs = new ArrayList<>();
    long step = 0;
    int epoch = 0;
    for (int stageIndex = 0; stageIndex < s.stages().size(); stageIndex++) {
      Stage stage = s.stages().get(stageIndex);
      applyFreezing(stage);
      for (int e = 0; e < stage.epochs(); e++) {
        epoch++;
        long epochStart = System.nanoTime();
        int[] order = shuffled(s.train().size(), rng);
        double lossSum = 0;
        long correct = 0;
        for (int b = 0; b < perEpoch; b++) {
          step++;
          int[] idx = slice(order, b * s.batchSize(), s.batchSize());
          long t0 = System.nanoTime();
          boolean sample = step % s.logEvery() == 0 || step == 1;
          // Every array made in the step (on any manager, e.g. results of ops on parameters) is
          // closed with the scope, so native memory stays flat.
          try (NDScope scope = new NDScope();
              NDManager sm = manager.newSubManager()) {
            NDList inputs = s.train().inputs(sm, idx);
            NDArray labels = s.train().labels(sm, idx);
            double batchLoss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              NDArray logits = s.block().forward(store, inputs, true).singletonOrThrow();
              NDArray l = loss.evaluate(new NDList(labels), new NDList(logits));
              gc.backward(l);
              batchLoss = l.getFloat();
              correct += logits.argMax(1).eq(labels).countNonzero().getLong();
            }
            lossSum += batchLoss * idx.length;
            Map<String, GroupStats> stats = update(stage, sm, sample);
            double secs = (System.nanoTime() - t0) / 1e9;
            StepMetrics m =
                new StepMetrics(
                    step, totalSteps, epoch, stageIndex, batchLoss, idx.length / secs, rss(),
                    appliedLr(stage), stats);
            for (MetricsSink sink : s.sinks()) {
              sink.onStep(m);
            }
            for (RunWarning w : s.warnings().accept(m)) {
              for (MetricsSink sink : s.sinks()) {
                sink.onWarning(w);
              }
            }
          }
        }
        double validLoss = Double.NaN;
        double validAcc = Double.NaN;
        if (s.valid() != null && s.evalEveryEpoch()) {
          double[] v = evaluate(s.valid());
          validLoss = v[0];
          validAcc = v[1];
        }
        EpochMetrics em =
            new EpochMetrics(
                epoch, stageIndex, step, lossSum / s.train().size(),
                (double) correct / s.train().size(), validLoss, validAcc,
                (System.nanoTime() - epochStart) / 1e9);
        epochs.add(em);
        for (MetricsSink sink : s.sinks()) {
          sink.onEpoch(em);
        }
      }
    }
    double[] test = s.test() == null ? new double[] {Double.NaN, Double.NaN} : evaluate(s.test());
    return new RunResult(step, epochs, test[0], test[1], (System.nanoTime() - start) / 1e9);
  }

  /**
   * Loss and accuracy over a split, without gradients and with dropout off.
   *
   * @param data the split
   * @return {loss, accuracy}
   */
  public double[] evaluate(TextBatches data) {
    int[] order = data.byLength();
    double lossSum = 0;
    long correct = 0;
    for (int b = 0; b < order.length; b += s.batchSize() * 2) {
      int[] idx = slice(order, b, s.batchSize() * 2);
      try (NDScope scope = new NDScope();
          NDManager sm = manager.newSubManager()) {
        NDArray labels = data.labels(sm, idx);
        NDArray logits = s.block().forward(store, data.inputs(sm, idx), false).singletonOrThrow();
        lossSum += loss.evaluate(new NDList(labels), new NDList(logits)).getFloat() * idx.length;
        correct += logits.argMax(1).eq(labels).countNonzero().getLong();
      }
    }
    return new double[] {lossSum / order.length, (double) correct / order.length};
  }

  private void applyFreezing(Stage stage) {
    s.params().forEach((name, p) -> {
      boolean train = stage.trainable().contains(s.groups().groupOf(name).name());
      p.getArray().setRequiresGradient(train);
    });
  }

  /** Updates every trainable parameter; returns per-group diagnostics when sampled. */
  private Map<String, GroupStats> update(Stage stage, NDManager sm, boolean sample) {
    Map<String, GroupStats> stats = new LinkedHashMap<>();
    updater.nextStep();
    for (ParamGroup g : s.groups().groups()) {
      boolean trains = stage.trainable().contains(g.name());
      double lr = trains ? s.groupLr().get(g.name()) : 0;
      double g2 = 0;
      double w2 = 0;
      double d2 = 0;
      double w02 = 0;
      double u2 = 0;
      for (String name : g.members()) {
        Parameter p = s.params().get(name);
        NDArray w = p.getArray();
        if (trains) {
          try (NDArray grad = w.getGradient()) {
            NDArray before = sample ? w.duplicate() : null;
            if (sample) {
              sm.attachInternal("before-" + name, before);
              g2 += sq(grad);
            }
            updater.update(name, w, grad, lr, s.weightDecay().getOrDefault(name, 0.0), sm);
            if (sample) {
              u2 += sq(w.sub(before));
            }
            grad.subi(grad); // gradients accumulate in PyTorch: zero them for the next step
          }
        }
        if (sample) {
          NDArray w0 = initial.get(name);
          w2 += sq(w);
          w02 += sq(w0);
          d2 += sq(w.sub(w0));
        }
      }
      if (sample) {
        long total = g.members().stream().mapToLong(n -> s.params().get(n).getArray().size()).sum();
        stats.put(
            g.name(),
            new GroupStats(
                lr,
                Math.sqrt(g2),
                Math.sqrt(w2),
                trains ? Math.sqrt(u2) / Math.sqrt(w2) : Double.NaN,
                w02 > 0 ? Math.sqrt(d2) / Math.sqrt(w02) : Double.NaN,
                trains ? 0.0 : (total > 0 ? 1.0 : 0.0)));
      }
    }
    return stats;
  }

  private Map<String, Double> appliedLr(Stage stage) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (ParamGroup g : s.groups().groups()) {
      out.put(g.name(), stage.trainable().contains(g.name()) ? s.groupLr().get(g.name()) : 0.0);
    }
    return out;
  }

  private static double sq(NDArray a) {
    try (NDArray t = a.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).square().sum()) {
      return t.getDouble();
    }
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

  @Override
  public void close() {
    initial.values().forEach(NDArray::close);
    updater.close();
  }

  /** Minimal AdamW with per-parameter state, in place; replaced by the optim package. */
  private static final class AdamW implements AutoCloseable {
    private final NDManager owner;
    private final double b1;
    private final double b2;
    private final double eps;
    private final boolean decoupled;
    private final Map<String, NDArray[]> state = new HashMap<>();
    private final Map<String, Integer> steps = new HashMap<>();

    AdamW(NDManager parent, double b1, double b2, double eps, boolean decoupled) {
      this.owner = parent.newSubManager();
      this.b1 = b1;
      this.b2 = b2;
      this.eps = eps;
      this.decoupled = decoupled;
    }

    void nextStep() {}

    void update(String name, NDArray w, NDArray grad, double lr, double wd, NDManager tmp) {
      NDArray[] st = state.computeIfAbsent(name, k -> new NDArray[] {
          owner.zeros(w.getShape(), w.getDataType()), owner.zeros(w.getShape(), w.getDataType())});
      NDScope.unregister(st);
      int t = steps.merge(name, 1, Integer::sum);
      NDArray g = grad;
      if (wd > 0 && !decoupled) {
        g = grad.add(w.mul(wd));
      }
      if (wd > 0 && decoupled) {
        w.muli(1 - lr * wd);
      }
      st[0].muli(b1).addi(g.mul(1 - b1));
      st[1].muli(b2).addi(g.square().muli(1 - b2));
      double bc1 = 1 - Math.pow(b1, t);
      double bc2 = 1 - Math.pow(b2, t);
      NDArray denom = st[1].sqrt().divi(Math.sqrt(bc2)).addi(eps);
      w.subi(st[0].div(denom).muli(lr / bc1));
    }

    @Override
    public void close() {
      owner.close();
    }
  }
}
