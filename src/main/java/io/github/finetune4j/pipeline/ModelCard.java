package io.github.finetune4j.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;

/**
 * The model card ({@code README.md}) of a Hugging Face directory: YAML front matter as the Hugging
 * Face Hub reads it ({@code base_model}, {@code license}, {@code library_name}, {@code
 * pipeline_tag}, {@code tags}, {@code datasets}, {@code model-index} with the test metrics), then
 * Markdown: what the model is, its labels, how to load it (a Finetune4J recipe that continues from
 * it, Python with {@code transformers} and with {@code sentence-transformers}), its test metrics,
 * the plan summary, the data files, the commands that reproduce it and the resolved recipe.
 *
 * <p>The front matter is written by Jackson's YAML generator with every string quoted, so no value
 * (a label with quotes, colons, newlines or {@code ---}) can end it early or add keys; the Markdown
 * escapes user text in tables and headings, and puts code in fences longer than any run of
 * backticks in it.
 *
 * <p>{@code base_model}: {@code sentence-transformers/all-MiniLM-L6-v2} for the bundled model, the
 * name of the directory of an ONNX file or safetensors checkpoint given by path; absent for random
 * initial weights (nothing was fine-tuned from a base) and for other sources. {@code license}:
 * {@code apache-2.0} for the bundled model (its license); absent otherwise, because the toolkit
 * cannot know the license of a local checkpoint and {@code other} would claim one; the card says
 * so. {@code datasets}: per data split file, the directory after a {@code data} directory in its
 * path ({@code data/spamassassin/train.jsonl.gz} is {@code spamassassin}), else its parent
 * directory's name.
 */
final class ModelCard {

  /** The Hub id of the bundled model. */
  static final String MINILM_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = yamlMapper();
  private static final Pattern BACKTICKS = Pattern.compile("`+");

  private ModelCard() {}

  /**
   * What a card is made of: the run's files, read by the caller.
   *
   * @param metadata the model's metadata
   * @param summary {@code summary.json}
   * @param plan {@code plan.json}
   * @param recipe {@code recipe.resolved.yaml} as a tree
   * @param recipeText {@code recipe.resolved.yaml} as written
   * @param provenance the model's {@code provenance.json}, or a missing node
   */
  record Inputs(
      ModelMetadata metadata,
      JsonNode summary,
      JsonNode plan,
      JsonNode recipe,
      String recipeText,
      JsonNode provenance) {}

  /**
   * Writes the card.
   *
   * @param in the run's files
   * @return the text of {@code README.md}
   */
  static String text(Inputs in) {
    StringBuilder md = new StringBuilder();
    md.append("---\n").append(frontMatter(in)).append("---\n\n");
    body(in, md);
    return md.toString();
  }

  /**
   * The front matter, without its {@code ---} lines.
   *
   * @param in the run's files
   * @return YAML text ending with a line break
   */
  static String frontMatter(Inputs in) {
    ObjectNode fm = JSON.createObjectNode();
    JsonNode model = in.recipe().path("model");
    String base = baseModel(model);
    if (base != null) {
      fm.put("base_model", base);
    }
    if (isBundled(model)) {
      fm.put("license", "apache-2.0");
    }
    fm.put("library_name", "finetune4j");
    fm.put("pipeline_tag", "text-classification");
    ArrayNode tags = fm.putArray("tags");
    tags.add("finetune4j").add("bert").add("text-classification");
    if ("multilabel".equals(in.metadata().task())) {
      tags.add("multi-label-classification");
    }
    List<String> datasets = datasets(in.recipe().path("data"));
    if (!datasets.isEmpty()) {
      ArrayNode d = fm.putArray("datasets");
      datasets.forEach(d::add);
    }
    List<Metric> metrics = metrics(in.summary());
    if (!metrics.isEmpty()) {
      ObjectNode entry = fm.putArray("model-index").addObject();
      entry.put("name", name(in.recipe()));
      ObjectNode result = entry.putArray("results").addObject();
      result
          .putObject("task")
          .put("type", "text-classification")
          .put(
              "name",
              "multilabel".equals(in.metadata().task())
                  ? "Multi-label Text Classification"
                  : "Text Classification");
      String dataset = datasets.isEmpty() ? "test split" : datasets.get(0);
      result
          .putObject("dataset")
          .put("name", dataset)
          .put("type", datasets.isEmpty() ? "local" : dataset)
          .put("split", "test");
      ArrayNode list = result.putArray("metrics");
      for (Metric m : metrics) {
        list.addObject().put("type", m.type()).put("value", m.value()).put("name", m.name());
      }
    }
    String yaml;
    try {
      yaml = YAML.writeValueAsString(fm);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers always writes", e);
    }
    for (String line : yaml.split("\n", -1)) {
      if (line.startsWith("---") || line.startsWith("...")) {
        // Cannot happen with quoted scalars; refuse rather than write a card that ends early.
        throw new IllegalStateException("front matter line would end the header: " + line);
      }
    }
    return yaml.endsWith("\n") ? yaml : yaml + "\n";
  }

  private static void body(Inputs in, StringBuilder md) {
    ModelMetadata meta = in.metadata();
    boolean multi = "multilabel".equals(meta.task());
    md.append("# ").append(inline(name(in.recipe()))).append("\n\n");
    String description = in.recipe().path("description").asText("");
    if (!description.isBlank()) {
      md.append(paragraph(description)).append("\n\n");
    }
    JsonNode model = in.recipe().path("model");
    boolean embedding = "embedding".equals(meta.task());
    if (embedding) {
      md.append("A BERT sentence-embedding model (")
          .append(meta.bert().numLayers())
          .append(meta.bert().numLayers() == 1 ? " layer, " : " layers, ")
          .append(meta.bert().hiddenSize())
          .append(" dimensions), fine-tuned with Finetune4J from ")
          .append(inline(sourceText(model)))
          .append(" on pairs of related texts (loss `")
          .append(inline(in.recipe().path("task").path("loss").asText("mnrl")))
          .append("`). A text's vector is the ")
          .append(
              switch (meta.pooling()) {
                case "cls" -> "state of the first token (`[CLS]`, no pooler)";
                case "max" -> "masked max of the last hidden states";
                default -> "masked mean of the last hidden states";
              })
          .append(meta.normalize() ? ", L2-normalized" : "")
          .append("; texts are cut to ")
          .append(meta.maxLength())
          .append(" tokens.\n\n");
    } else {
      md.append("A BERT encoder (")
          .append(meta.bert().numLayers())
          .append(meta.bert().numLayers() == 1 ? " layer, " : " layers, ")
          .append(meta.bert().hiddenSize())
          .append(" wide) with a linear head, fine-tuned with Finetune4J ")
          .append(
              multi
                  ? "to tag texts with any of " + meta.classes().size() + " labels"
                  : "to classify texts into " + meta.classes().size() + " classes")
          .append(", from ")
          .append(inline(sourceText(model)))
          .append(". The head reads the ")
          .append(
              "cls".equals(meta.pooling())
                  ? "state of the first token (`[CLS]`, no pooler)"
                  : "masked mean of the last hidden states")
          .append(" and gives ")
          .append(multi ? "one sigmoid probability per label" : "softmax probabilities")
          .append("; texts are cut to ")
          .append(meta.maxLength())
          .append(" tokens.\n\n");
    }
    JsonNode headline = in.summary().path("headline");
    if (headline.path("value").isNumber()) {
      md.append("**Test ")
          .append(inline(headline.path("metric").asText()))
          .append(": ")
          .append(number(headline.path("value").asDouble()))
          .append("** on ")
          .append(in.summary().path("test_examples").asInt())
          .append(" test examples")
          .append(
              headline.path("base_value").isNumber()
                  ? " (the untouched model: " + number(headline.path("base_value").asDouble()) + ")"
                  : "")
          .append(".\n\n");
    }
    if (!"completed".equals(in.summary().path("status").asText("completed"))) {
      md.append("> The run's status is `")
          .append(in.summary().path("status").asText().replace("`", "'"))
          .append("`: these are the weights it ended with.\n\n");
    }
    if (embedding) {
      embeddingUsage(meta, md);
    } else {
      labels(meta, md);
      usage(in, md);
    }
    metricsTable(in.summary(), md);
    plan(in.plan(), md);
    data(in.provenance(), md);
    reproduce(in, md);
    md.append("## License\n\n");
    if (isBundled(model)) {
      md.append(
          "Apache 2.0, the license of all-MiniLM-L6-v2, whose weights and tokenizer this model"
              + " starts from; the training data have their own terms.\n");
    } else {
      md.append(
          "Not recorded: this model starts from a local checkpoint whose license Finetune4J"
              + " cannot know. Add `license:` to the header above before publishing it.\n");
    }
  }

  private static void labels(ModelMetadata meta, StringBuilder md) {
    boolean multi = "multilabel".equals(meta.task());
    md.append("## Labels\n\n");
    md.append(
        multi ? "| id | label | threshold |\n|---|---|---|\n" : "| id | label |\n|---|---|\n");
    double[] t = thresholds(meta);
    for (int i = 0; i < meta.classes().size(); i++) {
      md.append("| ").append(i).append(" | ").append(cell(meta.classes().get(i)));
      if (multi) {
        md.append(" | ").append(number(t[i]));
      }
      md.append(" |\n");
    }
    md.append('\n');
  }

  /** A multi-label model's thresholds, one per label; null for a single-label model. */
  static double[] thresholds(ModelMetadata meta) {
    if (!"multilabel".equals(meta.task())) {
      return null;
    }
    if (meta.thresholds() != null) {
      return meta.thresholds().clone();
    }
    double[] t = new double[meta.classes().size()];
    Arrays.fill(t, meta.threshold());
    return t;
  }

  private static void embeddingUsage(ModelMetadata meta, StringBuilder md) {
    md.append("## Use it\n\n### Java (langchain4j)\n\n")
        .append("`onnx/encoder.onnx` beside this directory (the run's `model/onnx`) with its")
        .append(" `tokenizer.json`:\n\n");
    fence(
        md,
        "java",
        "EmbeddingModel model = new OnnxEmbeddingModel(\n"
            + "    Path.of(\"model/onnx/encoder.onnx\"), Path.of(\"model/onnx/tokenizer.json\"),\n"
            + "    PoolingMode."
            + ("cls".equals(meta.pooling()) ? "CLS" : "MEAN")
            + ");\n");
    md.append("### Python (sentence-transformers)\n\n");
    fence(
        md,
        "python",
        "from sentence_transformers import SentenceTransformer\n\n"
            + "vectors = SentenceTransformer(\"path/to/this/directory\").encode([\"some text\"])\n");
    md.append("### Finetune4J\n\n")
        .append("`./finetune embed RUN --input texts.txt` prints the vectors; to tune it further,")
        .append(" start a recipe from this directory with `model: {type: safetensors, dir:")
        .append(" path/to/this/directory}` and `task: {type: embedding}`.\n\n");
  }

  private static void usage(Inputs in, StringBuilder md) {
    ModelMetadata meta = in.metadata();
    boolean multi = "multilabel".equals(meta.task());
    md.append("## Use it\n\n### Finetune4J\n\n")
        .append("Continue from this directory in a recipe (the encoder's weights load exactly;")
        .append(" `replace: none` keeps this head, `replace: classifier` puts a new one on):\n\n");
    ObjectNode r = JSON.createObjectNode();
    r.putObject("model").put("type", "safetensors").put("dir", "path/to/this/directory");
    ObjectNode head = r.putObject("head");
    head.put("replace", "none");
    ArrayNode classes = head.putArray("classes");
    meta.classes().forEach(classes::add);
    head.put("pooling", meta.pooling());
    String snippet;
    try {
      snippet = YAML.writeValueAsString(r);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    fence(md, "yaml", snippet);
    md.append(
        "and predict with `./finetune predict` on the run directory such a recipe writes.\n\n");
    md.append("### Python (transformers)\n\n")
        .append("`config.json` says `BertModel`, not `BertForSequenceClassification`: that class")
        .append(" puts a pooler (dense + tanh on `[CLS]`) before its classifier, which this model")
        .append(" does not have, so loading it that way would give an untrained pooler. These")
        .append(" lines give this model's ")
        .append(multi ? "label probabilities" : "class probabilities")
        .append(":\n\n");
    StringBuilder py = new StringBuilder();
    py.append("import torch\n")
        .append("from safetensors.torch import load_file\n")
        .append("from transformers import AutoModel, AutoTokenizer\n\n")
        .append("d = \"path/to/this/directory\"\n")
        .append("tok = AutoTokenizer.from_pretrained(d)\n")
        .append("enc = AutoModel.from_pretrained(d, add_pooling_layer=False).eval()\n")
        .append("w = load_file(f\"{d}/model.safetensors\")\n")
        .append("x = tok([\"some text\"], padding=True, truncation=True, return_tensors=\"pt\")\n")
        .append("with torch.no_grad():\n")
        .append("    h = enc(**x).last_hidden_state\n");
    if ("cls".equals(meta.pooling())) {
      py.append("pooled = h[:, 0]  # the [CLS] state, no pooler\n");
    } else {
      py.append("m = x[\"attention_mask\"].unsqueeze(-1).to(h.dtype)\n")
          .append("pooled = (h * m).sum(1) / m.sum(1)  # masked mean\n");
    }
    py.append("logits = pooled @ w[\"classifier.weight\"].T + w[\"classifier.bias\"]\n");
    if (multi) {
      py.append("probs = logits.sigmoid()\n")
          .append("# decision thresholds per label: config.json's finetune4j.thresholds\n");
    } else {
      py.append("probs = logits.softmax(-1)\n");
    }
    py.append("print([enc.config.id2label[i] for i in range(probs.shape[1])], probs)\n");
    fence(md, "python", py.toString());
    md.append("### Python (sentence-transformers)\n\n")
        .append("The pooled vectors the head reads (unnormalized):\n\n");
    fence(
        md,
        "python",
        "from sentence_transformers import SentenceTransformer\n\n"
            + "vectors = SentenceTransformer(\"path/to/this/directory\").encode([\"some text\"])\n");
  }

  private static void metricsTable(JsonNode summary, StringBuilder md) {
    JsonNode metrics = summary.path("test_metrics");
    if (!metrics.isObject() || metrics.isEmpty()) {
      return;
    }
    md.append("## Test metrics\n\n| metric | value |\n|---|---|\n");
    metrics
        .fields()
        .forEachRemaining(
            e ->
                md.append("| ")
                    .append(cell(e.getKey()))
                    .append(" | ")
                    .append(
                        e.getValue().isNumber() ? number(e.getValue().asDouble()) : "not a number")
                    .append(" |\n"));
    if (summary.path("test_loss").isNumber()) {
      md.append("| loss | ").append(number(summary.path("test_loss").asDouble())).append(" |\n");
    }
    md.append('\n');
  }

  private static void plan(JsonNode plan, StringBuilder md) {
    if (!plan.isObject()) {
      return;
    }
    md.append("## Training plan\n\n");
    md.append("Update rule `")
        .append(code(plan.path("rule").asText("?")))
        .append("`, schedule `")
        .append(code(plan.path("schedule").asText("?")))
        .append("`");
    if (plan.has("weight_decay_mode")) {
      md.append(", weight decay `")
          .append(code(plan.path("weight_decay_mode").asText()))
          .append("`");
    }
    int stages = plan.path("stages").size();
    md.append("; ").append(stages).append(stages == 1 ? " stage" : " stages").append(" (epochs: ");
    List<String> epochs = new ArrayList<>();
    plan.path("stages").forEach(s -> epochs.add(s.path("epochs").asText("?")));
    md.append(String.join(", ", epochs)).append(").\n\n");
    Map<String, long[]> counts = new LinkedHashMap<>();
    Map<String, Set<Integer>> trained = new LinkedHashMap<>();
    for (JsonNode p : plan.path("parameters")) {
      String g = p.path("group").asText();
      long[] c = counts.computeIfAbsent(g, k -> new long[2]);
      c[0]++;
      c[1] += p.path("elements").asLong();
      Set<Integer> t = trained.computeIfAbsent(g, k -> new LinkedHashSet<>());
      JsonNode flags = p.path("trainable");
      for (int i = 0; i < flags.size(); i++) {
        if (flags.get(i).asBoolean()) {
          t.add(i + 1);
        }
      }
    }
    md.append("| group | parameters | values | base lr | trains in stages |\n")
        .append("|---|---|---|---|---|\n");
    for (JsonNode g : plan.path("groups")) {
      String name = g.path("name").asText();
      long[] c = counts.getOrDefault(name, new long[2]);
      Set<Integer> t = trained.getOrDefault(name, Set.of());
      md.append("| ")
          .append(cell(name))
          .append(" | ")
          .append(c[0])
          .append(" | ")
          .append(c[1])
          .append(" | ")
          .append(g.path("lr").isNumber() ? number(g.path("lr").asDouble()) : "-")
          .append(" | ")
          .append(
              t.isEmpty() ? "none" : String.join(", ", t.stream().map(String::valueOf).toList()))
          .append(" |\n");
    }
    md.append('\n');
  }

  private static void data(JsonNode provenance, StringBuilder md) {
    JsonNode data = provenance.path("data");
    if (!data.isArray() || data.isEmpty()) {
      return;
    }
    md.append("## Data\n\n| file | SHA-256 |\n|---|---|\n");
    for (JsonNode d : data) {
      md.append("| ")
          .append(cell(d.path("path").asText()))
          .append(" | `")
          .append(code(d.path("sha256").asText("-")))
          .append("` |\n");
    }
    md.append('\n');
  }

  private static void reproduce(Inputs in, StringBuilder md) {
    md.append("## Reproduce\n\n")
        .append("The run directory's `recipe.resolved.yaml` is the whole recipe (below). With ")
        .append(inline(in.provenance().path("toolkit").asText("Finetune4J")))
        .append(", the data files above and, for a local model source, its files at the")
        .append(" recorded path:\n\n");
    fence(
        md,
        "sh",
        "./finetune run recipe.resolved.yaml output.dir=runs/reproduced\n"
            + "./finetune predict runs/reproduced \"some text\"\n");
    JsonNode determinism = in.summary().path("determinism");
    if (determinism.path("promise").isTextual()) {
      md.append(paragraph("Determinism: " + determinism.path("promise").asText() + "."))
          .append("\n\n");
    }
    md.append("### Resolved recipe\n\n");
    fence(md, "yaml", in.recipeText());
  }

  /** One metric of the model-index: the headline first, then the others of test_metrics. */
  private record Metric(String type, double value, String name) {}

  private static List<Metric> metrics(JsonNode summary) {
    List<Metric> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    JsonNode headline = summary.path("headline");
    if (headline.path("metric").isTextual() && headline.path("value").isNumber()) {
      String m = headline.path("metric").asText();
      out.add(new Metric(metricType(m), headline.path("value").asDouble(), "test " + m));
      seen.add(m);
    }
    summary
        .path("test_metrics")
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().isNumber()
                  && Double.isFinite(e.getValue().asDouble())
                  && seen.add(e.getKey())) {
                out.add(
                    new Metric(
                        metricType(e.getKey()), e.getValue().asDouble(), "test " + e.getKey()));
              }
            });
    out.removeIf(m -> !Double.isFinite(m.value()));
    return out;
  }

  /** The Hub's metric type: the name before a per-class {@code /label}, e.g. {@code precision}. */
  private static String metricType(String key) {
    int slash = key.indexOf('/');
    return slash < 0 ? key : key.substring(0, slash);
  }

  /** The model's name: the last part of the recipe's output directory. */
  static String name(JsonNode recipe) {
    String dir = recipe.path("output").path("dir").asText("");
    String last = lastPart(dir);
    return last == null || last.isBlank() ? "finetune4j-model" : last;
  }

  private static boolean isBundled(JsonNode model) {
    return "bert-onnx".equals(model.path("type").asText())
        && "all-minilm-l6-v2".equals(model.path("bundled").asText());
  }

  /** The {@code base_model} of the front matter, or null (see the class comment). */
  static String baseModel(JsonNode model) {
    if ("random".equals(model.path("init").asText())) {
      return null;
    }
    if (isBundled(model)) {
      return MINILM_HUB_ID;
    }
    String type = model.path("type").asText();
    if ("bert-onnx".equals(type) && model.path("path").isTextual()) {
      Path p = path(model.path("path").asText());
      Path parent = p == null ? null : p.toAbsolutePath().normalize().getParent();
      return parent == null || parent.getFileName() == null
          ? null
          : parent.getFileName().toString();
    }
    if ("safetensors".equals(type) && model.path("dir").isTextual()) {
      return lastPart(model.path("dir").asText());
    }
    return null;
  }

  private static String sourceText(JsonNode model) {
    if (isBundled(model)) {
      return "all-MiniLM-L6-v2"
          + ("random".equals(model.path("init").asText())
              ? " (its architecture, random weights)"
              : "");
    }
    String type = model.path("type").asText("an unknown source");
    String where = model.path("path").asText(model.path("dir").asText(""));
    return type
        + (where.isEmpty() ? "" : " " + where)
        + ("random".equals(model.path("init").asText())
            ? " (its architecture, random weights)"
            : "");
  }

  /** The dataset names of the data splits' files, in split order, without repeats. */
  static List<String> datasets(JsonNode data) {
    Set<String> names = new LinkedHashSet<>();
    for (String split : List.of("train", "valid", "test")) {
      JsonNode p = data.path(split).path("path");
      if (!p.isTextual()) {
        continue;
      }
      Path path = path(p.asText());
      if (path == null) {
        continue;
      }
      path = path.normalize();
      String name = null;
      for (int i = 0; i + 1 < path.getNameCount() - 1; i++) {
        if (path.getName(i).toString().equals("data")) {
          name = path.getName(i + 1).toString();
          break;
        }
      }
      if (name == null && path.getParent() != null && path.getParent().getFileName() != null) {
        name = path.getParent().getFileName().toString();
      }
      if (name != null && !name.isBlank()) {
        names.add(name);
      }
    }
    return List.copyOf(names);
  }

  private static String lastPart(String dir) {
    Path p = path(dir);
    if (p == null) {
      return null;
    }
    p = p.normalize();
    return p.getFileName() == null ? null : p.getFileName().toString();
  }

  private static Path path(String s) {
    try {
      return Path.of(s);
    } catch (InvalidPathException e) {
      return null;
    }
  }

  /** A number as the summary has it, without an exponent for ordinary values. */
  private static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Math.abs(v) >= 1e-4 && Math.abs(v) < 1e7
        ? String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "").replaceAll("\\.$", "")
        : String.format(Locale.ROOT, "%.4g", v);
  }

  /** User text inside a Markdown table cell: one line, no cell break, no HTML, no code span. */
  static String cell(String s) {
    return inline(s).replace("|", "\\|").replace("`", "\\`");
  }

  /** User text on one Markdown line: line breaks become spaces, HTML is escaped. */
  static String inline(String s) {
    return html(s).replaceAll("[\\r\\n\\u2028\\u2029]+", " ");
  }

  /** User text as a paragraph: HTML escaped, and no line that Markdown reads as a marker. */
  private static String paragraph(String s) {
    return inline(s).strip();
  }

  private static String html(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /** Text inside single backticks: no backtick, one line. */
  private static String code(String s) {
    return s.replace('`', '\'').replaceAll("[\\r\\n]+", " ");
  }

  /** A fenced code block whose fence is longer than any run of backticks in the code. */
  static void fence(StringBuilder md, String lang, String code) {
    int longest = 2;
    Matcher m = BACKTICKS.matcher(code);
    while (m.find()) {
      longest = Math.max(longest, m.group().length());
    }
    String f = "`".repeat(longest + 1);
    md.append(f).append(lang).append('\n').append(code);
    if (!code.endsWith("\n")) {
      md.append('\n');
    }
    md.append(f).append("\n\n");
  }

  private static YAMLMapper yamlMapper() {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    options.setIndicatorIndent(2);
    options.setIndentWithIndicator(true);
    options.setWidth(Integer.MAX_VALUE); // one line per value: no folded continuation lines
    options.setSplitLines(false);
    return new YAMLMapper(
        YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .disable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .dumperOptions(options)
            .build());
  }
}
