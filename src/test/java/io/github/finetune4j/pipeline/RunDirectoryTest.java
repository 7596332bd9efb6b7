package io.github.finetune4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a run directory is created, locked, completed, replaced and failed — on real directories. */
class RunDirectoryTest {

  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  @TempDir Path tmp;

  @Test
  void aCompletedRunIsMovedInWithItsMarkerAndWithoutItsLock() throws Exception {
    Path dir = tmp.resolve("runs/a");
    try (RunDirectory run = RunDirectory.open(dir, QUIET)) {
      assertEquals(RunDirectory.partialOf(dir.toAbsolutePath()), run.partial());
      assertTrue(RunDirectory.isRun(run.partial()), "the marker is written at creation");
      Files.writeString(run.partial().resolve("summary.json"), "{}");
      assertEquals(dir.toAbsolutePath(), run.complete());
    }
    assertEquals(List.of(".finetune4j-run", "summary.json"), names(dir));
    assertEquals(List.of("a"), names(tmp.resolve("runs")), "no partial, lock or old copy left");
  }

  @Test
  void aPreviousRunIsReplacedWholeAndNothingElseIsLeftBeside() throws Exception {
    Path dir = tmp.resolve("a");
    try (RunDirectory run = RunDirectory.open(dir, QUIET)) {
      Files.writeString(run.partial().resolve("old.txt"), "old");
      run.complete();
    }
    assertTrue(RunDirectory.check(dir, false, List.of()).get(0).contains("already exists"));
    assertEquals(List.of(), RunDirectory.check(dir, true, List.of()));
    try (RunDirectory run = RunDirectory.open(dir, QUIET)) {
      assertTrue(
          Files.exists(dir.resolve("old.txt")), "the previous run stays until the new one is in");
      Files.writeString(run.partial().resolve("new.txt"), "new");
      run.complete();
    }
    assertEquals(List.of(".finetune4j-run", "new.txt"), names(dir));
    assertEquals(List.of("a"), names(tmp));
  }

  @Test
  void aFailedRunGoesToDotFailedAndNeverOverADirectoryOfTheUsers() throws Exception {
    Path dir = tmp.resolve("b");
    try (RunDirectory run = RunDirectory.open(dir, QUIET)) {
      Files.writeString(run.partial().resolve("metrics.jsonl"), "{}\n");
      assertEquals(RunDirectory.failedOf(dir.toAbsolutePath()), run.fail());
    }
    assertTrue(RunDirectory.isRun(tmp.resolve("b.failed")));
    assertFalse(Files.exists(dir));

    Files.writeString(tmp.resolve("b.failed/.finetune4j-run"), "x"); // still a run: replaced
    Path users = Files.createDirectories(tmp.resolve("c.failed"));
    Files.writeString(users.resolve("mine.txt"), "mine");
    try (RunDirectory run = RunDirectory.open(tmp.resolve("c"), QUIET)) {
      assertEquals(run.partial(), run.fail(), "the failed run stays in .partial");
    }
    assertEquals("mine", Files.readString(users.resolve("mine.txt")));
    assertEquals(List.of("mine.txt"), names(users));
  }

  @Test
  void aSecondOpenInTheSameProcessIsRefusedWhileTheFirstHoldsTheLock() throws Exception {
    Path dir = tmp.resolve("d");
    try (RunDirectory first = RunDirectory.open(dir, QUIET)) {
      BadInputException e =
          assertThrows(BadInputException.class, () -> RunDirectory.open(dir, QUIET));
      assertTrue(
          e.problems()
              .get(0)
              .contains(
                  "another run is writing "
                      + first.partial()
                      + " (pid "
                      + ProcessHandle.current().pid()),
          e.problems().get(0));
    }
  }

  @Test
  void aPartialDirectoryWithoutTheMarkerIsNeverCleared() throws Exception {
    Path partial = Files.createDirectories(tmp.resolve("e.partial"));
    Files.writeString(partial.resolve("mine.txt"), "mine");
    assertTrue(
        RunDirectory.check(tmp.resolve("e"), true, List.of())
            .get(0)
            .contains("was not made by a Finetune4J run"));
    assertThrows(BadInputException.class, () -> RunDirectory.open(tmp.resolve("e"), QUIET));
    assertEquals(List.of("mine.txt"), names(partial));
  }

  @Test
  void anEmptyDirectoryIsTakenEvenWithoutOverwrite() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("empty"));
    assertEquals(List.of(), RunDirectory.check(dir, false, List.of()));
    try (RunDirectory run = RunDirectory.open(dir, QUIET)) {
      run.complete();
    }
    assertTrue(RunDirectory.isRun(dir));
  }

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
