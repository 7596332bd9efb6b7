package io.github.finetune4j.model.bert;

/**
 * How the tensor names of a Hugging Face BERT checkpoint map onto the parameter names of {@link
 * BertEncoderBlock}; the one place that knows it, used by {@link MiniLmImporter} (ONNX) and the
 * safetensors checkpoint reader.
 *
 * <p>The block's names are those of a Hugging Face {@code BertModel} ({@code
 * embeddings.word_embeddings.weight}, {@code encoder.layer.0.attention.self.query.weight}, ...).
 * Checkpoints of the {@code BertFor*} classes keep the same names under the prefix {@value
 * #MODEL_PREFIX}; checkpoints converted from the original TensorFlow BERT name the LayerNorm
 * parameters {@code gamma} and {@code beta} (Hugging Face Transformers renames them on load, and so
 * does {@link #toBlockName}). Besides the encoder, checkpoints may hold tensors the block has no
 * parameter for: the position and token-type id buffers, the pooler and the pre-training heads
 * ({@link #isSkippable}).
 */
public final class HfBertNames {

  /** The prefix of the encoder's tensors in checkpoints of {@code BertForMaskedLM} and the like. */
  public static final String MODEL_PREFIX = "bert.";

  private static final String LEGACY_GAMMA = ".LayerNorm.gamma";
  private static final String LEGACY_BETA = ".LayerNorm.beta";

  private HfBertNames() {}

  /**
   * Maps a checkpoint's tensor name to the block's naming: drops a leading {@value #MODEL_PREFIX}
   * and renames {@code LayerNorm.gamma}/{@code LayerNorm.beta} to {@code LayerNorm.weight}/{@code
   * LayerNorm.bias}. Other names are returned unchanged.
   *
   * @param name the tensor name in the checkpoint, e.g. {@code
   *     bert.encoder.layer.0.output.LayerNorm.gamma}
   * @return the name in the block's naming, e.g. {@code encoder.layer.0.output.LayerNorm.weight}
   */
  public static String toBlockName(String name) {
    String n = name.startsWith(MODEL_PREFIX) ? name.substring(MODEL_PREFIX.length()) : name;
    if (n.endsWith(LEGACY_GAMMA)) {
      return n.substring(0, n.length() - LEGACY_GAMMA.length()) + ".LayerNorm.weight";
    }
    if (n.endsWith(LEGACY_BETA)) {
      return n.substring(0, n.length() - LEGACY_BETA.length()) + ".LayerNorm.bias";
    }
    return n;
  }

  /**
   * Whether a name (in the block's naming) is in the encoder's namespaces, {@code embeddings.} and
   * {@code encoder.}: a tensor there that the block has no parameter for means that the checkpoint
   * does not fit the configuration (more layers, another variant), not that it can be dropped.
   *
   * @param blockName a name as returned by {@link #toBlockName}
   * @return whether it starts with {@code embeddings.} or {@code encoder.}
   */
  public static boolean isEncoderName(String blockName) {
    return blockName.startsWith("embeddings.") || blockName.startsWith("encoder.");
  }

  /**
   * Whether a name (in the block's naming) is a tensor that BERT checkpoints hold but the encoder
   * does not use: the buffers {@code embeddings.position_ids} and {@code
   * embeddings.token_type_ids}, the pooler ({@code pooler.}) and the masked-language-model and
   * next-sentence heads of pre-training ({@code cls.}).
   *
   * @param blockName a name as returned by {@link #toBlockName}
   * @return whether the tensor can be left out of the encoder without changing its output
   */
  public static boolean isSkippable(String blockName) {
    return blockName.equals("embeddings.position_ids")
        || blockName.equals("embeddings.token_type_ids")
        || blockName.startsWith("pooler.")
        || blockName.startsWith("cls.");
  }
}
