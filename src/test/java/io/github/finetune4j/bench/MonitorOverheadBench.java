package io.github.finetune4j.bench;

import ai.djl.Model;
import ai.djl.nn.Parameter;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.StepMetrics;
import io.github.finetune4j.optim.AdamW;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.params.ParamGroups;
import io.github.finetune4j.policy.StagePlan;
import io.github.finetune4j.train.ClassificationTask;
import io.github.finetune4j.train.FineTuner;
import io.github.finetune4j.train.TextBatches;
import io.github.finetune4j.train.TrainSetup;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Times training steps of the real all-MiniLM-L6-v2 classifier (random init, 22.7M parameters, the
 * quickstart's four groups all trainable, AdamW) through {@link FineTuner} with per-group
 * diagnostics every N steps versus never, on one fixed batch of 16 x 64 tokens.
 *
 * <p>Each configuration has its own {@link FineTuner} over the same model; their runs (blocks) are
 * interleaved in one process, rotating the order every round, so machine noise hits all of them. A
 * block is one {@code run()} of {@code 1 + steps} steps; its first step is always sampled (and
 * warms up) and is dropped, so a block's remaining {@code steps} steps hold exactly {@code steps /
 * N} sampled ones. A step's time is the wall time between consecutive {@code onStep} calls (data,
 * forward, backward, update, diagnostics, freeing the step's temporaries); there is no separate
 * warm-up block, the dropped first step of each block takes the first-call costs (optimizer state
 * allocation included) and the order rotates every round. Reported: per configuration the median
 * over blocks of the mean step time of a block, and the overhead of each sampled configuration
 * against "never".
 *
 * <p>Arguments (optional): {@code rounds steps}, default {@code 5 30}. Not a test: no {@code @Test}
 * and a name surefire does not match. Command line in {@code docs/benchmarks.md}.
 */
public final class MonitorOverheadBench {

  private static final int BATCH = 16;
  private static final int TOKENS = 64;
  private static final int NEVER = 1_000_000;

  private MonitorOverheadBench() {}

  /** Records the wall clock at every step. */
  private static final class StepClock implements MetricsSink {
    final List<Long> nanos = new ArrayList<>();

    @Override
    public void onStep(StepMetrics m) {
      nanos.add(System.nanoTime());
    }
  }

  private record Config(String name, int every) {}

  /**
   * Runs the benchmark.
   *
   * @param args optional {@code rounds steps}
   * @throws Exception when the engine fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    System.setProperty("ai.djl.offline", "true");
    try (MiniLmBench.Bench bench = new MiniLmBench.Bench(false)) { // seed 0, random weights
      Model model = bench.model;
      TextClassifierBlock block = bench.block;
      Map<String, Parameter> params = bench.params;
      ParamGroups groups = bench.groups;
      Map<String, GroupHyper> hyper = bench.hyper;
      long values = params.values().stream().mapToLong(p -> p.getArray().size()).sum();
      System.out.printf(
          Locale.ROOT,
          "MiniLM-L6 classifier: %d tensors, %d values; batch %d x %d tokens; %d rounds of %d"
              + " steps; threads %s%n",
          params.size(),
          values,
          BATCH,
          TOKENS,
          rounds,
          steps,
          System.getProperty("ai.djl.pytorch.num_threads", "(default)"));

      TextBatches batch = MiniLmBench.random(BATCH, TOKENS, 7); // 16 x 64 tokens, no padding
      List<Config> configs =
          List.of(new Config("never", NEVER), new Config("N=10", 10), new Config("N=1", 1));
      Set<String> all = Set.of("embeddings", "lower", "upper", "head");
      Map<String, double[]> blockMeans = new LinkedHashMap<>();
      List<FineTuner> tuners = new ArrayList<>();
      List<StepClock> clocks = new ArrayList<>();
      try {
        for (Config c : configs) {
          StepClock clock = new StepClock();
          TrainSetup setup =
              TrainSetup.builder()
                  .setBlock(block)
                  .setParams(params)
                  .setGroups(groups)
                  .setStages(List.of(new StagePlan(1 + steps, List.copyOf(all), Map.of())))
                  .setRule(AdamW.defaults())
                  .setHyper(hyper)
                  .setTrain(batch)
                  .optBatchSize(BATCH)
                  .setTask(new ClassificationTask(List.of("ham", "spam")))
                  .optEvalEveryEpoch(false)
                  .optEvery(c.every())
                  .optSinks(List.of(clock))
                  .build();
          tuners.add(new FineTuner(setup, model.getNDManager().newSubManager()));
          clocks.add(clock);
          blockMeans.put(c.name(), new double[rounds]);
        }
        for (int r = 0; r < rounds; r++) {
          for (int k = 0; k < configs.size(); k++) {
            int i = (k + r) % configs.size();
            StepClock clock = clocks.get(i);
            clock.nanos.clear();
            long start = System.nanoTime();
            tuners.get(i).run();
            List<Long> t = clock.nanos;
            // Drop step 1 (always sampled): mean over steps 2..1+steps.
            double mean = (t.get(t.size() - 1) - t.get(0)) / 1e6 / (t.size() - 1);
            blockMeans.get(configs.get(i).name())[r] = mean;
            System.out.printf(
                Locale.ROOT,
                "round %d %-6s %.1f ms/step (block %.1f s)%n",
                r + 1,
                configs.get(i).name(),
                mean,
                (System.nanoTime() - start) / 1e9);
          }
        }
      } finally {
        tuners.forEach(FineTuner::close);
      }
      double base = MiniLmBench.median(blockMeans.get("never"));
      System.out.println();
      for (Map.Entry<String, double[]> e : blockMeans.entrySet()) {
        double med = MiniLmBench.median(e.getValue());
        System.out.printf(
            Locale.ROOT,
            "%-6s median %.1f ms/step  min %.1f  overhead vs never %+.1f%%  (blocks: %s)%n",
            e.getKey(),
            med,
            Arrays.stream(e.getValue()).min().orElse(Double.NaN),
            100 * (med / base - 1),
            Arrays.toString(
                Arrays.stream(e.getValue()).map(v -> Math.round(v * 10) / 10.0).toArray()));
      }
    }
  }
}
