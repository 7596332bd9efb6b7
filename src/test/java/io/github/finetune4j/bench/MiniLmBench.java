package io.github.finetune4j.bench;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.model.bert.BertConfig;
import io.github.finetune4j.monitor.EpochMetrics;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.StepMetrics;
import io.github.finetune4j.optim.AdamW;
import io.github.finetune4j.optim.DecayMode;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.params.GroupRule;
import io.github.finetune4j.params.ParamGroups;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.policy.StagePlan;
import io.github.finetune4j.recipe.NamePattern;
import io.github.finetune4j.train.ClassificationTask;
import io.github.finetune4j.train.FeatureCachePolicy;
import io.github.finetune4j.train.FineTuner;
import io.github.finetune4j.train.TextBatches;
import io.github.finetune4j.train.TrainSetup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Finetune4J's side of the MiniLM benchmark; {@code src/test/python/bench_torch_minilm.py} is the
 * PyTorch-eager side, with the same workloads, protocol and output lines, and {@code
 * src/test/python/bench_compare.py} runs both interleaved and writes {@code docs/benchmarks.md}.
 *
 * <p>The model is all-MiniLM-L6-v2's architecture with random weights (timing does not depend on
 * the values), a 2-class head on mean pooling, dropout 0.1 everywhere, AdamW (lr 1e-4, decoupled
 * weight decay 0.01), batch 16 x exactly T random tokens, trained through {@link FineTuner} (the
 * real loop: data, forward, backward, update, diagnostics every 1,000 steps). A step's time is the
 * wall time between consecutive {@code onStep} calls.
 *
 * <pre>
 * full_fp32, frozen02_fp32, head_fp32   one step: all train / embeddings + layers 0-2 frozen /
 *                                       head only, every step running the whole model (feature
 *                                       cache off: what PyTorch eager does)
 * full_bf16, frozen02_bf16, head_bf16   the same with train.precision bf16
 * frozen02_cached_fp32, head_cached_fp32 (and _bf16): steps of epochs 2+ with the feature cache
 * epoch_head_cached, epoch_head_uncached, epoch_frozen02_cached, epoch_frozen02_uncached:
 *                                       epochs of 200 examples (13 steps); a step is an epoch;
 *                                       the first (which builds the cache) is the warm-up
 * eval_fp32, eval_bf16                  inference, batches of 32 x 64 tokens; a step is a batch
 * seq128_full_fp32, seq256_full_fp32 (and _bf16): full fine-tune at T = 128 and 256
 * matmul_fp32                           1024x384 @ 384x1536 in DJL, GFLOP/s as units
 * </pre>
 *
 * <p>Arguments: {@code windows steps warmup [--only A,B]}; lines {@code NAME median min max load}
 * (steps/s) and {@code JSON {...}} per workload. Not a test (no {@code @Test}; surefire skips it).
 */
public final class MiniLmBench {

  private static final int BATCH = 16;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> ALL = Set.of("embeddings", "lower", "upper", "head");
  private static final Set<String> UPPER = Set.of("upper", "head");
  private static final Set<String> HEAD = Set.of("head");

  private MiniLmBench() {}

  /** Wall clock at every step and epoch end. */
  private static final class Clock implements MetricsSink {
    final List<Long> steps = new ArrayList<>();
    final List<Long> epochs = new ArrayList<>();

    @Override
    public void onStep(StepMetrics m) {
      steps.add(System.nanoTime());
    }

    @Override
    public void onEpoch(EpochMetrics m) {
      epochs.add(System.nanoTime());
    }
  }

  private record Window(double seconds, int steps, double units, double load) {}

  /**
   * Runs the benchmark.
   *
   * @param args {@code windows steps warmup [--only A,B]}
   * @throws Exception when the engine fails
   */
  public static void main(String[] args) throws Exception {
    int windows = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Set<String> only = null;
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--only")) {
        only = Set.of(args[i + 1].split(","));
      }
    }
    System.setProperty("ai.djl.offline", "true");
    System.out.printf(
        Locale.ROOT,
        "Finetune4J MiniLM benchmark: DJL %s, %s %s, threads %s (interop %s); %d warm-up steps,"
            + " %d windows x %d steps%n",
        Engine.getDjlVersion(),
        Engine.getInstance().getEngineName(),
        Engine.getInstance().getVersion(),
        System.getProperty("ai.djl.pytorch.num_threads", "(default)"),
        System.getProperty("ai.djl.pytorch.num_interop_threads", "(default)"),
        warmup,
        windows,
        steps);
    List<String> names =
        List.of(
            "full_fp32",
            "full_bf16",
            "frozen02_fp32",
            "frozen02_bf16",
            "head_fp32",
            "head_bf16",
            "frozen02_cached_fp32",
            "frozen02_cached_bf16",
            "head_cached_fp32",
            "epoch_head_uncached",
            "epoch_head_cached",
            "epoch_frozen02_uncached",
            "epoch_frozen02_cached",
            "eval_fp32",
            "eval_bf16",
            "seq128_full_fp32",
            "seq128_full_bf16",
            "seq256_full_fp32",
            "seq256_full_bf16",
            "matmul_fp32");
    for (String name : names) {
      if (only != null && !only.contains(name)) {
        continue;
      }
      List<Window> result = run(name, windows, steps, warmup);
      report(name, result, name.startsWith("matmul") ? "GFLOP" : unit(name));
    }
  }

  private static String unit(String name) {
    return name.startsWith("eval") ? "sequences" : null;
  }

  private static List<Window> run(String name, int windows, int steps, int warmup)
      throws Exception {
    boolean bf16 = name.endsWith("bf16");
    if (name.startsWith("matmul")) {
      return matmul(windows, steps, warmup);
    }
    if (name.startsWith("eval")) {
      return eval(bf16, windows, steps, warmup);
    }
    if (name.startsWith("epoch_")) {
      Set<String> train = name.contains("head") ? HEAD : UPPER;
      boolean cached = name.endsWith("_cached");
      return epochs(train, cached, windows, warmup);
    }
    int t = name.startsWith("seq128") ? 128 : name.startsWith("seq256") ? 256 : 64;
    Set<String> train = name.contains("head") ? HEAD : name.contains("frozen02") ? UPPER : ALL;
    boolean cached = name.contains("cached");
    return steps(t, train, bf16, cached, windows, steps, warmup);
  }

  /** A MiniLM-L6-sized classifier with random weights and the quickstart's groups. */
  static final class Bench implements AutoCloseable {
    final Model model = Model.newInstance("bench");
    final TextClassifierBlock block =
        new TextClassifierBlock(BertConfig.miniLmL6(), 2, "mean", 0.1);
    final Map<String, Parameter> params;
    final ParamGroups groups;
    final Map<String, GroupHyper> hyper = new LinkedHashMap<>();

    Bench(boolean bf16) throws Exception {
      Engine.getInstance().setRandomSeed(0);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
      model.setBlock(block);
      params = ParameterNames.trainable(block);
      groups =
          ParamGroups.partition(
              params.keySet(),
              List.of(
                  rule("embeddings", "embeddings.*"),
                  rule("lower", "encoder.layer.[0-2].*"),
                  rule("upper", "encoder.layer.[3-5].*"),
                  rule("head", "head.*")));
      for (String name : params.keySet()) {
        boolean decay = !name.endsWith("bias") && !name.toLowerCase(Locale.ROOT).contains("norm");
        hyper.put(
            name,
            GroupHyper.of(name.startsWith("head.") ? 2e-3 : 1e-4)
                .withWeightDecay(decay ? 0.01 : 0.0, DecayMode.DECOUPLED));
      }
      block.setBf16(bf16, model.getNDManager());
    }

    FineTuner tuner(
        TextBatches data, Set<String> train, boolean cached, long maxSteps, int epochs, Clock c) {
      TrainSetup setup =
          TrainSetup.builder()
              .setBlock(block)
              .setParams(params)
              .setGroups(groups)
              .setStages(List.of(new StagePlan(epochs, List.copyOf(train), Map.of())))
              .setRule(AdamW.defaults())
              .setHyper(hyper)
              .setTrain(data)
              .optBatchSize(BATCH)
              .setTask(new ClassificationTask(List.of("ham", "spam")))
              .optEvalEveryEpoch(false)
              .optEvery(1000)
              .optSinks(List.of(c))
              .optMaxSteps(maxSteps)
              .optFeatureCache(
                  new FeatureCachePolicy(
                      cached ? FeatureCachePolicy.Mode.AUTO : FeatureCachePolicy.Mode.OFF,
                      FeatureCachePolicy.DEFAULT_BUDGET,
                      Path.of(System.getProperty("java.io.tmpdir"))))
              .build();
      return new FineTuner(setup, model.getNDManager().newSubManager());
    }

    @Override
    public void close() {
      model.close();
    }
  }

  private static List<Window> steps(
      int t, Set<String> train, boolean bf16, boolean cached, int windows, int steps, int warmup)
      throws Exception {
    int total = Math.max(1, warmup) + windows * steps;
    try (Bench b = new Bench(bf16)) {
      Clock c = new Clock();
      // 200 examples: a cached stage keeps running on one cache, as in a real run
      TextBatches data = random(200, t, 7);
      try (FineTuner tuner = b.tuner(data, train, cached, total, 1_000_000, c)) {
        tuner.run();
      }
      return windowsOf(c.steps, Math.max(1, warmup) - 1, windows, steps, 0);
    }
  }

  private static List<Window> epochs(Set<String> train, boolean cached, int windows, int warmup)
      throws Exception {
    try (Bench b = new Bench(false)) {
      Clock c = new Clock();
      TextBatches data = random(200, 64, 7);
      long start = System.nanoTime();
      try (FineTuner tuner = b.tuner(data, train, cached, 0, Math.max(1, warmup) + windows, c)) {
        tuner.run();
      }
      List<Long> marks = new ArrayList<>();
      marks.add(start);
      marks.addAll(c.epochs);
      return windowsOf(marks, Math.max(1, warmup), windows, 1, 0);
    }
  }

  private static List<Window> eval(boolean bf16, int windows, int steps, int warmup)
      throws Exception {
    try (Bench b = new Bench(bf16)) {
      Clock c = new Clock();
      try (FineTuner tuner = b.tuner(random(32, 64, 1), HEAD, false, 1, 1, c)) {
        TextBatches w = random(32 * Math.max(1, warmup), 64, 2);
        tuner.evaluate(w);
        List<Window> out = new ArrayList<>();
        for (int i = 0; i < windows; i++) {
          TextBatches data = random(32 * steps, 64, 10 + i);
          long t0 = System.nanoTime();
          tuner.evaluate(data);
          double s = (System.nanoTime() - t0) / 1e9;
          out.add(new Window(s, steps, 32.0 * steps, load()));
        }
        return out;
      }
    }
  }

  private static List<Window> matmul(int windows, int steps, int warmup) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.randomNormal(new Shape(1024, 384));
      NDArray w = m.randomNormal(new Shape(384, 1536));
      double flops = 2.0 * 1024 * 384 * 1536;
      for (int i = 0; i < warmup * 20; i++) {
        a.matMul(w).close();
      }
      List<Window> out = new ArrayList<>();
      for (int i = 0; i < windows; i++) {
        long t0 = System.nanoTime();
        for (int k = 0; k < steps * 20; k++) {
          a.matMul(w).close();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        out.add(new Window(s, steps * 20, flops * steps * 20 / 1e9, load()));
      }
      return out;
    }
  }

  /**
   * Windows of {@code steps} intervals each between marks, the first starting at mark {@code skip}
   * (marks are step or epoch ends, so the interval before the first is warm-up).
   */
  private static List<Window> windowsOf(
      List<Long> marks, int skip, int windows, int steps, double units) {
    List<Window> out = new ArrayList<>();
    for (int i = 0; i < windows; i++) {
      int from = skip + i * steps;
      int to = from + steps;
      if (to >= marks.size() || from < 0) {
        break;
      }
      out.add(new Window((marks.get(to) - marks.get(from)) / 1e9, steps, units, load()));
    }
    return out;
  }

  private static void report(String name, List<Window> result, String unit) throws Exception {
    double[] sps = result.stream().mapToDouble(w -> w.steps() / w.seconds()).toArray();
    double[] loads = result.stream().mapToDouble(Window::load).toArray();
    StringBuilder line =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%s %.4g %.4g %.4g %.2f",
                name,
                median(sps),
                Arrays.stream(sps).min().orElse(Double.NaN),
                Arrays.stream(sps).max().orElse(Double.NaN),
                median(loads)));
    ObjectNode summary = JSON.createObjectNode();
    summary.put("name", name);
    summary.put("threads", System.getProperty("ai.djl.pytorch.num_threads", "default"));
    summary.put("median_steps_per_s", median(sps));
    summary.put("min_steps_per_s", Arrays.stream(sps).min().orElse(Double.NaN));
    summary.put("max_steps_per_s", Arrays.stream(sps).max().orElse(Double.NaN));
    summary.put("load_median", median(loads));
    if (unit != null) {
      double[] ups = result.stream().mapToDouble(w -> w.units() / w.seconds()).toArray();
      line.append(
          String.format(
              Locale.ROOT,
              "  (%s/s median %.4g min %.4g max %.4g)",
              unit,
              median(ups),
              Arrays.stream(ups).min().orElse(Double.NaN),
              Arrays.stream(ups).max().orElse(Double.NaN)));
      summary.put("median_" + unit + "_per_s", median(ups));
    }
    ArrayNode ws = summary.putArray("windows");
    for (Window w : result) {
      ObjectNode o =
          ws.addObject()
              .put("mean_step_s", w.seconds() / w.steps())
              .put("steps_per_s", w.steps() / w.seconds())
              .put("load1", w.load());
      if (unit != null) {
        o.put("units_per_s", w.units() / w.seconds());
      }
    }
    System.out.println(line);
    System.out.println("JSON " + JSON.writeValueAsString(summary));
    System.out.flush();
  }

  static double median(double[] v) {
    if (v.length == 0) {
      return Double.NaN;
    }
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double load() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (Exception e) {
      return Double.NaN;
    }
  }

  static GroupRule rule(String name, String pattern) {
    return new GroupRule(name, List.of(pattern), List.of(NamePattern.compile(pattern)));
  }

  /** {@code n} random sequences of exactly {@code t} token ids, labels alternating. */
  static TextBatches random(int n, int t, long seed) {
    Random r = new Random(seed);
    long[][] ids = new long[n][t];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i][0] = 101;
      for (int k = 1; k < t - 1; k++) {
        ids[i][k] = 1000 + r.nextInt(29_000);
      }
      ids[i][t - 1] = 102;
      labels[i] = i % 2;
    }
    return new TextBatches(ids, labels);
  }
}
