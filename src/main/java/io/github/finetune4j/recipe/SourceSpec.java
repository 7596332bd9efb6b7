package io.github.finetune4j.recipe;

/**
 * One dataset split: one of several kinds, chosen by {@code type:} in the recipe ({@link
 * TextJsonlSplit}, the default, {@link CsvSplit} and {@link ImageFolderSplit}).
 */
@Doc(
    "One dataset split; `type` chooses the kind (default `text-jsonl`), the other keys are its fields.")
@Variants(defaultKind = "text-jsonl")
public sealed interface SourceSpec
    permits TextJsonlSplit, CsvSplit, ImageFolderSplit, PairsSplit, ScoredPairsSplit, IrSplitSpec {

  /**
   * The file, relative to the working directory.
   *
   * @return the path
   */
  String path();

  /**
   * How many examples of the file to use, from its start; null for all.
   *
   * @return the limit, or null
   */
  Integer limit();

  /**
   * The {@code type:} name of this kind, e.g. {@code text-jsonl}.
   *
   * @return the kind
   */
  default String kind() {
    return RecipeModel.kindOf(this);
  }
}
