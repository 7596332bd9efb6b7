package io.github.finetune4j.cli;

import io.github.finetune4j.pipeline.BadInputException;
import io.github.finetune4j.pipeline.FineTune;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code finetune checkpoint}: write the bundled model as a Hugging Face checkpoint. */
@Command(
    name = "checkpoint",
    mixinStandardHelpOptions = true,
    version = Main.VERSION,
    description =
        "Write the bundled all-MiniLM-L6-v2 as a Hugging Face checkpoint directory (config.json,"
            + " model.safetensors, tokenizer.json) for model.type: safetensors.")
final class CheckpointCommand extends CliCommand {
  @Option(
      names = "--bundled",
      defaultValue = "all-minilm-l6-v2",
      description = "The bundled model (default: ${DEFAULT-VALUE}).")
  String bundled;

  @Parameters(index = "0", paramLabel = "DIR", description = "A new directory.")
  Path dir;

  @Override
  public Integer call() throws Exception {
    try {
      FineTune.writeCheckpoint(bundled, dir);
      out()
          .println(
              "Wrote "
                  + Escapes.escape(dir.toString())
                  + " (config.json,"
                  + " model.safetensors, tokenizer.json)");
      return OK;
    } catch (BadInputException e) {
      return badInput("cannot write the checkpoint", e);
    } catch (IOException e) {
      err().println("finetune: " + Escapes.escape(String.valueOf(e.getMessage())));
      return FAILED;
    }
  }
}
