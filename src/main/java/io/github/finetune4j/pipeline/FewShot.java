package io.github.finetune4j.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.model.Segmented;
import io.github.finetune4j.model.TextClassifierBlock;
import io.github.finetune4j.monitor.EpochMetrics;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.RunWarning;
import io.github.finetune4j.monitor.StepMetrics;
import io.github.finetune4j.optim.AdamW;
import io.github.finetune4j.optim.DecayMode;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.params.GroupRule;
import io.github.finetune4j.params.GroupingException;
import io.github.finetune4j.params.ParamGroups;
import io.github.finetune4j.policy.Schedule;
import io.github.finetune4j.policy.StagePlan;
import io.github.finetune4j.recipe.ClassificationTaskSpec;
import io.github.finetune4j.recipe.FewShotSpec;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.train.Batches;
import io.github.finetune4j.train.CoSentLoss;
import io.github.finetune4j.train.ContrastiveLoss;
import io.github.finetune4j.train.CosineSimilarityLoss;
import io.github.finetune4j.train.EmbeddingLoss;
import io.github.finetune4j.train.EmbeddingTask;
import io.github.finetune4j.train.FaultPolicy;
import io.github.finetune4j.train.FeatureCachePolicy;
import io.github.finetune4j.train.FineTuner;
import io.github.finetune4j.train.OnlineContrastiveLoss;
import io.github.finetune4j.train.RetrievalMetrics;
import io.github.finetune4j.train.RunResult;
import io.github.finetune4j.train.TextBatches;
import io.github.finetune4j.train.TrainSetup;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * Few-shot training in the SetFit manner, phase 1 of a classification run whose recipe has {@code
 * task.few_shot}: pairs of the labelled training examples (SetFit's {@code
 * sentence_pairs_generation}) train the text encoder of the run's own block with an {@link
 * EmbeddingLoss}, through a second {@link FineTuner} on the encoder's parameters; the head is not
 * run and not changed. The recipe's stages then train as usual (SetFit's second step, the head on
 * the tuned encoder). See docs/embeddings.md, "Few-shot classification: SetFit".
 */
final class FewShot {

  private FewShot() {}

  /** SetFit's (sentence-transformers') weight decay, on every weight but biases and LayerNorm. */
  static final double WEIGHT_DECAY = 0.01;

  /** SetFit's warm-up: 10% of the steps, then a linear decay to 0. */
  static final double WARMUP = 0.1;

  /** What sentence-transformers leaves out of weight decay (a substring of the name). */
  private static final List<String> NO_DECAY = List.of("bias", "LayerNorm.weight");

  /**
   * Pairs of examples, by index into the training split: {@code first[i]} with {@code second[i]},
   * labelled {@code labels[i]} (1 for two examples of one class, 0 for two of different classes).
   *
   * @param first the first example of each pair
   * @param second the second example of each pair
   * @param labels 1 or 0 per pair
   */
  record Pairs(int[] first, int[] second, float[] labels) {
    int size() {
      return first.length;
    }
  }

  /**
   * SetFit's {@code sentence_pairs_generation}, {@code iterations} times (its {@code
   * num_iterations}): in each iteration, for every example in order, one pair with an example of
   * its class drawn uniformly (possibly itself), labelled 1, then one with an example of any other
   * class drawn uniformly, labelled 0. The draws come from {@code java.util.Random(seed)}, so a
   * seed gives the same pairs on every JVM.
   *
   * @param labels each example's class
   * @param iterations rounds over the examples, at least 1
   * @param seed the seed of the draws
   * @return {@code 2 * iterations * labels.length} pairs
   * @throws IllegalArgumentException when an example's class is alone (no other class to pair it
   *     with)
   */
  static Pairs pairs(int[] labels, int iterations, long seed) {
    Map<Integer, List<Integer>> byClass = new LinkedHashMap<>();
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < labels.length; i++) {
      byClass.computeIfAbsent(labels[i], k -> new ArrayList<>()).add(i);
      all.add(i);
    }
    if (byClass.size() < 2) {
      throw new IllegalArgumentException("pairs need examples of at least two classes");
    }
    Map<Integer, int[]> same = new LinkedHashMap<>();
    Map<Integer, int[]> other = new LinkedHashMap<>();
    for (int c : byClass.keySet()) {
      same.put(c, byClass.get(c).stream().mapToInt(Integer::intValue).toArray());
      other.put(c, all.stream().filter(i -> labels[i] != c).mapToInt(Integer::intValue).toArray());
    }
    int n = 2 * iterations * labels.length;
    int[] first = new int[n];
    int[] second = new int[n];
    float[] y = new float[n];
    Random rng = new Random(seed);
    int k = 0;
    for (int it = 0; it < iterations; it++) {
      for (int i = 0; i < labels.length; i++) {
        int[] pos = same.get(labels[i]);
        int[] neg = other.get(labels[i]);
        first[k] = i;
        second[k] = pos[rng.nextInt(pos.length)];
        y[k++] = 1f;
        first[k] = i;
        second[k] = neg[rng.nextInt(neg.length)];
        y[k++] = 0f;
      }
    }
    return new Pairs(first, second, y);
  }

  /** The recipe's few-shot section, or null. */
  static FewShotSpec spec(Recipe recipe) {
    return recipe.task() instanceof ClassificationTaskSpec c ? c.fewShot() : null;
  }

  /**
   * What stops a few-shot phase before anything is loaded or written (exit 2): a model that is not
   * a text encoder, training data that is not labelled single texts, or fewer than two classes with
   * two or more training examples.
   *
   * @param recipe the recipe
   * @param block the run's block
   * @param train the training split
   * @param classes the class names, in label order
   * @return the problems, none when the recipe has no few-shot section
   */
  static List<String> problems(Recipe recipe, Block block, Batches train, List<String> classes) {
    FewShotSpec spec = spec(recipe);
    List<String> problems = new ArrayList<>();
    if (spec == null) {
      return problems;
    }
    if (!(block instanceof TextClassifierBlock b) || b.numClasses() == 0) {
      problems.add(
          "task.few_shot: tunes a text encoder with a classifier head (model.type: bert-onnx or"
              + " safetensors), but the block is "
              + block.getClass().getSimpleName());
      return problems;
    }
    if (!(train instanceof TextBatches t)) {
      problems.add("task.few_shot: the training split is not labelled single texts (text-jsonl)");
      return problems;
    }
    int[] counts = new int[classes.size()];
    for (int i = 0; i < t.size(); i++) {
      counts[t.label(i)]++;
    }
    List<String> enough = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (int c = 0; c < counts.length; c++) {
      seen.add(classes.get(c) + " " + counts[c]);
      if (counts[c] >= 2) {
        enough.add(classes.get(c));
      }
    }
    if (enough.size() < 2) {
      problems.add(
          "task.few_shot: the pairs need two or more classes with at least 2 training examples"
              + " each (a similar pair of two examples, a dissimilar one across classes); data.train"
              + " holds "
              + t.size()
              + " examples: "
              + String.join(", ", seen)
              + " (raise data.train.limit, or add examples)");
    }
    return problems;
  }

  /** The loss a few-shot section names, with sentence-transformers' defaults. */
  static EmbeddingLoss loss(String name) {
    return switch (name) {
      case "cosine" -> new CosineSimilarityLoss();
      case "contrastive" -> new ContrastiveLoss();
      case "online_contrastive" -> new OnlineContrastiveLoss();
      case "cosent" -> new CoSentLoss();
      default -> throw new IllegalArgumentException("unknown few-shot loss '" + name + "'");
    };
  }

  /**
   * The pairs as a split of the embedding task, labelled by their 0/1 scores, in a plainly shuffled
   * order (SetFit's {@code DataLoader(shuffle=True)}: with these losses a text twice in a batch is
   * no false negative, so no rearranging). A batch embeds each of its distinct texts once: its
   * inputs are the distinct texts' {@code inputIds [U, T]} and {@code attentionMask [U, T]} and
   * {@code [2B]} indexes into them (the first texts of the pairs, then the second ones), which
   * {@link Pooled} uses to lay the pooled vectors out as the {@code [2B, H]} columns the loss
   * takes. Few examples make many pairs, so a batch of 16 pairs of 8 + 8 emails runs the encoder
   * over at most 16 texts, not 32.
   */
  static Batches batches(TextBatches train, Pairs pairs) {
    long[][] tokens = new long[train.size()][];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = train.tokenIds(i);
    }
    return new Batches() {
      @Override
      public int size() {
        return pairs.size();
      }

      @Override
      public NDList inputs(NDManager manager, int[] idx) {
        Map<Integer, Integer> slot = new LinkedHashMap<>();
        long[] gather = new long[2 * idx.length];
        for (int c = 0; c < 2; c++) {
          int[] column = c == 0 ? pairs.first() : pairs.second();
          for (int b = 0; b < idx.length; b++) {
            gather[c * idx.length + b] = slot.computeIfAbsent(column[idx[b]], k -> slot.size());
          }
        }
        int t = 0;
        for (int example : slot.keySet()) {
          t = Math.max(t, tokens[example].length);
        }
        long[] flat = new long[slot.size() * t];
        long[] mask = new long[slot.size() * t];
        int r = 0;
        for (int example : slot.keySet()) {
          long[] row = tokens[example];
          System.arraycopy(row, 0, flat, r * t, row.length);
          java.util.Arrays.fill(mask, r * t, r * t + row.length, 1L);
          r++;
        }
        Shape shape = new Shape(slot.size(), t);
        return new NDList(
            manager.create(flat, shape), manager.create(mask, shape), manager.create(gather));
      }

      @Override
      public NDArray labels(NDManager manager, int[] idx) {
        float[] out = new float[idx.length];
        for (int b = 0; b < idx.length; b++) {
          out[b] = pairs.labels()[idx[b]];
        }
        return manager.create(out);
      }

      @Override
      public boolean cacheable() {
        return false;
      }
    };
  }

  /**
   * Runs the few-shot phase on the run's block, printing its lines to {@code out}.
   *
   * @param recipe the recipe (its {@code task.few_shot}, {@code data.shuffle} and {@code
   *     train.seed})
   * @param t what the run trains: its block, parameters, model and training split
   * @param out the console
   * @return what {@code summary.json} records under {@code few_shot}, and whether it succeeded
   * @throws java.io.IOException when the console cannot be written
   */
  static Outcome run(Recipe recipe, Runner.Training t, PrintStream out) throws java.io.IOException {
    FewShotSpec spec = spec(recipe);
    TextClassifierBlock block = (TextClassifierBlock) t.block();
    TextBatches train = (TextBatches) t.splits().train();
    int[] labels = new int[train.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = train.label(i);
    }
    long seed = recipe.train().seed();
    Pairs pairs = pairs(labels, spec.pairsPerExample(), seed);
    Batches data = batches(train, pairs);
    int pool = poolSegment(block);
    Map<String, Parameter> encoder = new LinkedHashMap<>();
    List<Segmented.Segment> segments = block.segments();
    t.params()
        .forEach(
            (name, p) -> {
              for (int s = 0; s <= pool; s++) {
                if (segments.get(s).owns().test(name)) {
                  encoder.put(name, p);
                }
              }
            });
    ParamGroups groups;
    try {
      groups =
          ParamGroups.partition(
              encoder.keySet(),
              List.of(new GroupRule("encoder", List.of("*"), List.of(Pattern.compile(".*")))));
    } catch (GroupingException e) {
      throw new IllegalStateException(String.join("; ", e.problems()), e);
    }
    Map<String, GroupHyper> hyper = new LinkedHashMap<>();
    for (String name : encoder.keySet()) {
      boolean decay = NO_DECAY.stream().noneMatch(name::contains);
      hyper.put(
          name,
          new GroupHyper(
              spec.lr(),
              decay ? WEIGHT_DECAY : 0.0,
              DecayMode.DECOUPLED,
              0.0,
              0.0,
              DecayMode.RULE_DEFAULT,
              OptionalDouble.empty()));
    }
    int steps = (data.size() + spec.batchSize() - 1) / spec.batchSize() * spec.epochs();
    EmbeddingLoss loss = loss(spec.loss());
    out.printf(
        Locale.ROOT,
        "few-shot phase: %d pairs from %d labelled examples (%d per example, half similar),"
            + " loss %s, %d steps of %d pairs at lr %s; the head waits%n",
        data.size(),
        labels.length,
        2 * spec.pairsPerExample(),
        loss.name(),
        steps,
        spec.batchSize(),
        spec.lr());
    Console console = new Console(out, steps);
    TrainSetup setup =
        TrainSetup.builder()
            .setBlock(new Pooled(block, pool))
            .setParams(encoder)
            .setGroups(groups)
            .setStages(List.of(new StagePlan(spec.epochs(), List.of("encoder"), Map.of())))
            .setRule(AdamW.defaults())
            .setHyper(hyper)
            .setTrain(data)
            .setTask(
                new EmbeddingTask(
                    loss, List.of(RetrievalMetrics.Metric.parse("ndcg@10")), false, false))
            .optSchedule(Schedule.warmup(WARMUP, 0.0, Schedule.linear(1.0, 0.0)), false)
            .optBatchSize(spec.batchSize())
            .optShuffle(recipe.data().shuffle())
            .optSeed(seed)
            .optEvery(Integer.MAX_VALUE)
            .optSinks(List.of(console))
            .optFaults(FaultPolicy.stop())
            .optFeatureCache(
                new FeatureCachePolicy(
                    FeatureCachePolicy.Mode.OFF,
                    FeatureCachePolicy.DEFAULT_BUDGET,
                    java.nio.file.Path.of(System.getProperty("java.io.tmpdir"))))
            .build();
    long start = System.nanoTime();
    RunResult result;
    try (NDManager manager = t.model().getNDManager().newSubManager();
        FineTuner tuner = new FineTuner(setup, manager)) {
      result = tuner.run();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    ObjectNode summary = Runner.JSON.createObjectNode();
    summary.put("examples", labels.length);
    summary.put("pairs", data.size());
    summary.put("loss", loss.name());
    summary.put("epochs", spec.epochs());
    summary.put("steps", result.steps());
    RunSummary.number(summary, "final_loss", console.lastEpochLoss);
    com.fasterxml.jackson.databind.node.ArrayNode epochLosses = summary.putArray("epoch_losses");
    result
        .epochs()
        .forEach(
            e -> {
              if (Double.isFinite(e.trainLoss())) {
                epochLosses.add(e.trainLoss());
              } else {
                epochLosses.addNull();
              }
            });
    summary.put("seconds", seconds);
    if (result.succeeded()) {
      out.printf(
          Locale.ROOT,
          "few-shot phase done: %d steps, loss %.4f (last epoch's mean), %.1f s%n",
          result.steps(),
          console.lastEpochLoss,
          seconds);
    }
    return new Outcome(summary, result);
  }

  /**
   * What the phase ended with.
   *
   * @param summary what {@code summary.json} records under {@code few_shot}
   * @param result the phase's run (its fault, when it failed)
   */
  record Outcome(ObjectNode summary, RunResult result) {}

  /** The index of the block's {@code pool} segment. */
  static int poolSegment(TextClassifierBlock block) {
    List<Segmented.Segment> segments = block.segments();
    for (int i = 0; i < segments.size(); i++) {
      if (segments.get(i).name().equals("pool")) {
        return i;
      }
    }
    throw new IllegalStateException("the block has no pool segment");
  }

  /**
   * The run's block up to its pooling, the same parameters (it registers none of its own), the head
   * not run: {@code (inputIds [U, T], attentionMask [U, T], rows [R]) -> [R, H]}, the pooled vector
   * of text {@code rows[r]} in row {@code r} (see {@link #batches}).
   */
  static final class Pooled extends AbstractBlock {
    private final TextClassifierBlock inner;
    private final int pool;

    Pooled(TextClassifierBlock inner, int pool) {
      this.inner = inner;
      this.pool = pool;
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      NDArray pooled =
          inner
              .forwardSegments(ps, new NDList(inputs.get(0), inputs.get(1)), 0, pool + 1, training)
              .singletonOrThrow();
      return new NDList(pooled.get(new NDIndex("{}", inputs.get(2))));
    }

    @Override
    protected void initializeChildBlocks(
        NDManager manager, DataType dataType, Shape... inputShapes) {}

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {new Shape(inputShapes[2].get(0), inner.config().hiddenSize())};
    }
  }

  /** The phase's console lines: a few progress lines and its warnings; the last epoch's loss. */
  private static final class Console implements MetricsSink {
    private final PrintStream out;
    private final long every;
    double lastEpochLoss = Double.NaN;

    Console(PrintStream out, long steps) {
      this.out = out;
      this.every = Math.max(1, (steps + 3) / 4);
    }

    @Override
    public void onStep(StepMetrics m) {
      if (m.step() % every == 0 && m.step() < m.totalSteps()) {
        out.printf(
            Locale.ROOT,
            "few-shot phase: step %d/%d, loss %.4f%n",
            m.step(),
            m.totalSteps(),
            m.loss());
      }
    }

    @Override
    public void onEpoch(EpochMetrics m) {
      lastEpochLoss = m.trainLoss();
    }

    @Override
    public void onWarning(RunWarning w) {
      out.println("few-shot phase: warning at step " + w.step() + ": " + w.message());
    }
  }
}
