package io.github.finetune4j.pipeline;

import io.github.finetune4j.recipe.CsvSplit;
import io.github.finetune4j.recipe.ImageFolderSplit;
import io.github.finetune4j.recipe.IrSplitSpec;
import io.github.finetune4j.recipe.PairsSplit;
import io.github.finetune4j.recipe.ScoredPairsSplit;
import io.github.finetune4j.recipe.SourceSpec;
import io.github.finetune4j.recipe.TextJsonlSplit;

/**
 * What a model reads, and so which data splits can feed it: a model source says which kind its
 * block takes ({@link ModelSource#inputKind()}), each kind of split which kind it gives ({@link
 * #of}), and the two must be the same.
 */
enum InputKind {
  /** Token ids of texts (text encoders), from {@code text-jsonl} splits. */
  TOKEN_IDS(
      "token ids of texts", "text-jsonl (or, for an embedding task, pairs, scored-pairs and ir)"),
  /** Fixed-length float feature vectors, from {@code csv} rows or {@code image-folder} images. */
  FEATURES("feature vectors", "csv or image-folder");

  private final String what;
  private final String splits;

  InputKind(String what, String splits) {
    this.what = what;
    this.splits = splits;
  }

  /**
   * In words, e.g. {@code feature vectors}.
   *
   * @return the description
   */
  String what() {
    return what;
  }

  /**
   * The kind of split that gives these inputs, e.g. {@code csv}.
   *
   * @return the split's {@code type}
   */
  String splits() {
    return splits;
  }

  /**
   * What a split gives.
   *
   * @param split a data split
   * @return its input kind
   */
  static InputKind of(SourceSpec split) {
    if (split instanceof TextJsonlSplit
        || split instanceof PairsSplit
        || split instanceof ScoredPairsSplit
        || split instanceof IrSplitSpec) {
      return TOKEN_IDS;
    }
    if (split instanceof CsvSplit || split instanceof ImageFolderSplit) {
      return FEATURES;
    }
    throw new IllegalArgumentException("no input kind for split type " + split.kind());
  }
}
