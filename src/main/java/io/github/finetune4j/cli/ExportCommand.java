package io.github.finetune4j.cli;

import io.github.finetune4j.pipeline.BadInputException;
import io.github.finetune4j.pipeline.FineTune;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code finetune export}: write standard formats from a finished run. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    version = Main.VERSION,
    description = {
      "Write standard formats from a finished run's export: onnx (ONNX graphs, tokenizer and"
          + " config for ONNX Runtime, langchain4j, Spring AI and DJL's stock translators), hf (a"
          + " Hugging Face directory with a model card), djl (libs/: the toolkit's jar and the"
          + " Jackson jars, so plain DJL and DJL Serving load model/ with no other dependency).",
      "Without --out they go into the run's model/ directory, whose manifest then lists them."
    })
final class ExportCommand extends CliCommand {
  @Parameters(
      index = "0",
      paramLabel = "RUN_DIR",
      description = "A run directory written by `finetune run` (or its model/ directory).")
  Path runDir;

  @Option(
      names = "--format",
      split = ",",
      paramLabel = "FORMAT",
      description = "onnx, hf, djl (comma-separated; default: every format that applies).")
  List<String> formats;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Write into this new (or empty) directory instead of the run's model/.")
  Path out;

  @Override
  public Integer call() throws Exception {
    try {
      List<Path> written = FineTune.export(runDir, formats, out, out());
      out().println("Exported " + written.size() + " format(s).");
      return OK;
    } catch (BadInputException e) {
      return badInput("cannot export", e);
    }
  }
}
