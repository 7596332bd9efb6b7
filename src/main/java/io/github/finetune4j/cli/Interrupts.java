package io.github.finetune4j.cli;

import io.github.finetune4j.pipeline.ActiveRun;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * SIGTERM and SIGINT (Ctrl-C): one line that says where the run was stopped and what it left, then
 * exit 143 / 130 as a shell expects. Installed by {@link Main#main} only (never in-process).
 */
final class Interrupts {

  private Interrupts() {}

  static void install(PrintStream err) {
    handle("TERM", 143, err);
    handle("INT", 130, err);
  }

  @SuppressWarnings("restriction")
  private static void handle(String name, int code, PrintStream err) {
    try {
      sun.misc.Signal.handle(
          new sun.misc.Signal(name),
          sig -> {
            long at = ActiveRun.stopWithCheckpoint(20);
            err.println(at >= 0 ? checkpointed(name, at) : message(name));
            err.flush();
            Runtime.getRuntime().halt(code);
          });
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      // the signal is reserved on this platform: the JVM's default handling applies
    }
  }

  /** The lines printed when the run wrote a checkpoint before it stopped. */
  static String checkpointed(String signal, long step) {
    String partial =
        ActiveRun.current().map(s -> Escapes.escape(s.partial().toString())).orElse("DIR.partial");
    return String.format(
        Locale.ROOT,
        "finetune: interrupted (SIG%s); a checkpoint after step %d is in %s%n"
            + "continue the run with: %s",
        signal,
        step,
        partial,
        ActiveRun.resumeCommand()
            .map(Escapes::escape)
            .orElse("finetune run <the same recipe and overrides> --resume"));
  }

  /** The line printed on a signal. */
  static String message(String signal) {
    Optional<ActiveRun.SweepState> sweep = ActiveRun.sweep();
    if (sweep.isPresent() && ActiveRun.current().isEmpty()) {
      return sweepMessage(signal, sweep.get());
    }
    return ActiveRun.current()
        .map(
            s ->
                String.format(
                    Locale.ROOT,
                    "finetune: interrupted (SIG%s) %s; the partial run is left in %s (it is removed by"
                        + " the next run with the same output.dir)",
                    signal,
                    s.step() == 0 ? "before the first step" : "at step " + s.step(),
                    Escapes.escape(s.partial().toString())))
        .orElse("finetune: interrupted (SIG" + signal + "); no run was writing, nothing was left");
  }

  /**
   * The line printed when a sweep's process is stopped: its trials run in child processes, which
   * stop on their own once they see the sweep gone ({@code SweepTrial}), leaving their partial run
   * directories for the next run of the sweep.
   */
  static String sweepMessage(String signal, ActiveRun.SweepState s) {
    String head =
        String.format(
            Locale.ROOT,
            "finetune: interrupted (SIG%s); the sweep in %s stops",
            signal,
            Escapes.escape(s.out().toString()));
    String kept =
        String.format(
            Locale.ROOT,
            "%d of %d trial%s complete and kept; run the same command again to continue the"
                + " sweep",
            s.complete(),
            s.total(),
            s.total() == 1 ? " is" : "s are");
    if (s.running().isEmpty()) {
      return head + " between trials (none was running); " + kept;
    }
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, Path> e : s.running().entrySet()) {
      names.add(e.getKey() + " (" + Escapes.escape(e.getValue().toString()) + ")");
    }
    boolean one = names.size() == 1;
    return head
        + String.format(
            Locale.ROOT,
            ": trial%s %s %s running; %s within a second, once %s the sweep gone, leaving %s"
                + " partial run%s, which the next run of the sweep starts again; ",
            one ? "" : "s",
            String.join(", ", names),
            one ? "was" : "were",
            one ? "it stops" : "they stop",
            one ? "it sees" : "they see",
            one ? "its" : "their",
            one ? "" : "s")
        + kept;
  }
}
