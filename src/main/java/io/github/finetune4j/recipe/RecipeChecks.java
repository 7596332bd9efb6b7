package io.github.finetune4j.recipe;

import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;

/**
 * Checks that need more than types: ranges, references between sections, files that must exist.
 * They run on a recipe whose invalid values were dropped, so a required field may be null here (its
 * problem is already reported); each check skips what is absent.
 */
final class RecipeChecks {

  /** The most intra-op threads a recipe may ask for ({@code train.threads}). */
  static final int MAX_THREADS = 1024;

  private RecipeChecks() {}

  static void check(Recipe r, List<String> problems) {
    check(r, problems, false);
  }

  /**
   * The checks; for a policy ({@code RecipeReader.readPolicy}, {@code checkPolicy}) the placeholder
   * training split, whose file does not exist, is not checked.
   */
  static void check(Recipe r, List<String> problems, boolean policy) {
    if (r.model() != null) {
      checkModel(r.model(), problems);
    }
    // the rules that tie a task to the data go by its label shape, not by its kind
    LabelShape shape = r.task() == null ? LabelShape.CLASS : r.task().labels();
    boolean regression = shape == LabelShape.VALUES;
    boolean multilabel = shape == LabelShape.LABEL_SET;
    boolean pairs = shape == LabelShape.PAIRS;
    boolean labelColumns = multilabel && r.data() != null && r.data().train() instanceof CsvSplit;
    List<String> classes = r.head() == null ? null : r.head().classes();
    if (r.head() != null && pairs && classes != null) {
      problems.add(
          "head.classes: an embedding task has no classes (it outputs one vector per text);"
              + " remove head.classes");
      classes = null;
    } else if (r.head() != null && pairs && "none".equals(r.head().replace())) {
      problems.add(
          "head.replace: an embedding task puts no head on the encoder (its pooled vectors are"
              + " the outputs); remove head.replace");
    } else if (r.head() != null && regression && classes != null) {
      problems.add(
          "head.classes: a regression has no classes (its outputs are the targets of the"
              + " csv splits); remove head.classes, or set task.type: classification");
      classes = null;
    } else if (r.head() != null && labelColumns && classes != null) {
      problems.add(
          "head.classes: a multilabel task on csv splits takes its labels from the 0/1 columns"
              + " named in data.train.targets; remove head.classes");
      classes = null;
    } else if (r.head() != null
        && !regression
        && !pairs
        && !labelColumns
        && classes == null
        && problems.stream().noneMatch(p -> p.startsWith("head.classes"))) { // else reported
      problems.add(
          "head.classes: required for a "
              + (multilabel ? "multilabel task on text" : "classification")
              + " (the "
              + (multilabel ? "labels" : "class labels")
              + " in output order)");
    }
    if (r.head() != null
        && !pairs
        && "none".equals(r.head().replace())
        && r.model() instanceof BertOnnxModel) {
      problems.add(
          "head.replace: 'none' keeps the model's own output, but a "
              + r.model().kind()
              + " text encoder has none (it outputs token states); use classifier");
    }
    if (r.head() != null
        && "none".equals(r.head().replace())
        && r.model() instanceof SafetensorsModel s
        && "random".equals(s.init())) {
      problems.add(
          "head.replace: 'none' keeps the checkpoint's trained classifier, but model.init: random"
              + " loads none of its weights; use head.replace: classifier, or model.init:"
              + " pretrained");
    }
    if (r.task() != null) {
      r.task().check(classes, r.data(), problems); // each kind checks its own fields
    }
    if (r.task() instanceof ClassificationTaskSpec c
        && c.fewShot() != null
        && r.model() != null
        && !(r.model() instanceof BertOnnxModel || r.model() instanceof SafetensorsModel)) {
      problems.add(
          "task.few_shot: tunes a text encoder on pairs of texts (model.type: bert-onnx or"
              + " safetensors), but model.type is '"
              + r.model().kind()
              + "'");
    }
    if (classes != null && classes.size() < (multilabel ? 1 : 2)) {
      problems.add(
          "head.classes: need at least "
              + (multilabel ? "1 label" : "2 classes")
              + ", got "
              + classes.size());
    }
    if (classes != null && new HashSet<>(classes).size() != classes.size()) {
      problems.add("head.classes: duplicate class label");
    }
    if (r.head() != null) {
      range(problems, "head.dropout", r.head().dropout(), 0, 0.99);
    }
    DataSpec d = r.data();
    if (d != null) {
      if (!policy) {
        checkSource(problems, "data.train", d.train());
      }
      checkSource(problems, "data.valid", d.valid());
      checkSource(problems, "data.test", d.test());
      checkSplitsAgree(d, regression, multilabel, pairs, problems);
      checkImages(d, regression || multilabel, problems);
      if (!"auto".equals(d.standardize())
          && (d.train() instanceof ImageFolderSplit
              || d.train() instanceof TextJsonlSplit && !featureModel(r.model()))) {
        // (texts for a model of feature vectors are refused at plan time as the wrong kind)
        problems.add(
            "data.standardize: only the feature columns of csv splits are standardized; data.train"
                + " is of type '"
                + d.train().kind()
                + "'"
                + (d.train() instanceof ImageFolderSplit
                    ? " (data.image.mean and data.image.std scale images)"
                    : "")
                + "; remove it");
      }
      if (d.maxLength() < 2 || d.maxLength() > 512) {
        problems.add("data.max_length: must be between 2 and 512, got " + d.maxLength());
      }
      if (d.batchSize() < 1) {
        problems.add("data.batch_size: must be at least 1, got " + d.batchSize());
      }
    }
    List<GroupSpec> groups = r.groups() == null ? List.of() : r.groups();
    // References to groups are checked only when every group name is known.
    boolean namesKnown = r.groups() != null && groups.stream().allMatch(g -> g.name() != null);
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < groups.size(); i++) {
      GroupSpec g = groups.get(i);
      String p = "groups[" + i + "]";
      String nameError = g.name() == null ? null : nameError(g.name());
      if (nameError != null) {
        problems.add(p + ".name: " + nameError);
        names.add(g.name()); // references to it are not reported a second time
      } else if (g.name() != null && !names.add(g.name())) {
        problems.add(p + ".name: duplicate group name '" + g.name() + "'");
      }
      if (g.match() != null && g.match().isEmpty()) {
        problems.add(p + ".match: give at least one pattern");
      }
      for (int j = 0; g.match() != null && j < g.match().size(); j++) {
        String err = patternError(g.match().get(j));
        if (err != null) {
          problems.add(p + ".match[" + j + "]: " + err);
        }
      }
      if (("freeze_stats".equals(g.norm()) || "recalibrate".equals(g.norm()))
          && r.model() instanceof BertOnnxModel b) {
        problems.add(
            p
                + ".norm: '"
                + g.norm()
                + "' cannot be honoured: "
                + (b.path() == null ? "all-MiniLM-L6-v2" : "a BERT encoder")
                + " normalizes with"
                + " LayerNorm, which keeps no running statistics; use train or freeze_all");
      }
      if (g.weightDecay() != null && !(g.weightDecay() >= 0)) {
        problems.add(p + ".weight_decay: must be zero or positive, got " + g.weightDecay());
      }
      if (g.lr() != null && !(g.lr() > 0)) {
        problems.add(p + ".lr: must be positive, got " + g.lr());
      }
    }
    if (r.groups() != null && r.groups().isEmpty()) {
      problems.add("groups: give at least one group");
    }
    if (r.stages() == null && r.unfreeze() == null) {
      problems.add("stages: required (or give an `unfreeze` policy instead)");
    } else if (r.stages() != null && r.unfreeze() != null) {
      problems.add("unfreeze: give either `stages` or `unfreeze`, not both");
    }
    if (r.stages() != null) {
      checkStages(r.stages(), namesKnown ? names : null, problems);
    }
    if (r.unfreeze() != null) {
      checkUnfreeze(r.unfreeze(), namesKnown ? names : null, problems);
    }
    if (r.optimizer() != null) {
      checkOptimizer(r.optimizer(), namesKnown ? names : null, problems);
    }
    checkSchedule(r.schedule(), problems);
    TrainSpec t = r.train();
    if (r.monitor().every() < 1) {
      problems.add("monitor.every: must be at least 1, got " + r.monitor().every());
    }
    r.monitor()
        .driftBounds()
        .forEach(
            (g, v) -> {
              if (namesKnown && !g.equals("*") && !names.contains(g)) {
                problems.add("monitor.drift_bounds." + g + ": unknown group '" + g + "'");
              }
              if (!(v > 0)) {
                problems.add("monitor.drift_bounds." + g + ": must be positive, got " + v);
              }
            });
    if (t.threads() != null && t.threads() < 1) {
      problems.add("train.threads: must be at least 1, got " + t.threads());
    }
    if (t.threads() != null && t.threads() > MAX_THREADS) {
      problems.add(
          "train.threads: at most "
              + MAX_THREADS
              + " (the engine would try to start that many threads), got "
              + t.threads());
    }
    if (t.checkpointEvery() != null && t.checkpointEvery() < 0) {
      problems.add("train.checkpoint_every: must be 0 or more, got " + t.checkpointEvery());
    }
    if (t.keepCheckpoints() < 1) {
      problems.add("train.keep_checkpoints: must be at least 1, got " + t.keepCheckpoints());
    }
    if (t.maxSkippedSteps() != null && t.maxSkippedSteps() < 0) {
      problems.add("train.max_skipped_steps: must be 0 or more, got " + t.maxSkippedSteps());
    }
    if (t.featureCacheMb() < 0) {
      problems.add("train.feature_cache_mb: must be at least 0, got " + t.featureCacheMb());
    }
    if (t.accumulate() < 1) {
      problems.add("train.accumulate: must be at least 1, got " + t.accumulate());
    }
    EarlyStoppingSpec es = t.earlyStopping();
    if (es != null) {
      if (es.patience() < 1) {
        problems.add("train.early_stopping.patience: must be at least 1, got " + es.patience());
      }
      if (!(es.minDelta() >= 0) || Double.isInfinite(es.minDelta())) {
        problems.add(
            "train.early_stopping.min_delta: must be 0 or more and finite, got " + es.minDelta());
      }
      if (!Boolean.TRUE.equals(t.evalEveryEpoch())) {
        problems.add(
            "train.early_stopping: needs train.eval_every_epoch: true (it scores every epoch)");
      }
    }
    if (t.maxSkippedSteps() != null && "stop".equals(t.onNonfinite())) {
      problems.add(
          "train.max_skipped_steps: applies only with train.on_nonfinite: skip (with stop, the"
              + " default, the first step whose loss or gradients are not finite fails the run)");
    }
    if (r.output() != null && r.output().dir() != null && r.output().dir().isBlank()) {
      problems.add("output.dir: must not be empty");
    }
  }

  private static void checkStages(
      List<StageSpec> stages, Set<String> names, List<String> problems) {
    if (stages.isEmpty()) {
      problems.add("stages: give at least one stage");
    }
    for (int i = 0; i < stages.size(); i++) {
      StageSpec s = stages.get(i);
      String p = "stages[" + i + "]";
      if (s.epochs() != null && s.epochs() < 1) {
        problems.add(p + ".epochs: must be at least 1, got " + s.epochs());
      }
      if (s.train() == null) {
        continue;
      }
      if (s.train().isEmpty()) {
        problems.add(p + ".train: name at least one group");
      }
      groupRefs(p + ".train", s.train(), names, problems);
      s.lrScale()
          .forEach(
              (g, v) -> {
                if (!s.train().contains(g)) {
                  problems.add(p + ".lr_scale." + g + ": '" + g + "' does not train in this stage");
                }
                if (!(v > 0)) {
                  problems.add(p + ".lr_scale." + g + ": must be positive, got " + v);
                }
              });
    }
  }

  private static void checkUnfreeze(UnfreezeSpec u, Set<String> names, List<String> problems) {
    List<String> given = new ArrayList<>();
    if (u.gradual() != null) {
      given.add("gradual");
      if (u.gradual().every() < 1 || u.gradual().finalEpochs() < 1) {
        problems.add("unfreeze.gradual: every and final_epochs must be at least 1");
      }
    }
    if (u.at() != null) {
      given.add("at");
      var a = u.at();
      if (a.groups() != null) {
        groupRefs("unfreeze.at.groups", a.groups(), names, problems);
        if (names != null && a.groups().containsAll(names)) {
          problems.add("unfreeze.at.groups: at least one group must train from the start");
        }
      }
      if (a.epoch() != null && a.epochs() != null && (a.epoch() < 2 || a.epoch() > a.epochs())) {
        problems.add(
            "unfreeze.at.epoch: must be between 2 and epochs ("
                + a.epochs()
                + "), got "
                + a.epoch());
      }
      range(problems, "unfreeze.at.warmup_from", a.warmupFrom(), 1e-12, 1);
      if (!(a.grow() >= 1)) {
        problems.add("unfreeze.at.grow: must be at least 1, got " + a.grow());
      }
    }
    if (u.lpFt() != null) {
      given.add("lp_ft");
      if (u.lpFt().probe() != null) {
        groupRefs("unfreeze.lp_ft.probe", u.lpFt().probe(), names, problems);
      }
      if (u.lpFt().probeEpochs() < 1 || u.lpFt().finetuneEpochs() < 1) {
        problems.add("unfreeze.lp_ft: probe_epochs and finetune_epochs must be at least 1");
      }
    }
    if (u.fineTune() != null) {
      given.add("fine_tune");
      if (u.fineTune().frozenEpochs() < 1
          || u.fineTune().epochs() != null && u.fineTune().epochs() < 1) {
        problems.add("unfreeze.fine_tune: frozen_epochs and epochs must be at least 1");
      }
      if (!(u.fineTune().lrMult() >= 1)) {
        problems.add(
            "unfreeze.fine_tune.lr_mult: must be at least 1, got " + u.fineTune().lrMult());
      }
    }
    if (given.size() != 1) {
      problems.add(
          "unfreeze: give exactly one of gradual, at, lp_ft, fine_tune; got "
              + (given.isEmpty() ? "none" : given));
    }
  }

  /** Checks group references; skipped when {@code names} is null (group names not known). */
  private static void groupRefs(
      String path, List<String> refs, Set<String> names, List<String> problems) {
    for (int j = 0; names != null && j < refs.size(); j++) {
      String g = refs.get(j);
      if (!names.contains(g)) {
        String hint = RecipeModel.closest(g, names);
        problems.add(
            path
                + "["
                + j
                + "]: unknown group '"
                + g
                + "'"
                + (hint == null ? "; groups are " + names : "; did you mean '" + hint + "'?"));
      }
    }
  }

  /** {@code names} is null when the group names are unknown (their problems already reported). */
  private static void checkOptimizer(OptimizerSpec o, Set<String> names, List<String> problems) {
    if (o.lr() != null && !(o.lr() > 0)) {
      problems.add("optimizer.lr: must be positive, got " + o.lr());
    }
    List<String> specs = new ArrayList<>();
    if (o.discriminative() != null) {
      specs.add("discriminative");
      if (o.discriminative().factor() != null && !(o.discriminative().factor() > 0)) {
        problems.add(
            "optimizer.discriminative.factor: must be positive, got "
                + o.discriminative().factor());
      }
    }
    if (o.spread() != null) {
      specs.add("spread");
      if (o.spread().size() != 2) {
        problems.add("optimizer.spread: expected [lo, hi], got " + o.spread().size() + " numbers");
      } else if (!(o.spread().get(0) > 0 && o.spread().get(1) >= o.spread().get(0))) {
        problems.add("optimizer.spread: expected 0 < lo <= hi, got " + o.spread());
      }
      if (names != null && names.size() < 2) {
        problems.add(
            "optimizer.spread: a spread needs at least 2 groups, the recipe has " + names.size());
      }
    }
    if (o.layerDecay() != null) {
      specs.add("layer_decay");
      if (!(o.layerDecay() > 0 && o.layerDecay() <= 1)) {
        problems.add("optimizer.layer_decay: must be in (0, 1], got " + o.layerDecay());
      }
    }
    if (specs.size() > 1) {
      problems.add("optimizer: conflicting learning-rate specs " + specs + "; give at most one");
    }
    if (o.weightDecay() != null
        && o.weightDecay().value() != null
        && !(o.weightDecay().value() >= 0)) {
      problems.add(
          "optimizer.weight_decay.value: must be zero or positive, got " + o.weightDecay().value());
    }
    if (o.regularizer() != null) {
      RegularizerSpec g = o.regularizer();
      if (!(g.l2sp() >= 0)) {
        problems.add("optimizer.regularizer.l2sp: must be zero or positive, got " + g.l2sp());
      }
      if (!(g.l1() >= 0)) {
        problems.add("optimizer.regularizer.l1: must be zero or positive, got " + g.l1());
      }
      if (g.l2spGroups() != null && names != null) {
        for (int i = 0; i < g.l2spGroups().size(); i++) {
          if (!names.contains(g.l2spGroups().get(i))) {
            problems.add(
                "optimizer.regularizer.l2sp_groups["
                    + i
                    + "]: unknown group '"
                    + g.l2spGroups().get(i)
                    + "'");
          }
        }
      }
    }
    if (o.clip() != null) {
      if (o.clip().globalNorm() != null && !(o.clip().globalNorm() > 0)) {
        problems.add("optimizer.clip.global_norm: must be positive, got " + o.clip().globalNorm());
      }
      if (o.clip().value() != null && !(o.clip().value() > 0)) {
        problems.add("optimizer.clip.value: must be positive, got " + o.clip().value());
      }
    }
    if (!(o.momentum() >= 0 && o.momentum() < 1)) {
      problems.add("optimizer.momentum: must be in [0, 1), got " + o.momentum());
    }
    range(problems, "optimizer.dampening", o.dampening(), 0, 1);
    if (o.nesterov() && (o.momentum() <= 0 || o.dampening() != 0)) {
      problems.add("optimizer.nesterov: needs momentum > 0 and dampening 0 (as in torch.optim)");
    }
    range(problems, "optimizer.beta1", o.beta1(), 0, 0.999999);
    range(problems, "optimizer.beta2", o.beta2(), 0, 0.999999999);
    range(problems, "optimizer.alpha", o.alpha(), 0, 0.999999999);
    if (!(o.eps() > 0)) {
      problems.add("optimizer.eps: must be positive, got " + o.eps());
    }
  }

  private static void checkSchedule(ScheduleSpec s, List<String> problems) {
    range(problems, "schedule.warmup", s.warmup(), 0, 0.99);
    range(problems, "schedule.floor", s.floor(), 0, 1);
    double last = 0;
    for (int i = 0; i < s.milestones().size(); i++) {
      double m = s.milestones().get(i);
      if (!(m > last && m < 1)) {
        problems.add(
            "schedule.milestones[" + i + "]: must be increasing fractions in (0, 1), got " + m);
      }
      last = m;
    }
    if (!(s.gamma() > 0)) {
      problems.add("schedule.gamma: must be positive, got " + s.gamma());
    }
    if (!(s.end() > 0)) {
      problems.add("schedule.end: must be positive, got " + s.end());
    }
    range(problems, "schedule.cut_frac", s.cutFrac(), 0.001, 0.999);
    if (!(s.ratio() >= 1)) {
      problems.add("schedule.ratio: must be at least 1, got " + s.ratio());
    }
    range(problems, "schedule.pct_start", s.pctStart(), 0.001, 0.999);
    if (!(s.div() > 0) || !(s.divFinal() > 0)) {
      problems.add("schedule.div / div_final: must be positive");
    }
    if ("step".equals(s.type()) && s.milestones().isEmpty()) {
      problems.add("schedule.milestones: a step schedule needs at least one milestone");
    }
  }

  private static void checkModel(ModelSpec m, List<String> problems) {
    if (m instanceof BertOnnxModel b) {
      if (b.bundled() == null && b.path() == null) {
        problems.add("model: give exactly one of bundled, path; got none");
      } else if (b.bundled() != null && b.path() != null) {
        problems.add("model: give exactly one of bundled, path; got both");
      }
      if (b.path() != null) {
        file(problems, "model.path", b.path(), "ONNX file");
        if (b.config() == null) {
          problems.add(
              "model.config: required with model.path (the model's Hugging Face config.json)");
        }
        if (b.tokenizer() == null) {
          problems.add("model.tokenizer: required with model.path (the model's tokenizer.json)");
        }
      }
      for (String[] f : new String[][] {{"config", b.config()}, {"tokenizer", b.tokenizer()}}) {
        if (f[1] != null && b.bundled() != null && b.path() == null) {
          problems.add("model." + f[0] + ": only with model.path; a bundled model brings its own");
        } else if (f[1] != null) {
          file(problems, "model." + f[0], f[1], f[0] + " file");
        }
      }
    } else if (m instanceof SafetensorsModel s && s.dir() != null) {
      Path dir = path(problems, "model.dir", s.dir());
      if (dir != null && !Files.isDirectory(dir)) {
        problems.add("model.dir: checkpoint directory not found: " + s.dir());
      } else if (dir != null) {
        List<String> missing =
            Stream.of("config.json", "model.safetensors", "tokenizer.json")
                .filter(f -> !Files.isRegularFile(dir.resolve(f)))
                .toList();
        if (!missing.isEmpty()) {
          problems.add(
              "model.dir: "
                  + s.dir()
                  + " lacks "
                  + String.join(", ", missing)
                  + " (a Hugging Face checkpoint directory holds config.json, model.safetensors and"
                  + " tokenizer.json)");
        }
      }
    } else if (m instanceof TorchScriptModel t) {
      if (t.path() != null) {
        file(problems, "model.path", t.path(), "TorchScript file");
      }
      checkInputShape(t.inputShape(), problems);
      if (t.featuresMethod() != null && !t.featuresMethod().matches("[A-Za-z_][A-Za-z0-9_]*")) {
        problems.add("model.features_method: '" + t.featuresMethod() + "' is not a method name");
      }
    } else if (m instanceof DjlModel d) {
      checkDjlUrl(d.url(), problems);
      if (d.name() != null && d.name().isBlank()) {
        problems.add("model.name: must not be empty");
      }
      if (d.featuresMethod() != null && !d.featuresMethod().matches("[A-Za-z_][A-Za-z0-9_]*")) {
        problems.add("model.features_method: '" + d.featuresMethod() + "' is not a method name");
      }
      if (d.featuresBlock() != null && d.featuresBlock().isBlank()) {
        problems.add("model.features_block: must not be empty");
      }
      if (d.featuresMethod() != null && d.featuresBlock() != null) {
        problems.add(
            "model.features_block: give one cut point: features_method (a TorchScript module's"
                + " method) or features_block (a DJL-native SequentialBlock's child), not both");
      }
      checkInputShape(d.inputShape(), problems);
    }
  }

  private static void checkInputShape(List<Long> shape, List<String> problems) {
    if (shape != null && shape.isEmpty()) {
      problems.add("model.input_shape: give at least one dimension");
    }
    for (int i = 0; shape != null && i < shape.size(); i++) {
      if (shape.get(i) < 1) {
        problems.add("model.input_shape[" + i + "]: must be at least 1, got " + shape.get(i));
      }
    }
  }

  /** Remote locations DJL resolves itself; they cannot be checked offline. */
  private static final Pattern REMOTE = Pattern.compile("(?i)(djl|https?|jar|s3|hdfs)://.*");

  /** A URL scheme (two letters or more, so that a Windows drive letter is a path). */
  private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]+):.*");

  private static void checkDjlUrl(String url, List<String> problems) {
    if (url == null || REMOTE.matcher(url).matches()) {
      return;
    }
    if (url.isBlank()) {
      problems.add("model.url: must not be empty");
      return;
    }
    Matcher scheme = SCHEME.matcher(url);
    Path p;
    if (scheme.matches() && scheme.group(1).equalsIgnoreCase("file")) {
      try {
        p = Path.of(URI.create(url));
      } catch (IllegalArgumentException | FileSystemNotFoundException e) {
        problems.add("model.url: not a valid file: URL: " + url);
        return;
      }
    } else if (scheme.matches()) {
      problems.add(
          "model.url: unsupported scheme '"
              + scheme.group(1)
              + ":'; give a local path,"
              + " a file: URL, a djl:// zoo id or an https:// URL");
      return;
    } else {
      p = path(problems, "model.url", url);
      if (p == null) {
        return;
      }
    }
    if (!Files.exists(p)) {
      problems.add(
          "model.url: not found: "
              + url
              + " (a local model must exist; djl:// and"
              + " https:// URLs are not checked)");
    }
  }

  /** Reports a file that is not there (or not a file). */
  private static void file(List<String> problems, String key, String file, String what) {
    Path p = path(problems, key, file);
    if (p != null && !Files.isRegularFile(p)) {
      problems.add(key + ": " + what + " not found: " + file);
    }
  }

  /** Whether a model reads feature vectors (csv rows or images) rather than texts. */
  private static boolean featureModel(ModelSpec m) {
    return m instanceof TorchScriptModel || m instanceof DjlModel || m instanceof BuiltinModel;
  }

  /** The path, or null after reporting a name that is not a path on this system. */
  private static Path path(List<String> problems, String key, String file) {
    try {
      return Path.of(file);
    } catch (InvalidPathException e) {
      problems.add(key + ": not a valid path: " + file);
      return null;
    }
  }

  private static void checkSource(List<String> problems, String path, SourceSpec s) {
    if (s == null) {
      return;
    }
    if (s instanceof IrSplitSpec ir && ir.path() != null) {
      Path p = path(problems, path + ".path", ir.path());
      if (p != null && !Files.isDirectory(p)) {
        problems.add(
            path
                + ".path: retrieval folder not found: "
                + ir.path()
                + (Files.exists(p)
                    ? " is not a folder (it holds the queries, corpus and qrels files)"
                    : ""));
      } else if (p != null) {
        String[][] files = {
          {"queries", ir.queries()}, {"corpus", ir.corpus()}, {"qrels", ir.qrels()}
        };
        for (String[] f : files) {
          Path file = ir.file(f[1]);
          if (!Files.isRegularFile(file)) {
            problems.add(
                path
                    + "."
                    + f[0]
                    + ": "
                    + (Files.exists(file) ? "not a regular file: " : "file not found: ")
                    + file);
          }
        }
      }
    } else if (s.path() != null) {
      Path p = path(problems, path + ".path", s.path());
      if (s instanceof ImageFolderSplit) {
        if (p != null && !Files.isDirectory(p)) {
          problems.add(
              path
                  + ".path: image folder not found: "
                  + s.path()
                  + (Files.isRegularFile(p)
                      ? " is a file, not a folder of class sub-folders"
                      : ""));
        }
      } else if (p != null && Files.isDirectory(p)) {
        problems.add(path + ".path: " + s.path() + " is a directory, not a data file");
      } else if (p != null && Files.exists(p) && !Files.isRegularFile(p)) {
        problems.add(
            path + ".path: " + s.path() + " is not a regular file (a device, pipe or socket)");
      } else if (p != null && !Files.isRegularFile(p)) {
        problems.add(path + ".path: data file not found: " + s.path());
      }
    }
    if (s instanceof IrSplitSpec ir && ir.corpusLimit() != null && ir.corpusLimit() < 0) {
      problems.add(path + ".corpus_limit: must be 0 or more, got " + ir.corpusLimit());
    }
    if (s.limit() != null && s.limit() < 1) {
      problems.add(path + ".limit: must be at least 1, got " + s.limit());
    }
    if (s instanceof TextJsonlSplit t && t.textPair() != null) {
      if (t.textPair().isBlank()) {
        problems.add(path + ".text_pair: must name a field, got an empty name");
      } else if (t.textPair().equals(t.text()) || t.textPair().equals(t.label())) {
        problems.add(
            path
                + ".text_pair: '"
                + t.textPair()
                + "' is also the "
                + (t.textPair().equals(t.text()) ? "text" : "label")
                + " field; the second text needs a field of its own");
      }
    }
    if (s instanceof CsvSplit c) {
      checkCsv(problems, path, c);
    }
  }

  /**
   * The splits fit the task (a classification reads labels, a regression numeric targets from csv)
   * and each other (the kind of data.train, the same targets).
   */
  private static void checkSplitsAgree(
      DataSpec d, boolean regression, boolean multilabel, boolean pairs, List<String> problems) {
    String[] names = {"data.train", "data.valid", "data.test"};
    SourceSpec[] splits = {d.train(), d.valid(), d.test()};
    for (int i = 0; i < splits.length; i++) {
      SourceSpec s = splits[i];
      if (s == null) {
        continue;
      }
      boolean embeddingData =
          s instanceof PairsSplit || s instanceof ScoredPairsSplit || s instanceof IrSplitSpec;
      if (pairs || embeddingData) {
        if (!pairs) {
          problems.add(
              names[i]
                  + ".type: '"
                  + s.kind()
                  + "' splits feed an embedding model; set task.type: embedding, or give"
                  + " text-jsonl or csv splits");
        }
        continue; // the embedding task checks its splits (EmbeddingTaskSpec.check)
      }
      if (regression && s instanceof TextJsonlSplit) {
        problems.add(
            names[i]
                + ": a regression reads numeric targets from csv splits (type: csv,"
                + " with targets); a text-jsonl split holds class labels");
      } else if (s instanceof CsvSplit c
          && multilabel
          && c.label() != null
          && c.targets() == null) {
        problems.add(
            names[i]
                + ".label: a multilabel task reads one 0/1 column per label, named in `targets`,"
                + " not a label column");
      } else if (s instanceof CsvSplit c
          && regression
          && c.label() != null
          && c.targets() == null) {
        problems.add(
            names[i]
                + ".label: a regression reads `targets` columns, not a label; give"
                + " targets, or set task.type: classification");
      } else if (s instanceof CsvSplit c
          && !regression
          && !multilabel
          && c.targets() != null
          && c.label() == null) {
        problems.add(
            names[i]
                + ".targets: a classification reads a `label` column; give label,"
                + " or set task.type: regression");
      }
      if (i > 0
          && s instanceof TextJsonlSplit t
          && d.train() instanceof TextJsonlSplit train
          && (t.textPair() == null) != (train.textPair() == null)) {
        problems.add(
            names[i]
                + ".text_pair: "
                + (t.textPair() == null
                    ? "not set, but data.train reads pairs of texts (text_pair: "
                        + train.textPair()
                        + ")"
                    : "set, but data.train reads single texts")
                + "; set text_pair on every split or on none");
      }
      if (i > 0 && d.train() != null && !s.kind().equals(d.train().kind())) {
        problems.add(
            names[i]
                + ".type: '"
                + s.kind()
                + "' differs from data.train's '"
                + d.train().kind()
                + "'; every split is of the kind of data.train");
      } else if (i > 0
          && s instanceof CsvSplit c
          && d.train() instanceof CsvSplit t
          && c.targets() != null
          && t.targets() != null
          && !c.targets().equals(t.targets())) {
        problems.add(
            names[i]
                + ".targets: "
                + c.targets()
                + " differ from data.train.targets "
                + t.targets()
                + "; every split has the same targets");
      }
    }
  }

  /** The image splits, {@code data.image} and the task agree; the numbers are in range. */
  private static void checkImages(
      DataSpec d, boolean regressionOrMultiLabel, List<String> problems) {
    boolean images = d.train() instanceof ImageFolderSplit;
    if (!images) {
      if (d.image() != null) {
        problems.add(
            "data.image: only image-folder splits read images; data.train is of type '"
                + (d.train() == null ? "?" : d.train().kind())
                + "'");
      }
      return;
    }
    if (regressionOrMultiLabel) {
      problems.add(
          "data.train: an image-folder split holds one class label per image (its sub-folder);"
              + " a regression or multilabel task reads csv targets");
    }
    String[] names = {"data.train", "data.valid", "data.test"};
    SourceSpec[] splits = {d.train(), d.valid(), d.test()};
    for (int i = 0; i < splits.length; i++) {
      if (splits[i] instanceof ImageFolderSplit f && f.validFraction() != null) {
        if (i > 0) {
          problems.add(names[i] + ".valid_fraction: only data.train carves out a validation split");
        } else if (d.valid() != null) {
          problems.add(
              "data.train.valid_fraction: data.valid is given too; give one validation split");
        } else if (!(f.validFraction() > 0 && f.validFraction() < 1)) {
          problems.add(
              "data.train.valid_fraction: must be between 0 and 1 (exclusive), got "
                  + f.validFraction());
        }
      }
    }
    ImageSpec im = d.image() == null ? ImageSpec.builder().build() : d.image();
    size(problems, "data.image.resize", im.resize());
    size(problems, "data.image.crop", im.crop());
    if (im.resize() != null
        && im.crop() != null
        && im.resize().size() == 2
        && im.crop().size() == 2
        && (im.crop().get(0) > im.resize().get(0) || im.crop().get(1) > im.resize().get(1))) {
      problems.add(
          "data.image.crop: " + im.crop() + " is larger than data.image.resize " + im.resize());
    }
    if (im.pad() < 0 || im.pad() > 1024) {
      problems.add("data.image.pad: must be between 0 and 1024, got " + im.pad());
    }
    if (im.channels() != 1 && im.channels() != 3) {
      problems.add("data.image.channels: must be 1 (grayscale) or 3 (RGB), got " + im.channels());
    }
    for (String key : List.of("mean", "std")) {
      List<Double> v = key.equals("mean") ? im.mean() : im.std();
      if (v == null) {
        continue;
      }
      if (v.size() != im.channels()) {
        problems.add(
            "data.image."
                + key
                + ": give one value per channel ("
                + im.channels()
                + "), got "
                + v.size());
      }
      for (int i = 0; i < v.size(); i++) {
        if (!Double.isFinite(v.get(i)) || (key.equals("std") && !(v.get(i) > 0))) {
          problems.add(
              "data.image."
                  + key
                  + "["
                  + i
                  + "]: must be "
                  + (key.equals("std") ? "positive" : "finite")
                  + ", got "
                  + v.get(i));
        }
      }
    }
    AugmentSpec a = im.augment();
    if (a != null) {
      range(problems, "data.image.augment.flip", a.flip(), 0, 1);
      range(problems, "data.image.augment.rotation", a.rotation(), 0, 180);
      range(problems, "data.image.augment.shift", a.shift(), 0, 0.5);
      List<Double> rc = a.resizedCrop();
      if (rc != null
          && (rc.size() != 2 || !(rc.get(0) > 0) || !(rc.get(0) <= rc.get(1)) || rc.get(1) > 1)) {
        problems.add(
            "data.image.augment.resized_crop: give [min, max] area shares with 0 < min <= max <="
                + " 1, got "
                + rc);
      }
    }
  }

  private static void size(List<String> problems, String key, List<Integer> hw) {
    if (hw == null) {
      return;
    }
    if (hw.size() != 2) {
      problems.add(key + ": give [height, width], got " + hw);
      return;
    }
    for (int i = 0; i < 2; i++) {
      if (hw.get(i) < 1 || hw.get(i) > 4096) {
        problems.add(key + "[" + i + "]: must be between 1 and 4096, got " + hw.get(i));
      }
    }
  }

  private static void checkCsv(List<String> problems, String path, CsvSplit c) {
    if (c.label() == null && c.targets() == null) {
      problems.add(
          path
              + ": give exactly one of label (classification), targets (regression); got"
              + " none");
    } else if (c.label() != null && c.targets() != null) {
      problems.add(
          path
              + ": give exactly one of label (classification), targets (regression); got"
              + " both");
    }
    if (c.targets() != null && c.targets().isEmpty()) {
      problems.add(path + ".targets: name at least one column");
    }
    Set<String> outputs = new HashSet<>();
    if (c.label() != null) {
      outputs.add(c.label());
    }
    if (c.targets() != null) {
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < c.targets().size(); i++) {
        if (!seen.add(c.targets().get(i))) {
          problems.add(path + ".targets[" + i + "]: duplicate column '" + c.targets().get(i) + "'");
        }
      }
      outputs.addAll(c.targets());
    }
    if (c.features() != null && c.features().isEmpty()) {
      problems.add(
          path
              + ".features: name at least one column (or leave it out for every column"
              + " but the label or targets)");
    }
    for (int i = 0; c.features() != null && i < c.features().size(); i++) {
      String f = c.features().get(i);
      String err = patternError(f);
      if (err != null) {
        problems.add(path + ".features[" + i + "]: " + err);
      } else if (outputs.contains(f)) {
        problems.add(
            path
                + ".features["
                + i
                + "]: '"
                + f
                + "' is "
                + (f.equals(c.label()) ? "the label" : "a target")
                + " column");
      }
    }
    if (c.delimiter().length() != 1
        || c.delimiter().equals("\"")
        || c.delimiter().equals("\n")
        || c.delimiter().equals("\r")) {
      problems.add(
          path
              + ".delimiter: must be one character other than a quote or line break, got '"
              + c.delimiter()
              + "'");
    }
  }

  private static void range(List<String> problems, String path, double v, double lo, double hi) {
    if (!(v >= lo && v <= hi)) {
      problems.add(path + ": must be between " + lo + " and " + hi + ", got " + v);
    }
  }

  /** Returns why a group name cannot be used (empty, blank, a control character), or null. */
  static String nameError(String name) {
    if (name.isEmpty()) {
      return "must not be empty";
    }
    if (name.isBlank()) {
      return "must not be blank";
    }
    for (int i = 0; i < name.length(); ) {
      int c = name.codePointAt(i);
      if (Character.isISOControl(c)) {
        return String.format("contains a control character (U+%04X)", c);
      }
      i += Character.charCount(c);
    }
    return null;
  }

  /** Returns why a name pattern is invalid, or null. */
  static String patternError(String pattern) {
    try {
      NamePattern.compile(pattern);
      return null;
    } catch (PatternSyntaxException e) {
      return "invalid pattern '" + pattern + "': " + e.getDescription();
    }
  }
}
