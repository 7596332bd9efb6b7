package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.github.finetune4j.model.bert.BertConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The model card: its front matter is YAML that an independent parser (SnakeYAML, not the Jackson
 * generator that wrote it) reads back to exactly the fields and values meant, whatever the labels
 * and the description hold; the Markdown keeps user text inside its table cells and code blocks.
 */
class ModelCardTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BertConfig BERT = new BertConfig(30522, 8, 1, 2, 16, 64, 2, 1e-12);

  /** Labels that would break a header or a table written by string concatenation. */
  private static final List<String> HOSTILE =
      List.of(
          "say \"hi\" 'there'",
          "key: value # not a comment",
          "two\nlines",
          "---",
          "\n---\nlicense: mit\nextra: injected\n",
          "```\nrm -rf /\n```",
          "a | b <b>bold</b> & [link](x)",
          "日本語 — naïve ✓",
          "...");

  private static final String RECIPE =
      """
      description: "a \\"quoted\\" description: with ``` fences\\n---\\nand lines"
      model:
        type: bert-onnx
        bundled: all-minilm-l6-v2
        init: pretrained
      data:
        train: {type: text-jsonl, path: data/spamassassin/train.jsonl.gz}
        valid: {type: text-jsonl, path: data/spamassassin/valid.jsonl.gz}
        test: {type: text-jsonl, path: /tmp/elsewhere/held-out/test.jsonl}
      output:
        dir: runs/card-test
      """;

  private static ModelMetadata metadata(List<String> labels, String task) {
    return new ModelMetadata(BERT, labels, "mean", 0.1, 48, "text", task, 0.5, null);
  }

  private static JsonNode yaml(String text) throws Exception {
    return new YAMLMapper().readTree(text);
  }

  private static ObjectNode summary(List<String> labels) {
    ObjectNode s = JSON.createObjectNode();
    s.put("status", "completed");
    s.put("test_examples", 1000);
    s.put("test_loss", 0.25);
    s.putObject("headline").put("metric", "accuracy").put("value", 0.9375);
    ObjectNode m = s.putObject("test_metrics");
    m.put("accuracy", 0.9375);
    m.put("macro_f1", 0.875);
    for (int i = 0; i < labels.size(); i++) {
      m.put("precision/" + labels.get(i), i / 10.0);
    }
    return s;
  }

  private static JsonNode plan() throws Exception {
    return JSON.readTree(
        """
        {"rule": "adamw", "schedule": "constant", "weight_decay_mode": "decoupled",
         "groups": [{"name": "body", "lr": 1e-4}, {"name": "head", "lr": 2e-3}],
         "stages": [{"epochs": 1}, {"epochs": 2}],
         "parameters": [
           {"name": "embeddings.a", "group": "body", "elements": 10, "trainable": [false, true]},
           {"name": "encoder.b", "group": "body", "elements": 5, "trainable": [false, true]},
           {"name": "head.weight", "group": "head", "elements": 16, "trainable": [true, true]}]}
        """);
  }

  private static String card(List<String> labels, String task) throws Exception {
    JsonNode provenance =
        JSON.readTree(
            "{\"toolkit\": \"finetune4j 0.1.0\", \"data\": [{\"path\":"
                + " \"data/spamassassin/train.jsonl.gz\", \"sha256\": \"ab12\"}]}");
    return ModelCard.text(
        new ModelCard.Inputs(
            metadata(labels, task), summary(labels), plan(), yaml(RECIPE), RECIPE, provenance));
  }

  /** The front matter, cut the way the Hub does: from the first line to the next {@code ---}. */
  private static String frontMatter(String card) {
    assertTrue(card.startsWith("---\n"), card);
    int end = card.indexOf("\n---\n", 3);
    assertTrue(end > 0, card);
    return card.substring(4, end + 1);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parse(String yaml) {
    return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
  }

  @Test
  @SuppressWarnings("unchecked")
  void hostileLabelsStayInsideTheirValues() throws Exception {
    String card = card(HOSTILE, "classification");
    Map<String, Object> fm = parse(frontMatter(card));
    assertEquals(
        Set.of(
            "base_model",
            "license",
            "library_name",
            "pipeline_tag",
            "tags",
            "datasets",
            "model-index"),
        fm.keySet(),
        "no key added by a label");
    assertEquals("sentence-transformers/all-MiniLM-L6-v2", fm.get("base_model"));
    assertEquals("apache-2.0", fm.get("license"));
    assertEquals("finetune4j", fm.get("library_name"));
    assertEquals("text-classification", fm.get("pipeline_tag"));
    assertEquals(List.of("spamassassin", "held-out"), fm.get("datasets"));
    assertEquals(List.of("finetune4j", "bert", "text-classification"), fm.get("tags"));

    List<Map<String, Object>> index = (List<Map<String, Object>>) fm.get("model-index");
    assertEquals(1, index.size());
    assertEquals("card-test", index.get(0).get("name"));
    Map<String, Object> result = ((List<Map<String, Object>>) index.get(0).get("results")).get(0);
    assertEquals("text-classification", ((Map<String, Object>) result.get("task")).get("type"));
    assertEquals("spamassassin", ((Map<String, Object>) result.get("dataset")).get("name"));
    assertEquals("test", ((Map<String, Object>) result.get("dataset")).get("split"));
    List<Map<String, Object>> metrics = (List<Map<String, Object>>) result.get("metrics");
    assertEquals(
        Map.of("type", "accuracy", "value", 0.9375, "name", "test accuracy"), metrics.get(0));
    assertEquals(
        Map.of("type", "macro_f1", "value", 0.875, "name", "test macro_f1"), metrics.get(1));
    assertEquals(2 + HOSTILE.size(), metrics.size());
    for (int i = 0; i < HOSTILE.size(); i++) {
      Map<String, Object> m = metrics.get(2 + i);
      assertEquals("precision", m.get("type"));
      assertEquals("test precision/" + HOSTILE.get(i), m.get("name"), "label read back exactly");
      assertEquals(i / 10.0, ((Number) m.get("value")).doubleValue());
    }

    // The re-import snippet in the body holds the labels as YAML that reads back exactly.
    String snippet = codeBlockAfter(card, "### Finetune4J");
    JsonNode recipe = yaml(snippet);
    assertEquals("safetensors", recipe.path("model").path("type").asText());
    assertEquals("none", recipe.path("head").path("replace").asText());
    List<String> classes = new ArrayList<>();
    recipe.path("head").path("classes").forEach(c -> classes.add(c.asText()));
    assertEquals(HOSTILE, classes);

    // The resolved recipe is reproduced byte for byte inside a fence it cannot close.
    assertEquals(RECIPE, codeBlockAfter(card, "### Resolved recipe"));

    // One table row per label, whatever the label holds.
    String labels = section(card, "## Labels");
    long rows = labels.lines().filter(l -> l.startsWith("| ")).count();
    assertEquals(1 + HOSTILE.size(), rows, labels);
    assertTrue(labels.contains("| 6 | a \\| b &lt;b&gt;bold&lt;/b&gt; &amp; [link](x) |"), labels);
    assertTrue(labels.contains("| 2 | two lines |"), labels);
  }

  @Test
  void theBodySaysHowToUseAndReproduceIt() throws Exception {
    String card = card(List.of("ham", "spam"), "classification");
    assertTrue(card.contains("**Test accuracy: 0.9375** on 1000 test examples."), card);
    assertTrue(card.contains("AutoModel.from_pretrained(d, add_pooling_layer=False)"), card);
    assertTrue(card.contains("pooled = (h * m).sum(1) / m.sum(1)  # masked mean"), card);
    assertTrue(card.contains("probs = logits.softmax(-1)"), card);
    assertTrue(card.contains("./finetune run recipe.resolved.yaml output.dir=runs/reproduced"));
    assertTrue(card.contains("| body | 2 | 15 | 0.0001 | 2 |"), card);
    assertTrue(card.contains("| head | 1 | 16 | 0.002 | 1, 2 |"), card);
    assertTrue(card.contains("Update rule `adamw`, schedule `constant`"), card);
    assertTrue(card.contains("2 stages (epochs: 1, 2)"), card);
    assertTrue(card.contains("| data/spamassassin/train.jsonl.gz | `ab12` |"), card);
    assertTrue(card.contains("| loss | 0.25 |"), card);
    assertFalse(card.contains("multi-label"), card);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aMultiLabelCardHasItsThresholdsAndSigmoid() throws Exception {
    ModelMetadata meta =
        new ModelMetadata(
            BERT,
            List.of("a", "b"),
            "cls",
            0.1,
            48,
            "text",
            "multilabel",
            0.5,
            new double[] {0.25, 0.75});
    String card =
        ModelCard.text(
            new ModelCard.Inputs(
                meta,
                summary(List.of("a", "b")),
                plan(),
                yaml(RECIPE),
                RECIPE,
                MissingNode.getInstance()));
    Map<String, Object> fm = parse(frontMatter(card));
    assertTrue(((List<String>) fm.get("tags")).contains("multi-label-classification"));
    assertTrue(card.contains("| 0 | a | 0.25 |"), card);
    assertTrue(card.contains("| 1 | b | 0.75 |"), card);
    assertTrue(card.contains("probs = logits.sigmoid()"), card);
    assertTrue(card.contains("pooled = h[:, 0]"), card);
    assertFalse(card.contains("## Data"), "no provenance, no data table");
  }

  @Test
  void baseModelLicenseAndDatasetsFollowTheModelSource() throws Exception {
    assertEquals(
        "sentence-transformers/all-MiniLM-L6-v2",
        ModelCard.baseModel(yaml("{type: bert-onnx, bundled: all-minilm-l6-v2}")));
    assertNull(
        ModelCard.baseModel(yaml("{type: bert-onnx, bundled: all-minilm-l6-v2, init: random}")),
        "random weights are not fine-tuned from a base");
    assertEquals(
        "e5-small-v2",
        ModelCard.baseModel(
            yaml(
                "{type: bert-onnx, path: /models/e5-small-v2/model.onnx, config: c, tokenizer: t}")));
    assertEquals(
        "minilm-safetensors",
        ModelCard.baseModel(yaml("{type: safetensors, dir: models/minilm-safetensors/}")));
    assertNull(ModelCard.baseModel(yaml("{type: torchscript, path: m.pt}")));
    assertNull(ModelCard.baseModel(MissingNode.getInstance()));

    String recipe =
        RECIPE.replace(
            "type: bert-onnx\n  bundled: all-minilm-l6-v2",
            "type: safetensors\n  dir: models/my-checkpoint");
    String card =
        ModelCard.text(
            new ModelCard.Inputs(
                metadata(List.of("x", "y"), "classification"),
                JSON.createObjectNode(),
                plan(),
                yaml(recipe),
                recipe,
                MissingNode.getInstance()));
    Map<String, Object> fm = parse(frontMatter(card));
    assertEquals("my-checkpoint", fm.get("base_model"));
    assertFalse(fm.containsKey("license"), "a local checkpoint's license is unknown");
    assertFalse(fm.containsKey("model-index"), "no test metrics, no model-index");
    assertTrue(card.contains("Add `license:` to the header"), card);

    assertEquals(
        List.of("debtags", "held-out"),
        ModelCard.datasets(
            yaml(
                "{train: {path: data/debtags/train.jsonl.gz}, valid: {path: ./data/debtags/v.jsonl},"
                    + " test: {path: held-out/test.jsonl}}")));
  }

  /** The text of the first fenced block after a heading. */
  private static String codeBlockAfter(String card, String heading) {
    int at = card.indexOf("\n" + heading + "\n");
    assertTrue(at >= 0, heading);
    int open = card.indexOf("\n`", at + 1) + 1;
    int ticks = 0;
    while (card.charAt(open + ticks) == '`') {
      ticks++;
    }
    String fence = "`".repeat(ticks);
    int start = card.indexOf('\n', open) + 1;
    int end = card.indexOf("\n" + fence + "\n", start - 1);
    return card.substring(start, end + 1);
  }

  private static String section(String card, String heading) {
    int at = card.indexOf("\n" + heading + "\n");
    int next = card.indexOf("\n## ", at + 1);
    return card.substring(at, next < 0 ? card.length() : next);
  }
}
