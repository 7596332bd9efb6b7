package io.github.finetune4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the package arrows of ARCHITECTURE.md ("Packages") true, by reading the imports (and
 * fully-qualified references) of every file under src/main/java.
 */
class ArchitectureTest {

  private static final Path ROOT = Path.of("src/main/java/io/github/finetune4j");
  private static final String BASE = "io.github.finetune4j.";
  private static final Pattern IMPORT =
      Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)(?:\\.\\*)?\\s*;", Pattern.MULTILINE);
  private static final Pattern QUALIFIED =
      Pattern.compile("(?<![\\w.])((?:ai\\.djl|io\\.github\\.finetune4j)(?:\\.\\w+)+)");

  /** A dependency of a source file: its package (first segment under the base) and the target. */
  record Dep(Path file, String pkg, String target) {
    String targetPkg() {
      return target.startsWith(BASE) ? target.substring(BASE.length()).split("\\.")[0] : null;
    }

    @Override
    public String toString() {
      return file + " -> " + target;
    }
  }

  private static List<Dep> deps;

  @BeforeAll
  static void readSources() throws IOException {
    deps = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(ROOT)) {
      for (Path f : walk.filter(p -> p.toString().endsWith(".java")).toList()) {
        deps.addAll(dependencies(f, Files.readString(f)));
      }
    }
  }

  static List<Dep> dependencies(Path file, String source) {
    Path rel = ROOT.relativize(file);
    String pkg = rel.getNameCount() > 1 ? rel.getName(0).toString() : "";
    List<Dep> out = new ArrayList<>();
    Matcher m = IMPORT.matcher(source);
    while (m.find()) {
      out.add(new Dep(file, pkg, m.group(1)));
    }
    // Fully-qualified names in code (e.g. ai.djl.MalformedModelException) count too; comments and
    // the package/import lines do not.
    String code =
        source
            .replaceAll("(?s)/\\*.*?\\*/", "")
            .replaceAll("//[^\\n]*", "")
            .replaceAll("(?m)^(package|import)\\s[^;]*;", "");
    Matcher q = QUALIFIED.matcher(code);
    while (q.find()) {
      out.add(new Dep(file, pkg, q.group(1)));
    }
    return out;
  }

  @Test
  void sourcesWereFound() {
    assertTrue(deps.size() > 100, "read " + deps.size() + " imports");
    assertTrue(deps.stream().anyMatch(d -> d.pkg().equals("recipe")));
    assertTrue(deps.stream().anyMatch(d -> d.pkg().equals("policy")));
  }

  @Test
  void nothingDependsOnCli() {
    assertNone(violations(d -> !d.pkg().equals("cli") && "cli".equals(d.targetPkg())));
  }

  @Test
  void policyUsesOnlyTheJdk() {
    assertNone(violations(d -> d.pkg().equals("policy") && !jdk(d) && !same(d)));
  }

  @Test
  void recipeUsesOnlyTheJdkJacksonAndSnakeYaml() {
    assertNone(
        violations(
            d ->
                d.pkg().equals("recipe")
                    && !jdk(d)
                    && !same(d)
                    && !d.target().startsWith("com.fasterxml.")
                    // the one problem-list exception base (RecipeException)
                    && !"problem".equals(d.targetPkg())
                    // Jackson's own YAML parser, read event by event to see lines, duplicate
                    // keys, aliases and tags (RecipeSyntax)
                    && !d.target().startsWith("org.yaml.snakeyaml.")));
  }

  @Test
  void monitorDoesNotUseDjl() {
    assertNone(violations(d -> d.pkg().equals("monitor") && d.target().startsWith("ai.djl.")));
  }

  @Test
  void onlyPipelineAndCliReadRecipes() {
    Set<String> allowed = Set.of("recipe", "pipeline", "cli");
    assertNone(violations(d -> "recipe".equals(d.targetPkg()) && !allowed.contains(d.pkg())));
  }

  /**
   * Inside {@code pipeline}, the facade ({@code FineTune}, the Java door {@code FineTuning}) uses
   * the assembler, families, runner and predictors below it, and nothing below uses the facade: no
   * code outside the two files names either class (comments may).
   */
  @Test
  void insideThePipelineNothingRunsBackUpToTheFacade() throws IOException {
    Pattern facade = Pattern.compile("\\bFineTun(e|ing)\\b");
    List<String> up = new ArrayList<>();
    try (Stream<Path> walk = Files.list(ROOT.resolve("pipeline"))) {
      for (Path f : walk.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
        String name = f.getFileName().toString();
        if (name.equals("FineTune.java") || name.equals("FineTuning.java")) {
          continue;
        }
        String code =
            Files.readString(f)
                .replaceAll("(?s)/\\*.*?\\*/", "")
                .replaceAll("//[^\\n]*", "")
                // possessive: a long string literal must not overflow the regex engine's stack
                .replaceAll("\"(?:[^\"\\\\\n]++|\\\\.)*+\"", "\"\"");
        Matcher m = facade.matcher(code);
        if (m.find()) {
          up.add(name + " -> " + m.group());
        }
      }
    }
    assertTrue(up.isEmpty(), "pipeline files that use the facade: " + up);
  }

  /**
   * Which of the project's packages each package may use (besides itself, the JDK and libraries).
   */
  private static final Map<String, Set<String>> MAY_USE =
      Map.of(
          "problem", Set.of(), // the problem-list exception base, which every package may use
          "policy", Set.of("problem"),
          "params", Set.of("problem"),
          "data", Set.of("problem"),
          "monitor", Set.of("problem"),
          "model", Set.of("data", "params", "problem"),
          "optim", Set.of("params", "policy", "problem"),
          "train", Set.of("data", "model", "params", "policy", "optim", "monitor", "problem"),
          "pipeline",
              Set.of(
                  "data", "model", "params", "policy", "optim", "monitor", "train", "recipe",
                  "problem"),
          "recipe", Set.of("problem"));

  @Test
  void everyPackageUsesOnlyThePackagesBelowIt() {
    assertNone(
        violations(
            d ->
                d.targetPkg() != null
                    && !same(d)
                    && MAY_USE.containsKey(d.pkg())
                    && !MAY_USE.get(d.pkg()).contains(d.targetPkg())));
  }

  @Test
  void everyPackageHasItsArrows() throws IOException {
    try (Stream<Path> dirs = Files.list(ROOT)) {
      List<String> packages =
          dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
      for (String p : packages) {
        assertTrue(
            p.equals("cli") || MAY_USE.containsKey(p),
            "package " + p + " has no entry in MAY_USE: say what it may use");
      }
    }
  }

  @Test
  void theCheckerSeesViolations() {
    Path f = ROOT.resolve("policy/Bad.java");
    List<Dep> bad =
        dependencies(
            f,
            "package io.github.finetune4j.policy;\n"
                + "import java.util.List;\n"
                + "import static io.github.finetune4j.cli.Main.OK;\n"
                + "// ai.djl.ndarray.NDArray in a comment is fine\n"
                + "class Bad { ai.djl.ndarray.NDArray a; }\n");
    assertEquals(
        List.of("java.util.List", "io.github.finetune4j.cli.Main.OK", "ai.djl.ndarray.NDArray"),
        bad.stream().map(Dep::target).toList());
    assertEquals("policy", bad.get(0).pkg());
    assertEquals("cli", bad.get(1).targetPkg());
  }

  private static boolean jdk(Dep d) {
    return d.target().startsWith("java.");
  }

  private static boolean same(Dep d) {
    return d.pkg().equals(d.targetPkg());
  }

  private static List<Dep> violations(Predicate<Dep> rule) {
    return deps.stream().filter(rule).toList();
  }

  private static void assertNone(List<Dep> violations) {
    assertTrue(violations.isEmpty(), () -> "package arrows broken:\n" + violations);
  }
}
