package io.github.finetune4j.model.bert;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compares the sizes of a {@link BertConfig} with the sizes that a weights file shows, and says
 * each difference in one sentence with both numbers, such as {@code config.json says 6 layers
 * (num_hidden_layers), model.onnx has 12}.
 *
 * <p>The weights show the number of layers (the distinct {@code encoder.layer.N.} indices), the
 * vocabulary and hidden size ({@code embeddings.word_embeddings.weight}), the positions and token
 * types (their embeddings) and the feed-forward size ({@code
 * encoder.layer.0.intermediate.dense.weight}). They do not show the number of attention heads:
 * every attention matrix is {@code [hidden, hidden]} whatever the heads.
 */
public final class BertShapes {

  private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");

  private BertShapes() {}

  /**
   * Says how the configuration and the weights differ in the sizes the weights show.
   *
   * @param config the configuration
   * @param shapes the shape of every tensor of the weights file by block parameter name (as {@link
   *     HfBertNames#toBlockName} gives it); tensors the block has no parameter for may be included
   * @param configName what the sentences call the configuration, e.g. {@code config.json}
   * @param weightsName what they call the weights file, e.g. {@code model.onnx}
   * @param defaulted the Hugging Face field names whose value was not in the configuration file but
   *     taken from Hugging Face's defaults (said in the sentence)
   * @return one sentence per size that differs, empty when all the sizes shown agree
   */
  public static List<String> mismatches(
      BertConfig config,
      Map<String, long[]> shapes,
      String configName,
      String weightsName,
      Set<String> defaulted) {
    Sentences out = new Sentences(configName, weightsName, defaulted);
    int layers = layerCount(shapes);
    if (layers > 0) {
      out.check(
          config.numLayers(),
          layers,
          "num_hidden_layers",
          config.numLayers() == 1 ? "1 layer" : config.numLayers() + " layers");
    }
    long[] words = shapes.get("embeddings.word_embeddings.weight");
    if (words != null && words.length == 2) {
      out.check(config.vocabSize(), words[0], "vocab_size", config.vocabSize() + " word-piece ids");
      out.check(
          config.hiddenSize(), words[1], "hidden_size", "a hidden size of " + config.hiddenSize());
    }
    long[] positions = shapes.get("embeddings.position_embeddings.weight");
    if (positions != null && positions.length == 2) {
      out.check(
          config.maxPositions(),
          positions[0],
          "max_position_embeddings",
          config.maxPositions() + " positions");
    }
    long[] types = shapes.get("embeddings.token_type_embeddings.weight");
    if (types != null && types.length == 2) {
      out.check(
          config.typeVocabSize(),
          types[0],
          "type_vocab_size",
          config.typeVocabSize() == 1 ? "1 token type" : config.typeVocabSize() + " token types");
    }
    long[] intermediate = shapes.get("encoder.layer.0.intermediate.dense.weight");
    if (intermediate != null && intermediate.length == 2) {
      out.check(
          config.intermediateSize(),
          intermediate[0],
          "intermediate_size",
          "a feed-forward size of " + config.intermediateSize());
    }
    return out.sentences;
  }

  /**
   * Counts the layers of a weights file.
   *
   * @param shapes tensors by block parameter name
   * @return one more than the highest {@code encoder.layer.N.} index, 0 when there is none
   */
  public static int layerCount(Map<String, long[]> shapes) {
    int layers = 0;
    for (String name : shapes.keySet()) {
      Matcher m = LAYER.matcher(name);
      if (m.find()) {
        layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
      }
    }
    return layers;
  }

  /** Collects the sentences. */
  private static final class Sentences {
    private final String configName;
    private final String weightsName;
    private final Set<String> defaulted;
    private final List<String> sentences = new ArrayList<>();

    Sentences(String configName, String weightsName, Set<String> defaulted) {
      this.configName = configName;
      this.weightsName = weightsName;
      this.defaulted = defaulted;
    }

    void check(long said, long has, String field, String saying) {
      if (said == has) {
        return;
      }
      String note = defaulted.contains(field) ? ", absent: Hugging Face's default" : "";
      sentences.add(
          configName
              + " says "
              + saying
              + " ("
              + field
              + note
              + "), "
              + weightsName
              + " has "
              + has);
    }
  }
}
