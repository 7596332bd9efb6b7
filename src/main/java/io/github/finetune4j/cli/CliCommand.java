package io.github.finetune4j.cli;

import io.github.finetune4j.pipeline.BadInputException;
import io.github.finetune4j.recipe.Recipe;
import io.github.finetune4j.recipe.RecipeException;
import io.github.finetune4j.recipe.RecipeReader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * Base of every {@code finetune} subcommand: the exit codes, the streams of {@link Main#run}, and
 * how a recipe is read and bad input is reported (one paragraph, control characters escaped).
 */
abstract class CliCommand implements Callable<Integer> {

  /** Exit code: success. */
  static final int OK = 0;

  /** Exit code: the run failed. */
  static final int FAILED = 1;

  /** Exit code: bad usage or bad input. */
  static final int BAD_INPUT = 2;

  /** The top command, which holds the streams; set by picocli. */
  @CommandLine.ParentCommand Main main;

  /** Standard output of this invocation. */
  final PrintStream out() {
    return main.out();
  }

  /** Standard error of this invocation. */
  final PrintStream err() {
    return main.err();
  }

  /**
   * What an empty recipe argument is told: an empty path is the working directory, which the reader
   * would call "a directory".
   */
  static final String NO_RECIPE =
      "no recipe file given: the RECIPE argument is empty (an unset shell variable?); give the"
          + " path of a recipe file (YAML or JSON)";

  /** Reads {@code file} with {@code overrides} applied; an empty {@code file} is no recipe. */
  static Recipe readRecipe(Path file, List<String> overrides) throws RecipeException {
    if (file.toString().isEmpty()) {
      throw new RecipeException(List.of(NO_RECIPE));
    }
    return RecipeReader.read(file, overrides);
  }

  /** Reports every problem of a recipe that does not read; returns {@link #BAD_INPUT}. */
  final int badRecipe(Path file, RecipeException e) {
    if (file.toString().isEmpty()) {
      err().println("finetune: " + NO_RECIPE);
      return BAD_INPUT;
    }
    List<String> ps = e.problems();
    err()
        .printf(
            Locale.ROOT,
            "finetune: recipe %s is not usable (%d problem%s):%n",
            Escapes.escape(file.toString()),
            ps.size(),
            ps.size() == 1 ? "" : "s");
    ps.forEach(p -> err().println("  - " + Escapes.escape(p)));
    return BAD_INPUT;
  }

  /** Reports the problems of bad input under the heading {@code what}; returns BAD_INPUT. */
  final int badInput(String what, BadInputException e) {
    err().println("finetune: " + Escapes.escape(what) + ":");
    e.problems().forEach(p -> err().println("  - " + Escapes.escape(p)));
    err().println("Nothing was written.");
    return BAD_INPUT;
  }

  /**
   * Reports an exception or error that escaped a command (the run failed); returns {@link #FAILED}.
   *
   * @param ex the exception, or an {@link Error} such as {@link OutOfMemoryError}
   * @param err standard error
   * @return {@link #FAILED}
   */
  static int failed(Throwable ex, PrintStream err) {
    err.println("finetune: the run failed: " + Escapes.escape(why(ex)));
    if (System.getenv("FINETUNE_DEBUG") != null) {
      ex.printStackTrace(err);
    } else {
      err.println("(set FINETUNE_DEBUG=1 for the stack trace)");
    }
    return FAILED;
  }

  /** What {@link #failed} says of {@code ex}. */
  private static String why(Throwable ex) {
    if (ex instanceof OutOfMemoryError) {
      return "out of memory"
          + (ex.getMessage() == null ? "" : " (" + ex.getMessage() + ")")
          + "; give Java more with FINETUNE_JAVA_OPTS=-Xmx8g, or a smaller input";
    }
    if (ex instanceof StackOverflowError) {
      return "the stack overflowed (an input nested too deeply?)";
    }
    if (ex instanceof Error) {
      return "an internal error ("
          + ex.getClass().getSimpleName()
          + (ex.getMessage() == null ? "" : ": " + ex.getMessage())
          + ")";
    }
    return String.valueOf(ex.getMessage());
  }
}
