package io.github.finetune4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code java} block of docs/java-api.md compiles against the project (issue #19 item 5,
 * finding 4: the page showed a {@code new TrainSetup(...)} with 22 arguments for a record of 31).
 *
 * <p>A block that starts with {@code package} is a whole source file (the example programs, which
 * other tests also run and compare verbatim). A block that declares a type ({@code record}, {@code
 * class}, ...) becomes a member of a wrapper class. Any other block is a method body; the variables
 * it takes from its surroundings are declared by an HTML comment right above it, invisible on the
 * rendered page: {@code <!-- given: Path policyFile; Task task -->}. Wrapped blocks see the
 * project's packages and DJL's usual ones through {@link #IMPORTS}. A problem is reported with its
 * line in the page.
 */
class JavaApiSnippetsTest {

  private static final Path PAGE = Path.of("docs/java-api.md");

  /** What a wrapped block may use without importing it. */
  static final List<String> IMPORTS =
      List.of(
          "ai.djl.Model",
          "ai.djl.inference.Predictor",
          "ai.djl.modality.Classifications",
          "ai.djl.modality.Input",
          "ai.djl.modality.Output",
          "ai.djl.ndarray.NDArray",
          "ai.djl.ndarray.NDManager",
          "ai.djl.ndarray.types.DataType",
          "ai.djl.ndarray.types.Shape",
          "ai.djl.nn.Block",
          "ai.djl.nn.Parameter",
          "ai.djl.repository.zoo.Criteria",
          "ai.djl.repository.zoo.ZooModel",
          "ai.djl.training.dataset.RandomAccessDataset",
          "com.fasterxml.jackson.databind.node.ObjectNode",
          "io.github.finetune4j.model.*",
          "io.github.finetune4j.monitor.*",
          "io.github.finetune4j.optim.*",
          "io.github.finetune4j.params.*",
          "io.github.finetune4j.pipeline.*",
          "io.github.finetune4j.policy.*",
          "io.github.finetune4j.recipe.*",
          "io.github.finetune4j.train.*",
          "java.nio.file.Path",
          "java.util.*");

  private static final Pattern BLOCK =
      Pattern.compile("(?:<!-- given: ([^\\n]*?) -->\\n)?```java\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern PACKAGE = Pattern.compile("(?m)^package ([\\w.]+);");
  private static final Pattern PUBLIC_TYPE =
      Pattern.compile("(?m)^public (?:final |abstract )*(?:class|record|interface|enum) (\\w+)");
  private static final Pattern TYPE_DECLARATION =
      Pattern.compile("^(?:(?:public|final|abstract|static) )*(?:class|record|interface|enum) ");

  /** One block of the page and the source it is compiled as. */
  private record Snippet(int line, int firstSourceLine, String file, String source) {}

  @TempDir Path tmp;

  @Test
  void everyJavaBlockOfTheJavaApiPageCompiles() throws Exception {
    String page = Files.readString(PAGE);
    List<Snippet> snippets = snippets(page);
    assertTrue(snippets.size() >= 8, "found only " + snippets.size() + " java blocks");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertNotNull(javac, "a JDK is needed (javax.tools)");
    List<File> files = new ArrayList<>();
    for (Snippet s : snippets) {
      Path f = tmp.resolve("src").resolve(s.file());
      Files.createDirectories(f.getParent());
      Files.writeString(f, s.source());
      files.add(f.toFile());
    }
    Files.createDirectories(tmp.resolve("out"));
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager fm =
        javac.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
      List<String> options =
          List.of(
              "-proc:none",
              "-d",
              tmp.resolve("out").toString(),
              "-classpath",
              System.getProperty(
                  "surefire.test.class.path", System.getProperty("java.class.path")));
      javac
          .getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromFiles(files))
          .call();
    }
    List<String> problems = new ArrayList<>();
    for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
      if (d.getKind() != Diagnostic.Kind.ERROR) {
        continue;
      }
      Snippet s =
          snippets.stream()
              .filter(x -> d.getSource() != null && d.getSource().getName().endsWith(x.file()))
              .findFirst()
              .orElse(null);
      String where =
          s == null
              ? String.valueOf(d.getSource())
              : PAGE + ":" + (s.line() + d.getLineNumber() - s.firstSourceLine());
      problems.add(where + ": " + d.getMessage(Locale.ROOT));
    }
    assertEquals(List.of(), problems, "java blocks of " + PAGE + " that do not compile");
  }

  /** Each java block of the page with the source it is compiled as. */
  static List<Snippet> snippets(String page) {
    List<Snippet> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(page);
    while (m.find()) {
      String code = m.group(2);
      // the page line of the block's first code line (1-based)
      int line = lineOf(page, m.start(2));
      String name = "Snippet" + line;
      Matcher pkg = PACKAGE.matcher(code);
      if (pkg.find()) {
        Matcher type = PUBLIC_TYPE.matcher(code);
        assertTrue(type.find(), "page line " + line + ": a source file without a public type");
        String file = pkg.group(1).replace('.', '/') + "/" + type.group(1) + ".java";
        out.add(new Snippet(line, 1, "whole/" + file, code));
        continue;
      }
      StringBuilder src = new StringBuilder("package snippets;\n");
      IMPORTS.forEach(i -> src.append("import ").append(i).append(";\n"));
      src.append("@SuppressWarnings(\"all\")\nclass ").append(name).append(" {\n");
      String given = m.group(1) == null ? "" : m.group(1).strip().replace(';', ',');
      boolean member = TYPE_DECLARATION.matcher(code.stripLeading()).find();
      if (!member) {
        src.append("static void snippet(").append(given).append(") throws Exception {\n");
      }
      int first = (int) src.chars().filter(c -> c == '\n').count() + 1;
      src.append(code);
      src.append(member ? "}\n" : "}\n}\n");
      out.add(new Snippet(line, first, "snippets/" + name + ".java", src.toString()));
    }
    return out;
  }

  private static int lineOf(String text, int offset) {
    int line = 1;
    for (int i = 0; i < offset; i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }
}
