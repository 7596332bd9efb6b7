package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --grid KEY=V1,V2}: the values are YAML, as an override's value is, and they are separated
 * by the commas outside a list ({@code [a, b]}), a mapping ({@code {k: v}}) or a quoted string
 * ({@code "a, b"}). A list value is one value, not split at its own commas; a value that opens a
 * bracket or a quote it does not close is refused naming the key and the value, before anything is
 * listed or written. The trials are seen through {@code --list}, which runs nothing.
 */
class SweepGridValuesTest {

  private static final String RECIPE = "recipes/tabular/breast-cancer-mlp.yaml";

  @TempDir Path tmp;

  private CliResult list(String grid) {
    return CliResult.run(
        "sweep", RECIPE, "--grid", grid, "--list", "--out", tmp.resolve("s").toString());
  }

  @Test
  void listValuesAreNotSplitAtTheirOwnCommas() {
    CliResult r = list("monitor.sinks=[jsonl],[jsonl, csv]");
    assertEquals(0, r.code(), r::toString);
    assertEquals(
        List.of(
            "000 " + RECIPE + " {monitor.sinks=[jsonl]} seed=42",
            "001 " + RECIPE + " {monitor.sinks=[jsonl, csv]} seed=42",
            "2 trials"),
        r.out().lines().toList(),
        r::toString);
    assertFalse(Files.exists(tmp.resolve("s")));
  }

  @Test
  void mappingsAndNestedListsAreOneValueEach() {
    CliResult r = list("head.classes=[malignant,benign] , [benign,malignant]");
    assertEquals(0, r.code(), r::toString);
    assertEquals(
        List.of(
            "000 " + RECIPE + " {head.classes=[malignant,benign]} seed=42",
            "001 " + RECIPE + " {head.classes=[benign,malignant]} seed=42",
            "2 trials"),
        r.out().lines().toList(),
        r::toString);
  }

  @Test
  void aQuotedValueKeepsItsCommas() {
    // three trials before: "\"x", " y\"" and "z"
    CliResult r = list("description=\"x, y\",'it''s, fine',z");
    assertEquals(0, r.code(), r::toString);
    assertEquals(
        List.of(
            "000 " + RECIPE + " {description=\"x, y\"} seed=42",
            "001 " + RECIPE + " {description='it''s, fine'} seed=42",
            "002 " + RECIPE + " {description=z} seed=42",
            "3 trials"),
        r.out().lines().toList(),
        r::toString);
  }

  @Test
  void anApostropheInsideAPlainValueIsNoQuote() {
    CliResult r = list("description=it's one,and another");
    assertEquals(0, r.code(), r::toString);
    assertEquals(
        List.of(
            "000 " + RECIPE + " {description=it's one} seed=42",
            "001 " + RECIPE + " {description=and another} seed=42",
            "2 trials"),
        r.out().lines().toList(),
        r::toString);
  }

  private void assertRefused(CliResult r, String problem) {
    assertEquals(2, r.code(), r::toString);
    assertEquals(
        "finetune: cannot sweep:\n  - " + problem + "\nNothing was written.\n",
        r.err(),
        r::toString);
    assertEquals("", r.out(), r::toString);
    assertFalse(Files.exists(tmp.resolve("s")));
  }

  @Test
  void anUnclosedBracketIsRefusedNamingTheKeyAndTheValue() {
    assertRefused(
        list("head.classes=[malignant,benign"),
        "--grid: head.classes: the value [malignant,benign opens a [ that is never closed; a"
            + " value that holds commas is written as a YAML list [a, b], mapping {k: v} or"
            + " quoted string \"a, b\", and the values are separated by the commas outside them");
  }

  @Test
  void anUnclosedQuoteIsRefusedNamingTheKeyAndTheValue() {
    assertRefused(
        list("description=\"x, y"),
        "--grid: description: the value \"x, y opens a quote (\") that is never closed; a"
            + " value that holds commas is written as a YAML list [a, b], mapping {k: v} or"
            + " quoted string \"a, b\", and the values are separated by the commas outside them");
  }

  @Test
  void aMismatchedBracketIsRefused() {
    assertRefused(
        list("head.classes=[a, b},[c]"),
        "--grid: head.classes: the value [a, b},[c] closes the [ at column 1 with }; a"
            + " value that holds commas is written as a YAML list [a, b], mapping {k: v} or"
            + " quoted string \"a, b\", and the values are separated by the commas outside them");
  }

  @Test
  void controlCharactersInARefusedValueAreEscaped() {
    assertRefused(
        list("description=[\u202e,x"),
        "--grid: description: the value [\\u202e,x opens a [ that is never closed; a"
            + " value that holds commas is written as a YAML list [a, b], mapping {k: v} or"
            + " quoted string \"a, b\", and the values are separated by the commas outside them");
  }
}
