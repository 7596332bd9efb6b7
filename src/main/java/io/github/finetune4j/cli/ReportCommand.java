package io.github.finetune4j.cli;

import io.github.finetune4j.monitor.HtmlReport;
import io.github.finetune4j.monitor.ReportException;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code finetune report}: write report.html for a run directory. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    version = Main.VERSION,
    description = "Write report.html (charts of every group's updates) for a run directory.")
final class ReportCommand extends CliCommand {
  @Parameters(
      index = "0",
      paramLabel = "RUN_DIR",
      description = "A run directory (or a .partial one).")
  Path runDir;

  @Override
  public Integer call() throws Exception {
    try {
      Path report = HtmlReport.write(runDir);
      out().println("Wrote " + Escapes.escape(report.toString()));
      return OK;
    } catch (ReportException e) {
      err().println("finetune: cannot write a report: " + Escapes.escape(e.getMessage()));
      return BAD_INPUT;
    } catch (IOException e) {
      err()
          .println(
              "finetune: cannot write a report for "
                  + Escapes.escape(runDir.toString())
                  + ": "
                  + Escapes.escape(String.valueOf(e.getMessage())));
      return FAILED;
    }
  }
}
