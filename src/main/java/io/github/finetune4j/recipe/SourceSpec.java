package io.github.finetune4j.recipe;

/**
 * One dataset split.
 *
 * @param type the source kind
 * @param path file path, relative to the working directory
 * @param text name of the text field
 * @param label name of the label field
 * @param limit keep only the first N examples (after the file order)
 */
@Doc("One dataset split.")
public record SourceSpec(
    @OneOf({"text-jsonl"})
        @Doc("Source kind. `text-jsonl`: one JSON object per line, optionally gzip-compressed (.gz).")
        String type,
    @Required @Doc("Path of the file, relative to the working directory.") String path,
    @Doc("Name of the text field (default `text`).") String text,
    @Doc("Name of the label field (default `label`).") String label,
    @Doc("Use only the first N examples of the file.") Integer limit) {

  /** Applies defaults. */
  public SourceSpec {
    type = type == null ? "text-jsonl" : type;
    text = text == null ? "text" : text;
    label = label == null ? "label" : label;
  }
}
