package io.github.finetune4j.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.model.bert.BertOnnx;
import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.model.text.TextTokenizer;
import io.github.finetune4j.params.ParameterNames;
import io.github.finetune4j.recipe.RecipeReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@value #DIR}/ directory of a text model's export: what ONNX Runtime, langchain4j, Spring AI
 * and DJL's OnnxRuntime engine with its stock Hugging Face translators load as it is.
 *
 * <ul>
 *   <li>{@value #CLASSIFIER}: the classifier, output {@code logits};
 *   <li>{@value #ENCODER}: the encoder, outputs {@code last_hidden_state} (first: langchain4j's
 *       {@code OnnxEmbeddingModel} and Spring AI's {@code TransformersEmbeddingModel} pool it
 *       themselves) and {@code sentence_embedding} (the model's pooling, L2-normalized);
 *   <li>{@code tokenizer.json}, the tokenizer the model was trained with;
 *   <li>{@code config.json}: {@code id2label}, {@code label2id} and {@code problem_type}, what
 *       DJL's {@code TextClassificationTranslator} reads;
 *   <li>{@code serving.properties} as DJL's model converter writes it: engine {@code OnnxRuntime},
 *       model {@code model}, the stock {@code TextClassificationTranslatorFactory}, and the
 *       tokenizer's padding and truncation at the model's {@code max_length}.
 * </ul>
 *
 * Both graphs take {@code input_ids}, {@code attention_mask} and {@code token_type_ids} (int64,
 * dynamic batch and sequence). See {@link BertOnnx}.
 */
final class OnnxExport {

  /** The directory inside a model directory. */
  static final String DIR = "onnx";

  /** The classifier graph. */
  static final String CLASSIFIER = "model.onnx";

  /** The encoder graph. */
  static final String ENCODER = "encoder.onnx";

  private static final ObjectMapper JSON = new ObjectMapper();

  private OnnxExport() {}

  /**
   * Writes {@code onnxDir} for the text model exported in {@code modelDir}.
   *
   * @param modelDir the export (its {@value Exporter#MODEL_CONFIG} and tokenizer are read)
   * @param onnxDir the directory to write
   * @param block the trained classifier, its parameters loaded
   * @throws IOException when writing fails
   * @throws BadInputException when the export's metadata is invalid
   */
  static void writeText(Path modelDir, Path onnxDir, Block block)
      throws IOException, BadInputException {
    ModelMetadata meta = ModelMetadata.read(modelDir.resolve(Exporter.MODEL_CONFIG));
    Files.createDirectories(onnxDir);
    Map<String, String> props = new LinkedHashMap<>();
    props.put("finetune4j.task", meta.task());
    props.put("finetune4j.labels", JSON.valueToTree(meta.classes()).toString());
    props.put("finetune4j.pooling", meta.pooling());
    props.put("finetune4j.max_length", Integer.toString(meta.maxLength()));
    if ("multilabel".equals(meta.task())) {
      props.put("finetune4j.thresholds", JSON.valueToTree(thresholds(meta)).toString());
    }
    if (meta.textPair() != null) { // a cross-encoder: feed [CLS] text [SEP] pair [SEP], types 0/1
      props.put("finetune4j.text_field", meta.textField());
      props.put("finetune4j.text_pair", meta.textPair());
    }
    BertOnnx onnx = new BertOnnx(meta.bert(), weights(block), meta.pooling());
    boolean embedding = "embedding".equals(meta.task());
    if (embedding) {
      props.put("finetune4j.normalize", Boolean.toString(meta.normalize()));
    } else {
      onnx.writeClassifier(onnxDir.resolve(CLASSIFIER), props);
    }
    onnx.writeEncoder(onnxDir.resolve(ENCODER), !embedding || meta.normalize(), props);
    Files.copy(
        modelDir.resolve(TextTokenizer.FILE_NAME),
        onnxDir.resolve(TextTokenizer.FILE_NAME),
        StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(onnxDir.resolve("config.json"), RecipeReader.toJson(config(meta)));
    Files.writeString(
        onnxDir.resolve(Exporter.SERVING_PROPERTIES),
        embedding
            ? servingEmbedding(meta)
            : "engine=OnnxRuntime\n"
                + "option.modelName=model\n"
                + "translatorFactory=ai.djl.huggingface.translator.TextClassificationTranslatorFactory\n"
                + "includeTokenTypes=true\n"
                + "padding=true\n"
                + "truncation=true\n"
                + "maxLength="
                + meta.maxLength()
                + "\n");
  }

  /**
   * An embedding model's {@code serving.properties}: DJL's stock {@code
   * TextEmbeddingTranslatorFactory} on {@value #ENCODER}, pooling its first output ({@code
   * last_hidden_state}) the model's way.
   */
  private static String servingEmbedding(ModelMetadata meta) {
    return "engine=OnnxRuntime\n"
        + "option.modelName=encoder\n"
        + "translatorFactory=ai.djl.huggingface.translator.TextEmbeddingTranslatorFactory\n"
        + "includeTokenTypes=true\n"
        + "padding=true\n"
        + "truncation=true\n"
        + "pooling="
        + meta.pooling()
        + "\n"
        + "normalize="
        + meta.normalize()
        + "\n"
        + "maxLength="
        + meta.maxLength()
        + "\n";
  }

  /** The per-label thresholds of a multi-label model (all {@code threshold} when not tuned). */
  private static double[] thresholds(ModelMetadata meta) {
    if (meta.thresholds() != null) {
      return meta.thresholds().clone();
    }
    double[] t = new double[meta.classes().size()];
    java.util.Arrays.fill(t, meta.threshold());
    return t;
  }

  /** The labels and problem type, in Hugging Face's {@code config.json} terms. */
  static ObjectNode config(ModelMetadata meta) {
    ObjectNode c = JSON.createObjectNode();
    c.putArray("architectures").add("BertModel");
    c.put("model_type", "bert");
    ObjectNode id2label = c.putObject("id2label");
    ObjectNode label2id = c.putObject("label2id");
    for (int i = 0; i < meta.classes().size(); i++) {
      id2label.put(Integer.toString(i), meta.classes().get(i));
      label2id.put(meta.classes().get(i), i);
    }
    if (!"embedding".equals(meta.task())) {
      c.put(
          "problem_type",
          "multilabel".equals(meta.task())
              ? "multi_label_classification"
              : "single_label_classification");
    }
    ObjectNode f = c.putObject("finetune4j");
    f.put("task", meta.task());
    f.put("pooling", meta.pooling());
    f.put("max_length", meta.maxLength());
    if (meta.textPair() != null) {
      f.put("text_field", meta.textField());
      f.put("text_pair", meta.textPair());
    }
    if ("multilabel".equals(meta.task())) {
      ArrayNode t = f.putArray("thresholds");
      for (double v : thresholds(meta)) {
        t.add(v);
      }
    }
    return c;
  }

  /**
   * Every parameter of the block under its dotted name, as float32 copies (what the ONNX graphs and
   * the Hugging Face directory are written from).
   *
   * @param block the trained block
   * @return the parameters, in registration order
   * @throws BadInputException when a parameter has no values
   */
  static Map<String, WeightTensor> weights(Block block) throws BadInputException {
    Map<String, WeightTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : ParameterNames.of(block).entrySet()) {
      Parameter p = e.getValue();
      if (!p.isInitialized()) {
        throw new BadInputException(
            List.of("parameter " + e.getKey() + " has no values: load the trained block first"));
      }
      NDArray a = p.getArray();
      float[] values;
      if (a.getDataType() == DataType.FLOAT32) {
        values = a.toFloatArray();
      } else {
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
          values = f.toFloatArray();
        }
      }
      out.put(e.getKey(), WeightTensor.of(values, a.getShape().getShape()));
    }
    return out;
  }
}
