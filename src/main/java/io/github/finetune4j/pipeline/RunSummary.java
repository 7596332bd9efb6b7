package io.github.finetune4j.pipeline;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.monitor.HtmlReport;
import io.github.finetune4j.params.ParamGroup;
import io.github.finetune4j.params.ParamGroups;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeReader;
import io.github.finetune4j.train.EarlyStopping;
import io.github.finetune4j.train.FineTuner;
import io.github.finetune4j.train.RunResult;
import io.github.finetune4j.train.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** What {@code summary.json} says of a finished (or failed) run, and the files beside it. */
final class RunSummary {

  private static final ObjectMapper JSON = new ObjectMapper();

  private RunSummary() {}

  /**
   * What a bit-identical rerun depends on: the seed (it drives initialization, the data order, and
   * — re-seeded before every step — dropout), the engine and its thread counts (a different number
   * of intra-op threads can change the order of float sums), the graph optimizer setting, and the
   * CPU (another instruction set can round differently).
   */
  static ObjectNode determinism(Recipe recipe) {
    ObjectNode d = JSON.createObjectNode();
    d.put("seed", recipe.train().seed());
    d.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
    d.put("intra_op_threads", JniUtils.getNumThreads());
    d.put("inter_op_threads", JniUtils.getNumInteropThreads());
    d.put(
        "graph_optimizer",
        Boolean.parseBoolean(System.getProperty("ai.djl.pytorch.graph_optimizer")));
    d.put("cpu", cpuModel());
    d.put("os_arch", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    d.put(
        "promise",
        "the same recipe, seed, thread counts, engine and CPU give bit-identical weights; a run"
            + " resumed from a checkpoint gives the same as one never interrupted");
    return d;
  }

  private static String cpuModel() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).strip())
          .findFirst()
          .orElse(System.getProperty("os.arch"));
    } catch (IOException | RuntimeException e) {
      return System.getProperty("os.arch");
    }
  }

  /**
   * For a regression, {@value #RESIDUALS_FILE}: the first target's test predictions and values (the
   * first {@link io.github.finetune4j.train.Evaluation#MAX_POINTS} examples), for the report's
   * residual plot.
   */
  static void writeResiduals(Path runDir, RunResult result, Runner.Training t) throws IOException {
    if (result.test().predicted() == null || t.task().outputs().isEmpty()) {
      return;
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("target", t.task().outputs().get(0));
    ArrayNode p = o.putArray("predicted");
    ArrayNode a = o.putArray("actual");
    for (int i = 0; i < result.test().predicted().length; i++) {
      p.add(result.test().predicted()[i]);
      a.add(result.test().actual()[i]);
    }
    Files.writeString(runDir.resolve(RESIDUALS_FILE), RecipeReader.toJson(o));
  }

  static final String RESIDUALS_FILE = HtmlReport.RESIDUALS_FILE;

  static void fillSummary(ObjectNode summary, Recipe recipe, RunResult result, Runner.Training t) {
    summary.put("task", t.task().name());
    for (String m : t.task().summaryMetrics()) {
      number(summary, "test_" + m, result.test().get(m));
    }
    number(summary, "test_loss", result.testLoss());
    Task.Headline h = t.task().headline();
    ObjectNode headline = summary.putObject("headline");
    headline.put("metric", h.metric());
    number(
        headline,
        "value",
        "loss".equals(h.metric()) ? result.testLoss() : result.test().get(h.metric()));
    headline.put("higher_is_better", h.higherIsBetter());
    if (result.base() != null) {
      // the untouched model beside the tuned one: tuning an embedding model can make it worse
      FineTuner.Pass bt = result.base().test();
      number(
          headline,
          "base_value",
          "loss".equals(h.metric()) ? bt.loss() : bt.metrics().get(h.metric()));
      ObjectNode base = summary.putObject("base_model");
      base.put("what", "the untouched model, evaluated before the first step");
      number(base, "valid_loss", result.base().valid().loss());
      ObjectNode bv = base.putObject("valid_metrics");
      result.base().valid().metrics().metrics().forEach((k, v) -> number(bv, k, v));
      number(base, "test_loss", bt.loss());
      ObjectNode btm = base.putObject("test_metrics");
      bt.metrics().metrics().forEach((k, v) -> number(btm, k, v));
    }
    if (result.task() != null && !result.task().calibration().isEmpty()) {
      summary.set("calibration", JSON.valueToTree(result.task().calibration()));
    }
    ObjectNode metrics = summary.putObject("test_metrics");
    result.test().metrics().forEach((k, v) -> number(metrics, k, v));
    if (result.test().confusion() != null) {
      ObjectNode cm = summary.putObject("confusion_matrix");
      cm.put("rows", "true class");
      cm.put("columns", "predicted class");
      ArrayNode names = cm.putArray("classes");
      result.test().classes().forEach(names::add);
      ArrayNode counts = cm.putArray("counts");
      for (long[] row : result.test().confusion()) {
        ArrayNode r = counts.addArray();
        for (long c : row) {
          r.add(c);
        }
      }
    }
    summary.put("test_examples", t.splits().test() == null ? 0 : t.splits().test().size());
    summary.put("train_examples", t.splits().train().size());
    t.describe().into(summary);
    summary.put("steps", result.steps());
    summary.put("skipped_steps", result.skippedSteps());
    number(summary, "train_seconds", result.trainSeconds());
    if (!result.epochs().isEmpty()) {
      var last = result.epochs().get(result.epochs().size() - 1);
      number(summary, "final_train_loss", last.trainLoss());
      for (String m : t.task().summaryMetrics()) {
        number(summary, "final_valid_" + m, last.valid().getOrDefault(m, Double.NaN));
      }
      ObjectNode valid = summary.putObject("final_valid_metrics");
      last.valid().forEach((k, v) -> number(valid, k, v));
    }
    if (result.earlyStop() != null) {
      EarlyStopping.Outcome es = result.earlyStop();
      ObjectNode e = summary.putObject("early_stopping");
      e.put("metric", es.metric());
      e.put("best_epoch", es.bestEpoch());
      number(e, "best_value", es.bestValue());
      if (es.stoppedAfterEpoch() > 0) {
        e.put("stopped_after_epoch", es.stoppedAfterEpoch());
      } else {
        e.putNull("stopped_after_epoch");
      }
      e.put("restored_best", es.restored());
    }
    if (recipe.train().accumulate() > 1) {
      summary.put("accumulate", recipe.train().accumulate());
    }
    ArrayNode caches = summary.putArray("feature_cache");
    for (RunResult.CacheUse c : result.featureCaches()) {
      ObjectNode o = caches.addObject();
      o.put("stage", c.stage()).put("split", c.split()).put("after", c.after());
      o.put("examples", c.examples()).put("heap_bytes", c.heapBytes());
      o.put("file_bytes", c.fileBytes());
      number(o, "seconds", c.seconds());
    }
    summary.put("rule", t.rule() != null ? t.rule().name() : recipe.optimizer().type());
    summary.put("seed", recipe.train().seed());
    summary.put("djl_version", Engine.getDjlVersion());
    summary.put(
        "engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
    summary.set("determinism", determinism(recipe));
  }

  /**
   * The groups whose weights are new (no pre-trained values): every group of a random-init run,
   * else the groups made only of the new head's parameters ({@code head.*}); none when the head is
   * the model's own ({@code head.replace: none}).
   */
  static List<String> newGroups(Recipe recipe, ParamGroups groups) {
    boolean random = "random".equals(ModelSources.init(recipe.model()));
    boolean keptHead = recipe.head() != null && "none".equals(recipe.head().replace());
    return groups.groups().stream()
        .filter(
            g ->
                random
                    || (!keptHead
                        && !g.members().isEmpty()
                        && g.members().stream().allMatch(n -> n.startsWith("head."))))
        .map(ParamGroup::name)
        .toList();
  }

  static void number(ObjectNode node, String key, double value) {
    if (Double.isFinite(value)) {
      node.put(key, value);
    } else {
      node.putNull(key);
    }
  }
}
