package io.github.finetune4j.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.monitor.MetricsSink;
import io.github.finetune4j.monitor.StepMetrics;
import io.github.finetune4j.optim.GroupHyper;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.policy.LrSweep;
import io.github.finetune4j.policy.Schedule;
import io.github.finetune4j.policy.StagePlan;
import io.github.finetune4j.recipe.GroupSpec;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeReader;
import io.github.finetune4j.train.FaultPolicy;
import io.github.finetune4j.train.FineTuner;
import io.github.finetune4j.train.RunResult;
import io.github.finetune4j.train.TrainSetup;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An LR range test ({@code finetune lr-find}, {@link FineTuning#lrFind}): the stage's trainable
 * groups train for up to {@code steps} steps while every group's learning rate grows exponentially
 * from {@code start} to {@code end} (times its ratio to {@code optimizer.lr}: discriminative rates,
 * explicit group rates and the stage's {@code lr_scale} are kept), stopping early once the smoothed
 * loss explodes. The analysis ({@link LrSweep}) suggests a rate, printed as the overrides that
 * apply it. The model's weights and running statistics are put back bit for bit afterwards; the
 * sweep's optimizer state is its own and is dropped.
 */
public final class LrFind {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The file the sweep's points and suggestions are written to. */
  public static final String FILE_NAME = "lr_find.json";

  private LrFind() {}

  /**
   * The sweep.
   *
   * @param out the directory the report goes to (made like a run directory)
   * @param stage the stage whose trainable groups are swept (from 0)
   * @param start the first learning rate (of {@code optimizer.lr}; the groups keep their ratios)
   * @param end the last learning rate
   * @param steps the most steps (5 to {@link #MAX_STEPS})
   */
  public record Options(Path out, int stage, double start, double end, int steps) {

    /** The most steps of one range test (fastai's default is 100). */
    public static final int MAX_STEPS = 10_000;

    /** Checks the values. */
    public Options {
      if (out == null) {
        throw new IllegalArgumentException("out must be given");
      }
      if (!(start > 0) || !(end > start) || Double.isInfinite(end)) {
        throw new IllegalArgumentException(
            "need 0 < start < end (finite), got start " + start + ", end " + end);
      }
      if (steps < 5 || steps > MAX_STEPS) {
        throw new IllegalArgumentException(
            "steps must be between 5 and " + MAX_STEPS + ", got " + steps);
      }
      if (stage < 0) {
        throw new IllegalArgumentException("stage must be 0 or more, got " + stage);
      }
    }

    /**
     * fastai's defaults: 1e-7 to 10 over 100 steps, on the first stage.
     *
     * @param out the report's directory
     * @return the options
     */
    public static Options defaults(Path out) {
      return new Options(out, 0, 1e-7, 10, 100);
    }
  }

  /**
   * Problems of the options with this recipe, before anything is loaded.
   *
   * @param recipe the recipe
   * @param o the options
   * @return the problems (empty when none)
   */
  static List<String> problems(Recipe recipe, Options o) {
    List<String> p = new ArrayList<>();
    int stages = Policies.stages(recipe).size();
    if (o.stage() >= stages) {
      p.add(
          "--stage: the recipe has "
              + stages
              + " stage"
              + (stages == 1 ? "" : "s")
              + " (0 to "
              + (stages - 1)
              + "), not "
              + o.stage());
    }
    if (recipe.optimizer().lr() == null) {
      p.add("optimizer.lr: an LR range test sweeps it; give a value to start from");
    }
    return p;
  }

  /**
   * Runs the sweep on a built run and writes {@code lr_find.json} and {@code report.html} into
   * {@code dir}; the weights are put back afterwards.
   *
   * @param recipe the recipe
   * @param t what the run trains
   * @param o the sweep
   * @param dir where the report goes (the run directory's {@code .partial})
   * @param out progress output
   * @return the summary (also {@code lr_find.json})
   * @throws IOException when writing fails
   */
  static ObjectNode sweep(Recipe recipe, Runner.Training t, Options o, Path dir, PrintStream out)
      throws IOException {
    StagePlan stage = Policies.stages(recipe).get(o.stage());
    int perEpoch =
        (t.splits().train().size() + recipe.data().batchSize() * recipe.train().accumulate() - 1)
            / (recipe.data().batchSize() * recipe.train().accumulate());
    int epochs = (o.steps() + perEpoch - 1) / perEpoch;
    double base = recipe.optimizer().lr();
    Map<String, GroupHyper> hyper = new LinkedHashMap<>();
    t.plan()
        .rows()
        .forEach(
            r -> {
              GroupHyper h = Policies.hyper(recipe, r, t.plan().groupLr().get(r.group()));
              hyper.put(r.name(), h.withLr(h.lr() * o.start() / base));
            });
    List<Double> lrs = new ArrayList<>();
    List<Double> losses = new ArrayList<>();
    List<Map<String, Double>> groupLrs = new ArrayList<>();
    boolean[] exploded = {false};
    MetricsSink capture =
        new MetricsSink() {
          @Override
          public void onStep(StepMetrics m) {
            lrs.add(LrSweep.rate(o.start(), o.end(), o.steps(), (int) m.step() - 1));
            losses.add(m.loss());
            groupLrs.add(m.lr());
          }
        };
    TrainSetup setup =
        Runner.setup(recipe, t, List.of(capture))
            .setStages(List.of(new StagePlan(epochs, stage.trainable(), stage.lrScale())))
            .setHyper(hyper)
            .optSchedule(Schedule.exponential(o.end() / o.start()), false)
            .optValid(null)
            .optTest(null)
            .optEvalEveryEpoch(false)
            .optEarlyStopping(null)
            .optFaults(FaultPolicy.skip(Long.MAX_VALUE))
            .optWarnings(new io.github.finetune4j.monitor.WarningDetector(Map.of()))
            .optMaxSteps(o.steps())
            .optStopWhen(
                m -> {
                  boolean stop = LrSweep.exploded(losses);
                  exploded[0] |= stop;
                  return stop;
                })
            .build();
    out.printf(
        Locale.ROOT,
        "LR range test on stage %d (%s): %.1e to %.1e over at most %d steps%n",
        o.stage(),
        String.join(", ", stage.trainable()),
        o.start(),
        o.end(),
        o.steps());
    Map<String, float[]> before = snapshot(t);
    RunResult result;
    try (var manager = t.model().getNDManager().newSubManager();
        FineTuner tuner = new FineTuner(setup, manager)) {
      result = tuner.run();
    } finally {
      putBack(t, before);
    }
    LrSweep a =
        LrSweep.analyse(
            lrs.stream().mapToDouble(Double::doubleValue).toArray(),
            losses.stream().mapToDouble(Double::doubleValue).toArray(),
            exploded[0] || result.fault() != null);
    ObjectNode summary = summary(recipe, o, a, stage, groupLrs);
    Files.writeString(dir.resolve(FILE_NAME), RecipeReader.toJson(summary));
    Files.writeString(dir.resolve("report.html"), html(summary, a), StandardCharsets.UTF_8);
    return summary;
  }

  /** Every parameter's values (running statistics included), to put back after the sweep. */
  private static Map<String, float[]> snapshot(Runner.Training t) {
    Map<String, float[]> m = new LinkedHashMap<>();
    ParameterNames.of(t.block()).forEach((n, p) -> m.put(n, p.getArray().toFloatArray()));
    return m;
  }

  private static void putBack(Runner.Training t, Map<String, float[]> before) {
    for (Map.Entry<String, Parameter> e : ParameterNames.of(t.block()).entrySet()) {
      NDArray a = e.getValue().getArray();
      try (NDArray v = a.getManager().create(before.get(e.getKey()), a.getShape())) {
        a.set(new NDIndex("..."), v); // into the parameter's own storage
      }
    }
  }

  /** The points, the suggestions and the overrides that apply the default one. */
  private static ObjectNode summary(
      Recipe recipe, Options o, LrSweep a, StagePlan stage, List<Map<String, Double>> groupLrs) {
    ObjectNode s = JSON.createObjectNode();
    s.put("kind", "lr_find");
    s.put("stage", o.stage());
    ArrayNode groups = s.putArray("groups");
    stage.trainable().forEach(groups::add);
    s.put("start", o.start());
    s.put("end", o.end());
    s.put("max_steps", o.steps());
    s.put("steps", a.lrs().length);
    s.put("stopped", a.exploded() ? "the loss exploded" : "all steps run");
    ArrayNode points = s.putArray("points");
    for (int i = 0; i < a.lrs().length; i++) {
      ObjectNode p = points.addObject();
      p.put("lr", a.lrs()[i]);
      p.put("loss", a.losses()[i]);
      p.put("smoothed", a.smoothed()[i]);
      ObjectNode g = p.putObject("group_lr");
      groupLrs.get(i).forEach((k, v) -> g.put(k, v));
    }
    ObjectNode sug = s.putObject("suggestions");
    RunSummary.number(sug, "valley", a.valley());
    RunSummary.number(sug, "steepest", a.steepest());
    RunSummary.number(sug, "minimum/10", a.minimumTenth());
    s.put("suggested", "valley");
    ArrayNode overrides = s.putArray("overrides");
    if (Double.isFinite(a.valley())) {
      overrides(recipe, a.valley()).forEach(overrides::add);
    }
    return s;
  }

  /**
   * The overrides that set {@code optimizer.lr} to {@code lr} and keep every group's ratio to it:
   * each group with its own {@code lr} is scaled by the same factor.
   *
   * @param recipe the recipe
   * @param lr the new base rate
   * @return e.g. {@code [optimizer.lr=3.2e-04, groups.3.lr=6.4e-03]}
   */
  static List<String> overrides(Recipe recipe, double lr) {
    double factor = lr / recipe.optimizer().lr();
    List<String> out = new ArrayList<>();
    out.add("optimizer.lr=" + format(lr));
    List<GroupSpec> groups = recipe.groups();
    for (int i = 0; i < groups.size(); i++) {
      if (groups.get(i).lr() != null) {
        out.add("groups." + i + ".lr=" + format(groups.get(i).lr() * factor));
      }
    }
    return out;
  }

  private static String format(double v) {
    return String.format(Locale.ROOT, "%.2e", v);
  }

  /** A self-contained page: the loss (raw and smoothed) against the learning rate, log scale. */
  private static String html(ObjectNode summary, LrSweep a) {
    int w = 720;
    int h = 360;
    int pad = 64;
    StringBuilder svg = new StringBuilder();
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' role='img'"
                + " aria-label='loss against learning rate'>",
            w,
            h));
    int n = a.lrs().length;
    if (n >= 2) {
      double x0 = Math.log10(a.lrs()[0]);
      double x1 = Math.log10(a.lrs()[n - 1]);
      double lo = Double.POSITIVE_INFINITY;
      double hi = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) { // the smoothed curve sets the scale; raw spikes are clipped
        lo = Math.min(lo, Math.min(a.losses()[i], a.smoothed()[i]));
        hi = Math.max(hi, a.smoothed()[i]);
      }
      hi += 0.1 * (hi - lo);
      if (hi <= lo) {
        hi = lo + 1;
      }
      double fx0 = x0;
      double fx1 = x1 > x0 ? x1 : x0 + 1;
      double flo = lo;
      double fhi = hi;
      java.util.function.DoubleUnaryOperator px =
          v -> pad + (Math.log10(v) - fx0) / (fx1 - fx0) * (w - 2 * pad);
      java.util.function.DoubleUnaryOperator py =
          v -> h - pad - (Math.min(v, fhi) - flo) / (fhi - flo) * (h - 2 * pad);
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x='%d' y='%d' font-size='11' text-anchor='end'>%.3g</text>"
                  + "<text x='%d' y='%d' font-size='11' text-anchor='end'>%.3g</text>",
              pad - 4,
              h - pad,
              lo,
              pad - 4,
              pad + 4,
              hi));
      svg.append(polyline(a.lrs(), a.losses(), px, py, "#bbb"));
      svg.append(polyline(a.lrs(), a.smoothed(), px, py, "#1f77b4"));
      for (int d = (int) Math.ceil(x0); d <= Math.floor(x1); d++) {
        double x = px.applyAsDouble(Math.pow(10, d));
        svg.append(
            String.format(
                Locale.ROOT,
                "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#eee'/>"
                    + "<text x='%.1f' y='%d' font-size='11' text-anchor='middle'>1e%d</text>",
                x,
                pad,
                x,
                h - pad,
                x,
                h - pad + 16,
                d));
      }
      if (Double.isFinite(a.valley())) {
        double x = px.applyAsDouble(a.valley());
        svg.append(
            String.format(
                Locale.ROOT,
                "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#d62728'"
                    + " stroke-dasharray='4'/><text x='%.1f' y='%d' font-size='11'"
                    + " fill='#d62728'>valley %.2e</text>",
                x,
                pad,
                x,
                h - pad,
                x + 4,
                pad + 12,
                a.valley()));
      }
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x='%d' y='%d' font-size='12' text-anchor='middle'>learning rate (log"
                  + " scale)</text><text x='14' y='%d' font-size='12'"
                  + " transform='rotate(-90 14 %d)' text-anchor='middle'>loss</text>",
              w / 2,
              h - 8,
              h / 2,
              h / 2));
    }
    svg.append("</svg>");
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>")
        .append("<title>LR range test</title>")
        .append("<style>body{font-family:sans-serif;margin:2em}code{background:#f4f4f4}</style>")
        .append("</head><body><h1>LR range test</h1><p>Stage ")
        .append(summary.get("stage").asInt())
        .append(" (groups ")
        .append(escape(String.join(", ", toList(summary.get("groups")))))
        .append("), ")
        .append(summary.get("steps").asInt())
        .append(" steps; ")
        .append(escape(summary.get("stopped").asText()))
        .append(".</p>")
        .append(svg)
        .append("<h2>Suggestions</h2><ul>");
    summary
        .get("suggestions")
        .fields()
        .forEachRemaining(
            e ->
                b.append("<li>")
                    .append(escape(e.getKey()))
                    .append(": ")
                    .append(e.getValue().isNumber() ? format(e.getValue().asDouble()) : "-")
                    .append("</li>"));
    b.append("</ul><p>Apply the valley suggestion with: <code>")
        .append(escape(String.join(" ", toList(summary.get("overrides")))))
        .append("</code></p></body></html>\n");
    return b.toString();
  }

  private static String polyline(
      double[] xs,
      double[] ys,
      java.util.function.DoubleUnaryOperator px,
      java.util.function.DoubleUnaryOperator py,
      String colour) {
    StringBuilder p = new StringBuilder("<polyline fill='none' stroke='" + colour + "' points='");
    for (int i = 0; i < xs.length; i++) {
      p.append(
          String.format(
              Locale.ROOT, "%.1f,%.1f ", px.applyAsDouble(xs[i]), py.applyAsDouble(ys[i])));
    }
    return p.append("'/>").toString();
  }

  private static List<String> toList(com.fasterxml.jackson.databind.JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asText()));
    return out;
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
  }
}
