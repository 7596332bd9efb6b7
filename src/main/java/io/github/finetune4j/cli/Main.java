package io.github.finetune4j.cli;

import io.github.finetune4j.pipeline.ActiveRun;
import io.github.finetune4j.pipeline.FineTune;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code finetune} command line. Exit codes: 0 ok, 1 the run failed, 2 bad usage or bad input
 * (recipe, data, paths) — reported as one clear paragraph, never a stack trace. Each subcommand is
 * a class of its own ({@code RunCommand}, {@code PredictCommand}, ...) over {@link CliCommand}.
 */
@Command(
    name = "finetune",
    mixinStandardHelpOptions = true,
    version = Main.VERSION,
    description = "Fine-tune pre-trained networks by recipe.",
    subcommands = {
      RunCommand.class,
      LrFindCommand.class,
      SweepCommand.class,
      ValidateCommand.class,
      PlanCommand.class,
      SchemaCommand.class,
      PredictCommand.class,
      ReportCommand.class,
      ExportCommand.class,
      EmbedCommand.class,
      CheckpointCommand.class
    })
public final class Main implements Callable<Integer> {

  /** What {@code --version} prints. */
  static final String VERSION = FineTune.VERSION;

  /** Exit code: success. */
  public static final int OK = CliCommand.OK;

  /** Exit code: the run failed. */
  public static final int FAILED = CliCommand.FAILED;

  /** Exit code: bad usage or bad input. */
  public static final int BAD_INPUT = CliCommand.BAD_INPUT;

  private final PrintStream out;
  private final PrintStream err;

  private Main(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** The command line as a shell would take it again (arguments quoted where needed). */
  static String commandLine(String[] args) {
    StringBuilder b = new StringBuilder("./finetune");
    for (String a : args) {
      if (a.equals("--resume")) {
        continue;
      }
      b.append(' ')
          .append(a.matches("[A-Za-z0-9_./:=,+@%-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return b.toString();
  }

  /**
   * Entry point of the launcher.
   *
   * @param args command-line arguments
   */
  public static void main(String[] args) {
    // one stream each, escaped (SafeStream), that every part of the program prints to
    System.setOut(SafeStream.of(System.out));
    System.setErr(SafeStream.of(System.err));
    Interrupts.install(System.err);
    ActiveRun.command(commandLine(args));
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs the command line in-process (for tests and embedding). Whatever it prints as text has its
   * control characters escaped but line feeds and tabs ({@link SafeStream}); bytes written as bytes
   * (binary output) pass as they are.
   *
   * @param args arguments
   * @param out standard output
   * @param err standard error
   * @return the exit code
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    PrintStream safeOut = SafeStream.of(out);
    PrintStream safeErr = SafeStream.of(err);
    CommandLine cl = new CommandLine(new Main(safeOut, safeErr));
    cl.setOut(new PrintWriter(SafeStream.writer(safeOut), true));
    cl.setErr(new PrintWriter(SafeStream.writer(safeErr), true));
    return execute(cl, args, safeErr);
  }

  /**
   * Executes {@code cl} (for tests: any command): an exception that escapes a command, and an
   * {@link Error} such as {@link OutOfMemoryError} or {@link StackOverflowError} (which picocli
   * lets through), is reported as one paragraph with exit 1.
   */
  static int execute(CommandLine cl, String[] args, PrintStream err) {
    cl.setExecutionExceptionHandler((ex, line, parse) -> CliCommand.failed(ex, err));
    try {
      return cl.execute(args);
    } catch (Error e) {
      return CliCommand.failed(e, err);
    }
  }

  /** Standard output of this invocation. */
  PrintStream out() {
    return out;
  }

  /** Standard error of this invocation. */
  PrintStream err() {
    return err;
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(out);
    return BAD_INPUT;
  }
}
