package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.finetune4j.recipe.RecipeReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lr-find --apply X} writes through a temporary file of its own (a unique name next to X),
 * so a user's {@code X.tmp} (a file or a folder) is left as it is, and a folder it cannot write in
 * is exit 2 before the sweep.
 */
class LrFindApplyTest {
  private static final String RECIPE = "recipes/tabular/breast-cancer-mlp.yaml";

  @TempDir Path tmp;

  private CliResult lrFind(Path apply) {
    return CliResult.run(
        "lr-find",
        RECIPE,
        "--steps",
        "30",
        "--out",
        tmp.resolve("lrf").toString(),
        "--apply",
        apply.toString());
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aUsersTmpFileIsLeftAsItIs() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("recipes"));
    Path apply = dir.resolve("tuned.yaml");
    Path mine = dir.resolve("tuned.yaml.tmp");
    Files.writeString(mine, "my own notes\n");
    CliResult r = lrFind(apply);
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("Wrote " + apply), r::toString);
    assertEquals("my own notes\n", Files.readString(mine));
    assertEquals(List.of("tuned.yaml", "tuned.yaml.tmp"), names(dir));
    assertTrue(RecipeReader.read(apply, List.of()).optimizer().lr() > 0);
  }

  @Test
  void aUsersTmpFolderDoesNotFailTheWrite() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("recipes"));
    Path apply = dir.resolve("tuned.yaml");
    Files.createDirectory(dir.resolve("tuned.yaml.tmp"));
    CliResult r = lrFind(apply);
    assertEquals(0, r.code(), r::toString);
    assertTrue(Files.isRegularFile(apply), r::toString);
    assertEquals(List.of("tuned.yaml", "tuned.yaml.tmp"), names(dir));
  }

  @Test
  void aFolderThatCannotBeWrittenIsRefusedBeforeTheSweep() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("readonly"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
    if (canCreateIn(dir)) { // root writes anywhere; sysfs refuses even root
      dir = Path.of("/sys");
    }
    assumeTrue(Files.isDirectory(dir) && !canCreateIn(dir), "no folder here refuses writes");
    Path apply = dir.resolve("tuned.yaml");
    CliResult r = lrFind(apply);
    assertEquals(2, r.code(), r::toString);
    assertEquals(
        "finetune: cannot run lr-find on "
            + RECIPE
            + ":\n  - --apply: cannot write in the folder of "
            + apply
            + " (permission denied)\nNothing was written.\n",
        r.err(),
        r::toString);
    assertEquals("", r.out(), r::toString);
    assertFalse(Files.exists(tmp.resolve("lrf")), "the sweep ran");
  }

  @Test
  void aFolderAtTheTargetIsRefusedBeforeTheSweep() throws Exception {
    Path apply = Files.createDirectory(tmp.resolve("tuned.yaml"));
    CliResult r = lrFind(apply);
    assertEquals(2, r.code(), r::toString);
    assertEquals(
        "finetune: cannot run lr-find on "
            + RECIPE
            + ":\n  - --apply: "
            + apply
            + " is a folder; name a new file (it is never replaced)\nNothing was written.\n",
        r.err(),
        r::toString);
    assertFalse(Files.exists(tmp.resolve("lrf")), "the sweep ran");
  }

  private static boolean canCreateIn(Path dir) {
    try {
      Files.delete(Files.createTempFile(dir, "probe", ".tmp"));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
