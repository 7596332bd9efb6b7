package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keys a sweep sets for each trial — {@code train.seed} (from {@code --seeds}), {@code
 * output.dir} (from {@code --out}) and {@code output.overwrite} — are refused in {@code --grid} and
 * {@code --set} (exit 2, naming the key and what to use instead, nothing written), as are whole
 * {@code train} and {@code output} sections. They used to be accepted and silently overridden: a
 * grid over {@code train.seed} gave two "seeds" that both trained with 42. {@code --set
 * train.seed=S} is honoured: it is the first seed.
 */
class SweepOwnedKeysTest {

  private static final String RECIPE = "recipes/tabular/breast-cancer-mlp.yaml";

  @TempDir Path tmp;

  private CliResult sweep(Path out, String... more) {
    List<String> a = new ArrayList<>(List.of("sweep", RECIPE));
    a.addAll(List.of(more));
    a.addAll(List.of("--out", out.toString()));
    return CliResult.run(a.toArray(String[]::new));
  }

  private void assertRefused(String key, String instead, String... args) {
    for (String mode : new String[] {"--list", "--collect", null}) {
      Path out = tmp.resolve("refused");
      List<String> a = new ArrayList<>(List.of(args));
      if (mode != null) {
        a.add(mode);
      }
      CliResult r = sweep(out, a.toArray(String[]::new));
      assertEquals(2, r.code(), r::toString);
      assertTrue(r.err().startsWith("finetune: cannot sweep:\n  - "), r::toString);
      assertTrue(r.err().contains(key), r::toString);
      assertTrue(r.err().contains(instead), r::toString);
      assertFalse(r.err().contains("Exception"), r::toString);
      assertEquals("", r.out(), r::toString);
      assertFalse(Files.exists(out), "nothing was written");
    }
  }

  @Test
  void aGridOverTheSeedIsRefusedNamingSeeds() {
    assertRefused("--grid train.seed", "--seeds N", "--grid", "train.seed=1,2");
    assertRefused("--grid train.seed", "--seeds N", "--grid", " train.seed =1,2");
  }

  @Test
  void aGridOrSetOverTheOutputDirectoryIsRefusedNamingOut() {
    assertRefused("--grid output.dir", "--out DIR", "--grid", "output.dir=runs/a,runs/b");
    assertRefused("--set output.dir", "--out DIR", "--set", "output.dir=runs/a");
  }

  @Test
  void overwriteIsTheSweepsToo() {
    assertRefused("--set output.overwrite", "output.overwrite", "--set", "output.overwrite=false");
    assertRefused("--grid output.overwrite", "output.overwrite", "--grid", "output.overwrite=a,b");
  }

  @Test
  void wholeSectionsThatHoldThemAreRefused() {
    assertRefused("--set output", "output.formats=[]", "--set", "output={dir: x, formats: []}");
    assertRefused(
        "--grid train", "train.threads=2", "--grid", "train={seed: 1},{seed: 2}", "--seeds", "2");
  }

  /** {@code --set train.seed=S} is the first seed: the trials train with S, S + 1, ... */
  @Test
  void setSeedIsTheFirstSeed() throws Exception {
    Path out = tmp.resolve("seeded");
    String[] common = {
      "--seeds",
      "2",
      "--set",
      "train.seed=7",
      "--set",
      "stages.0.epochs=1",
      "--set",
      "monitor.sinks=[jsonl]",
      "--set",
      "output.formats=[]",
      "--set",
      "train.threads=1"
    };
    CliResult list = sweep(out, concat(common, "--list"));
    assertEquals(0, list.code(), list::toString);
    assertTrue(list.out().contains("000 " + RECIPE + " {} seed=7\n"), list::toString);
    assertTrue(list.out().contains("001 " + RECIPE + " {} seed=8\n"), list::toString);
    CliResult one = sweep(out, concat(common, "--trial", "1"));
    assertEquals(0, one.code(), one::toString);
    assertTrue(one.out().contains("\nseed=8\n"), one::toString);
    assertEquals(
        8,
        new ObjectMapper()
            .readTree(out.resolve("trials/001/summary.json").toFile())
            .get("seed")
            .asLong(),
        "the trial trained with seed 7 + 1");
  }

  private static String[] concat(String[] a, String... b) {
    List<String> l = new ArrayList<>(List.of(a));
    l.addAll(List.of(b));
    return l.toArray(String[]::new);
  }
}
