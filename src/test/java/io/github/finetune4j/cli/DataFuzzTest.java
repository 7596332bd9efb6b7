package io.github.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.finetune4j.data.CsvSource;
import io.github.finetune4j.data.DataException;
import io.github.finetune4j.data.ImageFolderSource;
import io.github.finetune4j.data.ImageTransform;
import io.github.finetune4j.data.TabularData;
import io.github.finetune4j.data.TextData;
import io.github.finetune4j.data.TextExample;
import io.github.finetune4j.data.TextJsonlSource;
import io.github.finetune4j.pipeline.RunDirectory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Mutated data files (issue #11): the bundled CSV tables (iris, breast-cancer, digits, diabetes,
 * linnerud), the first 30 lines of the SpamAssassin JSONL and a few of the 8x8 digit PNGs (also
 * drawn at 32x32 as JPEGs), damaged at random — truncated at any byte, a bit flipped, a byte
 * replaced, bytes inserted, replaced by random bytes, re-encoded as UTF-16 or Latin-1, a BOM added,
 * CRLF or CR line ends, a line deleted, duplicated, cut short or merged with the next, a cell made
 * non-numeric / NaN / infinite / huge or given another spelling of its number, a column dropped,
 * the columns shuffled (header and rows together), gzip-compressed then truncated or bit-flipped;
 * for JSONL also lines that are not one object, labels that are no class, invalid UTF-8 and deep
 * nesting; for images zero-length files, text named {@code .png}, a header with impossible
 * dimensions, bytes after the end and another format under the name.
 *
 * <p>Each property reads the mutant through the public data API ({@link CsvSource}, {@link
 * TextJsonlSource}, {@link ImageFolderSource}) and requires a {@link DataException} whose message
 * starts with the file (names the image; names the line, and the column, where the mutation says
 * which), or data — never another exception. Where the answer is known it must be exactly that:
 * shuffled columns, a BOM, other line ends, another spelling of a number give the original table
 * (with that cell's value); a deleted or duplicated line gives the original rows without it or with
 * it twice; a truncated file fails or gives a prefix of the original rows, never a row with a cut
 * value, and a truncated image fails or gives the original pixels; UTF-16, random bytes, a
 * truncated gzip file and merged JSON lines fail; a bit flipped in a gzip file fails or gives the
 * original; an unreadable image with {@code skip} is counted and left out. Mutations whose result
 * is another valid file (a digit of a number flipped) can only be required to fail cleanly or read.
 *
 * <p>The {@code @Test} cases run {@code finetune run} on 17 mutants (tabular MLP and regression
 * recipes, the quickstart's text splits, an image folder for the small CNN): exit 2 with one
 * paragraph naming the file, no stack trace, nothing written — or, where a valid file remains (a
 * prefix, a skipped image, shuffled columns read by name), exit 0 with the same test metrics.
 *
 * <p>The three properties are Jazzer fuzz targets: a test run replays the committed corpus ({@code
 * DataFuzzTestInputs/<method>/}, 500 cases per target: kind, the parameters and a seed, see {@link
 * FuzzInput}); {@code JAZZER_FUZZ=1} fuzzes one target for real (docs/runs.md).
 */
class DataFuzzTest {

  private static final Path TMP = tmpDir();

  /** A folder for the mutants and runs, deleted when the JVM ends (two engines share the class). */
  private static Path tmpDir() {
    try {
      Path d = Files.createTempDirectory("finetune4j-data-fuzz");
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      delete(d);
                    } catch (IOException e) {
                      // a temporary folder left behind
                    }
                  }));
      return d;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final Pattern LINE = Pattern.compile(" line (\\d+)");

  // ---------------------------------------------------------------- shared mutations

  /** One mutant: what was done (the case's name) and the expectation, checked on the outcome. */
  record Mutant<T>(
      String what, byte[] bytes, boolean gzip, Integer limit, BiConsumer<T, String> check) {
    @Override
    public String toString() {
      return what;
    }
  }

  private static byte[] truncate(byte[] b, int len) {
    return Arrays.copyOf(b, len);
  }

  private static byte[] flip(byte[] b, int at, int bit) {
    byte[] out = b.clone();
    out[at] ^= (byte) (1 << bit);
    return out;
  }

  private static byte[] insert(byte[] b, int at, byte[] more) {
    byte[] out = new byte[b.length + more.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(more, 0, out, at, more.length);
    System.arraycopy(b, at, out, at + more.length, b.length - at);
    return out;
  }

  private static byte[] randomBytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  private static byte[] gzip(byte[] b) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(bytes)) {
      z.write(b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bom(byte[] b) {
    return insert(b, 0, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
  }

  /** Lines of an ASCII-or-UTF-8 file whose every line ends with {@code \n}. */
  private static List<String> lines(byte[] b) {
    String s = new String(b, StandardCharsets.UTF_8);
    assertTrue(s.endsWith("\n"));
    return new ArrayList<>(List.of(s.substring(0, s.length() - 1).split("\n", -1)));
  }

  private static byte[] join(List<String> lines, String end) {
    return utf8(String.join(end, lines) + end);
  }

  private static final List<String> LATIN1 = List.of("é", "ü", "°", "±", "µ", "½", "×", "ß", "Ø");

  /** A few byte-level damages in a row, for mutants whose outcome only has to be clean. */
  private static byte[] stacked(Random r, byte[] b, StringBuilder what) {
    int n = 2 + r.nextInt(3);
    for (int i = 0; i < n; i++) {
      if (b.length == 0) {
        b = randomBytes(r, 1 + r.nextInt(8));
        what.append(", random bytes");
        continue;
      }
      switch (r.nextInt(4)) {
        case 0 -> {
          int len = r.nextInt(b.length);
          b = truncate(b, len);
          what.append(", truncated to ").append(len);
        }
        case 1 -> {
          int at = r.nextInt(b.length);
          b = flip(b, at, r.nextInt(8));
          what.append(", bit flipped at ").append(at);
        }
        case 2 -> {
          int at = r.nextInt(b.length);
          b = b.clone();
          b[at] = (byte) r.nextInt(256);
          what.append(", byte replaced at ").append(at);
        }
        default -> {
          int at = r.nextInt(b.length + 1);
          b = insert(b, at, randomBytes(r, 1 + r.nextInt(16)));
          what.append(", bytes inserted at ").append(at);
        }
      }
    }
    return b;
  }

  /** The file of a case, named by the case's kind so that messages can be matched. */
  private static Path write(String stem, Mutant<?> m) throws IOException {
    Path f = Files.createTempFile(TMP, stem + "-", m.gzip() ? ".gz" : "");
    if (!m.gzip()) {
      Path plain = f.resolveSibling(f.getFileName() + (stem.startsWith("csv") ? ".csv" : ".jsonl"));
      Files.move(f, plain);
      f = plain;
    }
    return Files.write(f, m.bytes());
  }

  /** The checks every failure must pass: it names the file first, a line within the file. */
  private static void cleanError(DataException e, Path file, byte[] bytes, String what) {
    String m = e.getMessage();
    assertNotNull(m, what);
    assertTrue(
        m.startsWith(file.toString()), () -> "does not start with the file: " + what + ": " + m);
    assertTrue(m.length() < 4000, () -> "a message of " + m.length() + " chars: " + what);
    Matcher line = LINE.matcher(m.substring(file.toString().length()));
    if (bytes != null && line.lookingAt()) {
      long n = Long.parseLong(line.group(1));
      long lines = 1;
      for (byte x : bytes) {
        lines += x == '\n' || x == '\r' ? 1 : 0;
      }
      long max = lines;
      assertTrue(n >= 1 && n <= max, () -> "line " + n + " of " + max + ": " + what + ": " + m);
    }
  }

  // ---------------------------------------------------------------- CSV

  /** A bundled table and how it is read. */
  record Table(Path source, String label, List<String> targets, byte[] bytes, TabularData intact) {
    List<String> lines() {
      return DataFuzzTest.lines(bytes);
    }

    List<String> header() {
      return List.of(lines().get(0).split(","));
    }

    TabularData read(Path file, List<String> features, Integer limit, boolean declared)
        throws DataException {
      CsvSource s = new CsvSource(file, ',', features, limit);
      return label != null
          ? s.readClassification(label, declared ? intact.classes() : null)
          : s.readRegression(targets);
    }

    @Override
    public String toString() {
      return source.toString();
    }
  }

  private static final List<Table> TABLES =
      List.of(
          table("data/iris/iris.csv", "species"),
          table("data/breast-cancer/valid.csv", "diagnosis"),
          table("data/digits/valid.csv", "digit"),
          table("data/diabetes/valid.csv", null, "progression"),
          table("data/linnerud/linnerud.csv", null, "Weight", "Waist", "Pulse"));

  private static Table table(String path, String label, String... targets) {
    Path p = Path.of(path);
    try {
      byte[] bytes = Files.readAllBytes(p);
      CsvSource s = new CsvSource(p, ',', null, null);
      TabularData t =
          label != null ? s.readClassification(label, null) : s.readRegression(List.of(targets));
      return new Table(p, label, List.of(targets), bytes, t);
    } catch (IOException | DataException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A table as text, one string per row (features, then the label's name or the targets), each
   * value as {@link Float#toString} (which tells every two floats apart).
   */
  record Snapshot(List<String> names, List<List<String>> rows) {
    static Snapshot of(TabularData t) {
      List<String> names = new ArrayList<>(t.featureNames());
      if (!t.isClassification()) {
        for (String n : t.targetNames()) {
          names.add("target:" + n);
        }
      } else {
        names.add("label");
      }
      List<List<String>> rows = new ArrayList<>();
      float[][] f = t.features();
      float[][] y = t.isClassification() ? null : t.targets();
      for (int i = 0; i < t.rows(); i++) {
        List<String> row = new ArrayList<>();
        for (float v : f[i]) {
          row.add(Float.toString(v));
        }
        if (y == null) {
          row.add(t.classes().get(t.label(i)));
        } else {
          for (float v : y[i]) {
            row.add(Float.toString(v));
          }
        }
        rows.add(row);
      }
      return new Snapshot(names, rows);
    }

    Snapshot rows(int[] idx) {
      List<List<String>> out = new ArrayList<>();
      for (int i : idx) {
        out.add(rows.get(i));
      }
      return new Snapshot(names, out);
    }

    Snapshot cell(int row, String name, String value) {
      int c = names.indexOf(name);
      if (c < 0) {
        c = names.indexOf("target:" + name);
      }
      List<List<String>> out = new ArrayList<>(rows);
      List<String> changed = new ArrayList<>(rows.get(row));
      changed.set(c, value);
      out.set(row, changed);
      return new Snapshot(names, out);
    }

    /** The feature columns in another order (names that are not features are ignored). */
    Snapshot features(List<String> order) {
      int nf =
          (int) names.stream().filter(n -> !n.equals("label") && !n.startsWith("target:")).count();
      List<Integer> pick = new ArrayList<>();
      for (String n : order) {
        int c = names.indexOf(n);
        if (c >= 0 && c < nf) {
          pick.add(c);
        }
      }
      for (int c = nf; c < names.size(); c++) {
        pick.add(c);
      }
      List<String> newNames = pick.stream().map(names::get).toList();
      List<List<String>> out = new ArrayList<>();
      for (List<String> row : rows) {
        out.add(pick.stream().map(row::get).toList());
      }
      return new Snapshot(newNames, out);
    }

    void assertSame(Snapshot got, String what) {
      assertEquals(names, got.names, () -> "other columns: " + what);
      for (int i = 0; i < Math.min(rows.size(), got.rows.size()); i++) {
        int row = i;
        assertEquals(rows.get(i), got.rows.get(i), () -> "row " + row + " differs: " + what);
      }
      assertEquals(rows.size(), got.rows.size(), () -> "other rows: " + what);
    }
  }

  private static BiConsumer<TabularData, String> csvAny() {
    return (got, error) -> {};
  }

  private static BiConsumer<TabularData, String> csvFail(String... mention) {
    return (got, error) -> {
      assertTrue(got == null, "read as data; it must fail");
      for (String s : mention) {
        assertTrue(error.contains(s), () -> "the error does not name " + s + ": " + error);
      }
    };
  }

  private static BiConsumer<TabularData, String> csvExactly(Snapshot want) {
    return (got, error) -> {
      assertNull(error, "it must read");
      want.assertSame(Snapshot.of(got), "");
    };
  }

  private static BiConsumer<TabularData, String> csvFailOr(Snapshot want) {
    return (got, error) -> {
      if (got != null) {
        want.assertSame(Snapshot.of(got), "read, but not as the original");
      }
    };
  }

  /** Fails, or reads a prefix of {@code want}'s rows (at most {@code limit}). */
  private static BiConsumer<TabularData, String> csvPrefix(Snapshot want, Integer limit) {
    return (got, error) -> {
      if (got == null) {
        return;
      }
      Snapshot s = Snapshot.of(got);
      int max = limit == null ? want.rows().size() : Math.min(limit, want.rows().size());
      assertTrue(s.rows().size() <= max, "more rows than the original");
      want.rows(IntStream.range(0, s.rows().size()).toArray()).assertSame(s, "not a prefix");
    };
  }

  private static final List<String> NOT_NUMBERS =
      List.of(
          "",
          "abc",
          "NaN",
          "nan",
          "-NaN",
          "Infinity",
          "-Infinity",
          "inf",
          "1e39",
          "-1e39",
          "1e999999",
          "1" + "0".repeat(50),
          "0x1p3",
          "0x10",
          "1.2.3",
          "--1",
          "+-1",
          "1e",
          "1e+",
          ".",
          "-",
          "1_000",
          "١٢",
          "１２",
          "12abc",
          "1 2",
          "1\u00a0",
          "true",
          "null",
          "1d",
          "1f",
          "1e-",
          "0b1",
          "\"1\"2",
          "1" + "1".repeat(200_000));

  private static final List<String> NUMBERS =
      List.of(
          "+3",
          "1e-50",
          ".5",
          "5.",
          "-0",
          " 7 ",
          "\t7",
          "3.4e38",
          "1E2",
          "007",
          "\"12\"",
          "1.00000000000000000000001",
          "-1.5e-3",
          "1e-45",
          "0." + "0".repeat(5000) + "1");

  private static final String[] CSV_KINDS = {
    "truncated",
    "bit flipped",
    "byte replaced",
    "bytes inserted",
    "random bytes",
    "UTF-16",
    "Latin-1",
    "BOM",
    "line ends",
    "line deleted",
    "line duplicated",
    "not a number",
    "another spelling",
    "column dropped",
    "columns shuffled",
    "gzip truncated",
    "gzip bit flipped",
    "stacked",
    "line cut"
  };

  @FuzzTest
  void csvMutantsFailCleanlyOrReadRight(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    int which = in.intIn(0, 4);
    int kind = in.intIn(0, 18);
    long seed = in.seed();
    Table t = TABLES.get(which);
    Random r = new Random(seed);
    List<String> features = r.nextBoolean() ? null : t.intact().featureNames();
    boolean declared = t.label() != null && r.nextBoolean();
    Mutant<TabularData> m = csvMutant(t, kind, r, features);
    Path file = write("csv" + kind, m);
    try {
      TabularData got = null;
      DataException error = null;
      try {
        got = t.read(file, features, m.limit(), declared);
      } catch (DataException e) {
        error = e;
        cleanError(e, file, m.gzip() ? null : m.bytes(), m.what());
      }
      String what =
          m.what()
              + (declared ? ", declared classes" : "")
              + (features == null ? "" : ", features listed");
      try {
        m.check().accept(got, error == null ? null : error.getMessage());
      } catch (AssertionError e) {
        throw new AssertionError(
            what
                + ": "
                + e.getMessage()
                + (error == null ? "" : "\n  error: " + error.getMessage()),
            e);
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static Mutant<TabularData> csvMutant(Table t, int kind, Random r, List<String> features) {
    byte[] b = t.bytes();
    Snapshot intact = Snapshot.of(t.intact());
    List<String> lines = t.lines();
    List<String> header = t.header();
    List<String> numeric = new ArrayList<>(header);
    numeric.remove(t.label());
    String from = t.source() + " (" + lines.size() + " lines)";
    return switch (kind) {
      case 0 -> {
        int len = r.nextInt(b.length);
        Integer limit = r.nextBoolean() ? null : 1 + r.nextInt(lines.size());
        yield new Mutant<>(
            from + " truncated to " + len + " bytes" + (limit == null ? "" : ", limit " + limit),
            truncate(b, len),
            false,
            limit,
            csvPrefix(intact, limit));
      }
      case 1 -> {
        int at = r.nextInt(b.length);
        boolean lineEnd = b[at] == '\n';
        yield new Mutant<>(
            from + " bit flipped at byte " + at + (lineEnd ? " (a line end)" : ""),
            flip(b, at, r.nextInt(8)),
            false,
            null,
            lineEnd ? csvFail() : csvAny());
      }
      case 2 -> {
        int at = r.nextInt(b.length);
        byte[] c = b.clone();
        c[at] = (byte) r.nextInt(256);
        yield new Mutant<>(
            from + " byte " + at + " replaced by " + (c[at] & 0xFF), c, false, null, csvAny());
      }
      case 3 -> {
        int at = r.nextInt(b.length + 1);
        byte[] more = randomBytes(r, 1 + r.nextInt(16));
        yield new Mutant<>(
            from + " " + more.length + " random bytes inserted at " + at,
            insert(b, at, more),
            false,
            null,
            csvAny());
      }
      case 4 ->
          new Mutant<>(
              from + " replaced by random bytes",
              randomBytes(r, 1 + r.nextInt(b.length)),
              false,
              null,
              csvFail());
      case 5 -> {
        String[] enc = {"UTF-16", "UTF-16LE", "UTF-16BE"};
        String e = enc[r.nextInt(enc.length)];
        yield new Mutant<>(
            from + " re-encoded as " + e,
            new String(b, StandardCharsets.UTF_8).getBytes(java.nio.charset.Charset.forName(e)),
            false,
            null,
            csvFail("UTF-16"));
      }
      case 6 -> {
        int line = r.nextInt(4) == 0 ? 0 : r.nextInt(lines.size());
        List<String> cells = new ArrayList<>(List.of(lines.get(line).split(",", -1)));
        int c = r.nextInt(cells.size());
        String cell = cells.get(c);
        int at = r.nextInt(cell.length() + 1);
        String ch = LATIN1.get(r.nextInt(LATIN1.size()));
        cells.set(c, cell.substring(0, at) + ch + cell.substring(at));
        List<String> changed = new ArrayList<>(lines);
        changed.set(line, String.join(",", cells));
        byte[] latin1 = (String.join("\n", changed) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        String[] mention = line == 0 ? new String[0] : new String[] {" line " + (line + 1) + ","};
        yield new Mutant<>(
            from
                + " '"
                + ch
                + "' put in line "
                + (line + 1)
                + " column "
                + (c + 1)
                + ", file in Latin-1",
            latin1,
            false,
            null,
            csvFail(mention));
      }
      case 7 -> new Mutant<>(from + " with a BOM", bom(b), false, null, csvExactly(intact));
      case 8 -> {
        String end = r.nextBoolean() ? "\r\n" : "\r";
        yield new Mutant<>(
            from + " with line ends " + (end.length() == 2 ? "CRLF" : "CR"),
            join(lines, end),
            false,
            null,
            csvExactly(intact));
      }
      case 9 -> {
        int k = r.nextInt(lines.size());
        List<String> changed = new ArrayList<>(lines);
        changed.remove(k);
        int[] rows = IntStream.range(0, lines.size() - 1).filter(i -> i != k - 1).toArray();
        yield new Mutant<>(
            from + " line " + (k + 1) + " deleted",
            join(changed, "\n"),
            false,
            null,
            k == 0 ? csvFail() : csvExactly(intact.rows(rows)));
      }
      case 10 -> {
        int k = r.nextInt(lines.size());
        List<String> changed = new ArrayList<>(lines);
        changed.add(k, lines.get(k));
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < lines.size() - 1; i++) {
          rows.add(i);
          if (i == k - 1) {
            rows.add(i);
          }
        }
        yield new Mutant<>(
            from + " line " + (k + 1) + " duplicated",
            join(changed, "\n"),
            false,
            null,
            k == 0
                ? csvFail(" line 2")
                : csvExactly(intact.rows(rows.stream().mapToInt(i -> i).toArray())));
      }
      case 11, 12 -> {
        int row = r.nextInt(lines.size() - 1);
        String name = numeric.get(r.nextInt(numeric.size()));
        int c = header.indexOf(name);
        List<String> cells = new ArrayList<>(List.of(lines.get(row + 1).split(",", -1)));
        List<String> values = kind == 11 ? NOT_NUMBERS : NUMBERS;
        String v = values.get(r.nextInt(values.size()));
        cells.set(c, v);
        List<String> changed = new ArrayList<>(lines);
        changed.set(row + 1, String.join(",", cells));
        String shown = v.length() > 40 ? v.substring(0, 20) + "… (" + v.length() + " chars)" : v;
        String what = from + " line " + (row + 2) + " column '" + name + "' set to '" + shown + "'";
        if (kind == 11) {
          String[] mention =
              v.contains(",") || v.contains("\"")
                  ? new String[] {" line " + (row + 2)}
                  : new String[] {" line " + (row + 2) + ", column '" + name + "'"};
          yield new Mutant<>(what, join(changed, "\n"), false, null, csvFail(mention));
        }
        String value = v.strip().replace("\"", "");
        Snapshot want = intact.cell(row, name, Float.toString(Float.parseFloat(value)));
        yield new Mutant<>(what, join(changed, "\n"), false, null, csvExactly(want));
      }
      case 13 -> {
        int c = r.nextInt(header.size());
        String name = header.get(c);
        List<String> changed = new ArrayList<>();
        for (String line : lines) {
          List<String> cells = new ArrayList<>(List.of(line.split(",", -1)));
          cells.remove(c);
          changed.add(String.join(",", cells));
        }
        String what = from + " column '" + name + "' dropped";
        boolean role = name.equals(t.label()) || t.targets().contains(name);
        if (role || features != null) {
          yield new Mutant<>(what, join(changed, "\n"), false, null, csvFail("'" + name + "'"));
        }
        List<String> rest = new ArrayList<>(t.intact().featureNames());
        rest.remove(name);
        yield new Mutant<>(
            what, join(changed, "\n"), false, null, csvExactly(intact.features(rest)));
      }
      case 14 -> {
        List<Integer> order = new ArrayList<>(IntStream.range(0, header.size()).boxed().toList());
        Collections.shuffle(order, r);
        List<String> changed = new ArrayList<>();
        for (String line : lines) {
          String[] cells = line.split(",", -1);
          changed.add(String.join(",", order.stream().map(i -> cells[i]).toList()));
        }
        List<String> newHeader = order.stream().map(header::get).toList();
        Snapshot want = features == null ? intact.features(newHeader) : intact;
        yield new Mutant<>(
            from + " columns shuffled to " + order,
            join(changed, "\n"),
            false,
            null,
            csvExactly(want));
      }
      case 15 -> {
        byte[] z = gzip(b);
        int len = r.nextInt(z.length);
        yield new Mutant<>(
            from + " gzipped (" + z.length + " bytes), truncated to " + len,
            truncate(z, len),
            true,
            null,
            csvFail());
      }
      case 16 -> {
        byte[] z = gzip(b);
        int at = r.nextInt(z.length);
        yield new Mutant<>(
            from + " gzipped (" + z.length + " bytes), bit flipped at " + at,
            flip(z, at, r.nextInt(8)),
            true,
            null,
            csvFailOr(intact));
      }
      case 17 -> {
        StringBuilder what = new StringBuilder(from);
        byte[] c = stacked(r, b, what);
        yield new Mutant<>(what.toString(), c, false, null, csvAny());
      }
      default -> {
        // a line cut at a random byte, the rest of the file kept
        int k = 1 + r.nextInt(lines.size() - 1);
        String line = lines.get(k);
        int len = r.nextInt(line.length());
        List<String> changed = new ArrayList<>(lines);
        changed.set(k, line.substring(0, len));
        yield new Mutant<>(
            from + " line " + (k + 1) + " cut to " + len + " chars",
            join(changed, "\n"),
            false,
            null,
            csvAny());
      }
    };
  }

  // ---------------------------------------------------------------- JSONL

  private static final List<String> CLASSES = List.of("ham", "spam");
  private static final byte[] JSONL = jsonlFixture();
  private static final List<TextExample> JSONL_INTACT = readIntactJsonl();

  /** The first 30 lines of the SpamAssassin validation split. */
  private static byte[] jsonlFixture() {
    try (InputStream in =
        new GZIPInputStream(Files.newInputStream(Path.of("data/spamassassin/valid.jsonl.gz")))) {
      String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      List<String> lines = all.lines().limit(30).toList();
      return join(lines, "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<TextExample> readIntactJsonl() {
    try {
      Path f = Files.write(Files.createTempFile(TMP, "intact", ".jsonl"), JSONL);
      List<TextExample> out = new TextJsonlSource(f, "text", "label", null).read(CLASSES);
      assertEquals(30, out.size());
      return out;
    } catch (IOException | DataException e) {
      throw new IllegalStateException(e);
    }
  }

  private static BiConsumer<TextData, String> jsonAny() {
    return (got, error) -> {};
  }

  private static BiConsumer<TextData, String> jsonFail(String... mention) {
    return (got, error) -> {
      assertTrue(got == null, "read as data; it must fail");
      for (String s : mention) {
        assertTrue(error.contains(s), () -> "the error does not name " + s + ": " + error);
      }
    };
  }

  private static BiConsumer<TextData, String> jsonExactly(List<TextExample> want) {
    return (got, error) -> {
      assertNull(error, "it must read");
      sameExamples(want, got.examples(), "other examples");
    };
  }

  private static BiConsumer<TextData, String> jsonFailOr(List<TextExample> want) {
    return (got, error) -> {
      if (got != null) {
        sameExamples(want, got.examples(), "read, but not as the original");
      }
    };
  }

  private static BiConsumer<TextData, String> jsonPrefix(Integer limit) {
    return (got, error) -> {
      if (got == null) {
        return;
      }
      int n = got.examples().size();
      int max = limit == null ? JSONL_INTACT.size() : limit;
      assertTrue(n <= max, "more examples than the original");
      sameExamples(JSONL_INTACT.subList(0, n), got.examples(), "not a prefix");
    };
  }

  /** Equal lists of examples; a difference is reported by index, with the texts shortened. */
  private static void sameExamples(List<TextExample> want, List<TextExample> got, String what) {
    for (int i = 0; i < Math.min(want.size(), got.size()); i++) {
      if (!want.get(i).equals(got.get(i))) {
        fail(what + ": example " + i + " is " + shown(got.get(i)) + ", not " + shown(want.get(i)));
      }
    }
    assertEquals(want.size(), got.size(), what + ": the number of examples");
  }

  private static String shown(TextExample e) {
    String t = e.text();
    return "(label "
        + e.label()
        + ", "
        + t.length()
        + " chars: '"
        + (t.length() > 30 ? t.substring(0, 30) + "…" : t)
        + "')";
  }

  private static List<TextExample> without(int k) {
    List<TextExample> out = new ArrayList<>(JSONL_INTACT);
    out.remove(k);
    return out;
  }

  private static final List<String> NOT_OBJECTS =
      List.of(
          "[1, 2]",
          "\"text\"",
          "42",
          "null",
          "true",
          "{",
          "}",
          "{\"text\": \"a\", \"label\": \"ham\"",
          "{\"text\": \"a\", \"label\": \"ham\"} trailing",
          "{\"text\": \"a\", \"label\": \"ham\"}{\"text\": \"b\", \"label\": \"spam\"}",
          "{\"text\": \"a\", \"label\": \"ham\"}]",
          "{\"text\": \"a\", \"label\": \"ham\"},",
          "{\"text\": 5, \"label\": \"ham\"}",
          "{\"text\": \"a\"}",
          "{\"label\": \"ham\"}",
          "{\"text\": \"a\", \"label\": null}",
          "{\"text\": \"a\", \"label\": [\"ham\"]}",
          "{\"text\": \"a\", \"label\": {\"name\": \"ham\"}}",
          "{\"text\": null, \"label\": \"ham\"}",
          "{\"text\": \"a\", \"label\": \"Ham\"}",
          "{\"text\": \"a\", \"label\": \"ham \"}",
          "{\"text\": \"a\", \"label\": \"eggs\"}",
          "{\"text\": \"a\", \"label\": 1}",
          "{\"text\": \"a\", \"label\": \"ham\", \"label\": \"spam\"}",
          "{\"text\": \"a\", \"text\": \"b\", \"label\": \"ham\"}",
          "{'text': 'a', 'label': 'ham'}",
          "{text: \"a\", label: \"ham\"}",
          "{\"text\": \"a\", \"label\": \"ham\" /* comment */}",
          "{\"text\": \"a\\q\", \"label\": \"ham\"}",
          "{\"text\": \"a\u0001\", \"label\": \"ham\"}",
          "{\"text\": \"a\", \"label\": \"ham\", \"x\": NaN}",
          "{\"text\": \"a\", \"label\": 1" + "0".repeat(2000) + "}",
          "{\"text\": \"a\", \"label\": \"ham\", \"x\": "
              + "[".repeat(5000)
              + "]".repeat(5000)
              + "}",
          "{\"text\": \"a\", \"label\": \"ham\", \"x\": "
              + "{\"y\":".repeat(3000)
              + "1"
              + "}".repeat(3000)
              + "}");

  /** Lines that read, with the example each gives (null: the line is skipped). */
  private static final List<Object[]> ODD_BUT_VALID =
      List.of(
          new Object[] {
            "{\"label\": \"ham\", \"text\": \"a\", \"extra\": [1, {\"b\": null}]}",
            new TextExample("a", 0)
          },
          new Object[] {"  \t{\"text\": \"a\", \"label\": \"spam\"}  \t", new TextExample("a", 1)},
          new Object[] {
            "{\"text\": \"a\\u0000b\\n\\\"c\\\"\", \"label\": \"ham\"}",
            new TextExample("a\u0000b\n\"c\"", 0)
          },
          new Object[] {
            "{\"text\": \"\\ud83d\\ude00 é\", \"label\": \"spam\"}",
            new TextExample("\ud83d\ude00 é", 1)
          },
          new Object[] {"{\"text\": \"   \", \"label\": \"ham\"}", null},
          new Object[] {"   ", null},
          new Object[] {"", null});

  private static final String[] JSONL_KINDS = {
    "truncated",
    "bit flipped",
    "byte replaced",
    "bytes inserted",
    "random bytes",
    "UTF-16",
    "Latin-1",
    "BOM",
    "line ends",
    "line deleted",
    "line duplicated",
    "lines merged",
    "not an object",
    "odd but valid",
    "not a class",
    "invalid UTF-8",
    "gzip truncated",
    "gzip bit flipped",
    "line cut",
    "stacked"
  };

  @FuzzTest
  void jsonlMutantsFailCleanlyOrReadRight(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    int kind = in.intIn(0, 19);
    long seed = in.seed();
    Random r = new Random(seed);
    Mutant<TextData> m = jsonlMutant(kind, r);
    Path file = write("jsonl" + kind, m);
    try {
      TextData got = null;
      DataException error = null;
      try {
        got = new TextJsonlSource(file, "text", "label", m.limit()).readData(CLASSES);
      } catch (DataException e) {
        error = e;
        cleanError(e, file, m.gzip() ? null : m.bytes(), m.what());
      }
      try {
        m.check().accept(got, error == null ? null : error.getMessage());
      } catch (AssertionError e) {
        throw new AssertionError(
            m.what()
                + ": "
                + e.getMessage()
                + (error == null ? "" : "\n  error: " + error.getMessage()),
            e);
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static Mutant<TextData> jsonlMutant(int kind, Random r) {
    byte[] b = JSONL;
    List<String> lines = lines(b);
    String from = "the first 30 SpamAssassin lines";
    int k = r.nextInt(lines.size());
    return switch (kind) {
      case 0 -> {
        int len = r.nextInt(b.length);
        Integer limit = r.nextBoolean() ? null : 1 + r.nextInt(lines.size());
        yield new Mutant<>(
            from + " truncated to " + len + " bytes" + (limit == null ? "" : ", limit " + limit),
            truncate(b, len),
            false,
            limit,
            jsonPrefix(limit));
      }
      case 1 -> {
        int at = r.nextInt(b.length);
        boolean lineEnd = b[at] == '\n';
        yield new Mutant<>(
            from + " bit flipped at byte " + at + (lineEnd ? " (a line end)" : ""),
            flip(b, at, r.nextInt(8)),
            false,
            null,
            lineEnd ? jsonFail() : jsonAny());
      }
      case 2 -> {
        int at = r.nextInt(b.length);
        byte[] c = b.clone();
        c[at] = (byte) r.nextInt(256);
        boolean lineEnd = b[at] == '\n';
        BiConsumer<TextData, String> check = jsonAny();
        if (lineEnd) {
          check = c[at] == '\n' || c[at] == '\r' ? jsonExactly(JSONL_INTACT) : jsonFail();
        }
        yield new Mutant<>(
            from
                + " byte "
                + at
                + (lineEnd ? " (a line end)" : "")
                + " replaced by "
                + (c[at] & 0xFF),
            c,
            false,
            null,
            check);
      }
      case 3 -> {
        int at = r.nextInt(b.length + 1);
        byte[] more = randomBytes(r, 1 + r.nextInt(16));
        yield new Mutant<>(
            from + " " + more.length + " random bytes inserted at " + at,
            insert(b, at, more),
            false,
            null,
            jsonAny());
      }
      case 4 ->
          new Mutant<>(
              from + " replaced by random bytes",
              randomBytes(r, 1 + r.nextInt(4096)),
              false,
              null,
              jsonFail());
      case 5 -> {
        String[] enc = {"UTF-16", "UTF-16LE", "UTF-16BE"};
        String e = enc[r.nextInt(enc.length)];
        yield new Mutant<>(
            from + " re-encoded as " + e,
            new String(b, StandardCharsets.UTF_8).getBytes(java.nio.charset.Charset.forName(e)),
            false,
            null,
            jsonFail("UTF-16"));
      }
      case 6 -> {
        // a Latin-1 character in a text (kept, counted) or in a label (refused), file in Latin-1
        boolean inLabel = r.nextBoolean();
        String ch = LATIN1.get(r.nextInt(LATIN1.size()));
        List<String> changed = new ArrayList<>(lines);
        String line = lines.get(k);
        String key = inLabel ? "\"label\": \"" : "\"text\": \"";
        int at = line.indexOf(key) + key.length();
        changed.set(k, line.substring(0, at) + ch + line.substring(at));
        byte[] latin1 = (String.join("\n", changed) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        String what =
            from
                + " '"
                + ch
                + "' put in the "
                + (inLabel ? "label" : "text")
                + " of line "
                + (k + 1)
                + ", file in Latin-1";
        if (inLabel) {
          yield new Mutant<>(what, latin1, false, null, jsonFail(" line " + (k + 1) + ":"));
        }
        yield new Mutant<>(
            what,
            latin1,
            false,
            null,
            (got, error) -> {
              assertNull(error, "it must read");
              assertEquals(JSONL_INTACT.size(), got.examples().size());
              assertEquals(
                  JSONL_INTACT.stream().map(TextExample::label).toList(),
                  got.examples().stream().map(TextExample::label).toList());
              assertTrue(got.invalidUtf8Lines() >= 1, "the invalid UTF-8 is not counted");
              assertTrue(
                  got.firstInvalidUtf8Line() >= 1 && got.firstInvalidUtf8Line() <= k + 1,
                  "first invalid line " + got.firstInvalidUtf8Line());
              assertTrue(
                  got.examples().get(k).text().startsWith("\uFFFD"),
                  "the text does not start with U+FFFD");
            });
      }
      case 7 -> new Mutant<>(from + " with a BOM", bom(b), false, null, jsonExactly(JSONL_INTACT));
      case 8 -> {
        String end = r.nextBoolean() ? "\r\n" : "\r";
        yield new Mutant<>(
            from + " with line ends " + (end.length() == 2 ? "CRLF" : "CR"),
            join(lines, end),
            false,
            null,
            jsonExactly(JSONL_INTACT));
      }
      case 9 -> {
        List<String> changed = new ArrayList<>(lines);
        changed.remove(k);
        yield new Mutant<>(
            from + " line " + (k + 1) + " deleted",
            join(changed, "\n"),
            false,
            null,
            jsonExactly(without(k)));
      }
      case 10 -> {
        List<String> changed = new ArrayList<>(lines);
        changed.add(k, lines.get(k));
        List<TextExample> want = new ArrayList<>(JSONL_INTACT);
        want.add(k, JSONL_INTACT.get(k));
        yield new Mutant<>(
            from + " line " + (k + 1) + " duplicated",
            join(changed, "\n"),
            false,
            null,
            jsonExactly(want));
      }
      case 11 -> {
        int j = r.nextInt(lines.size() - 1);
        String[] glue = {"", " ", "\t", ",", "\u000b", "\u0000"};
        String g = glue[r.nextInt(glue.length)];
        List<String> changed = new ArrayList<>(lines);
        changed.set(j, lines.get(j) + g + lines.get(j + 1));
        changed.remove(j + 1);
        yield new Mutant<>(
            from
                + " lines "
                + (j + 1)
                + " and "
                + (j + 2)
                + " merged with "
                + Arrays.toString(utf8(g)),
            join(changed, "\n"),
            false,
            null,
            jsonFail(" line " + (j + 1) + ":"));
      }
      case 12 -> {
        String bad = NOT_OBJECTS.get(r.nextInt(NOT_OBJECTS.size()));
        List<String> changed = new ArrayList<>(lines);
        changed.set(k, bad);
        String shown =
            bad.length() > 60 ? bad.substring(0, 40) + "… (" + bad.length() + " chars)" : bad;
        yield new Mutant<>(
            from + " line " + (k + 1) + " replaced by " + shown,
            join(changed, "\n"),
            false,
            null,
            jsonFail(" line " + (k + 1) + ":"));
      }
      case 13 -> {
        Object[] odd = ODD_BUT_VALID.get(r.nextInt(ODD_BUT_VALID.size()));
        List<String> changed = new ArrayList<>(lines);
        changed.set(k, (String) odd[0]);
        List<TextExample> want = new ArrayList<>(JSONL_INTACT);
        if (odd[1] == null) {
          want.remove(k);
        } else {
          want.set(k, (TextExample) odd[1]);
        }
        String what = from + " line " + (k + 1) + " replaced by " + odd[0];
        yield new Mutant<>(what, join(changed, "\n"), false, null, jsonExactly(want));
      }
      case 14 -> {
        String label =
            List.of("eggs", "HAM", "Spam", "spam!", "", " ham", "hаm", "0", "1").get(r.nextInt(9));
        List<String> changed = new ArrayList<>(lines);
        changed.set(
            k, lines.get(k).replaceFirst("\"label\": \"[a-z]+\"", "\"label\": \"" + label + "\""));
        yield new Mutant<>(
            from + " line " + (k + 1) + " label set to '" + label + "'",
            join(changed, "\n"),
            false,
            null,
            jsonFail(" line " + (k + 1) + ":", "is not one of the declared classes"));
      }
      case 15 -> {
        byte[][] invalid = {
          {(byte) 0xFF},
          {(byte) 0xC0, (byte) 0x80},
          {(byte) 0x80},
          {(byte) 0xE2, (byte) 0x82},
          {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
          {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
          {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
          {(byte) 0xFE}
        };
        byte[] bad = invalid[r.nextInt(invalid.length)];
        int start = 0;
        for (int i = 0; i < k; i++) {
          start += utf8(lines.get(i)).length + 1;
        }
        byte[] key = utf8("\"text\": \"");
        int at =
            start
                + utf8(lines.get(k).substring(0, lines.get(k).indexOf("\"text\": \""))).length
                + key.length;
        String text = JSONL_INTACT.get(k).text();
        int line = k + 1;
        yield new Mutant<>(
            from + " bytes " + Arrays.toString(bad) + " put in the text of line " + line,
            insert(b, at, bad),
            false,
            null,
            (got, error) -> {
              assertNull(error, "it must read");
              assertEquals(1, got.invalidUtf8Lines(), "invalid lines counted");
              assertEquals(line, got.firstInvalidUtf8Line());
              String t = got.examples().get(line - 1).text();
              assertTrue(
                  t.endsWith(text)
                      && t.length() > text.length()
                      && t.substring(0, t.length() - text.length())
                          .chars()
                          .allMatch(c -> c == 0xFFFD),
                  "text " + t.substring(0, 10));
              List<TextExample> rest = new ArrayList<>(got.examples());
              rest.remove(line - 1);
              sameExamples(without(line - 1), rest, "other examples");
            });
      }
      case 16 -> {
        byte[] z = gzip(b);
        int len = r.nextInt(z.length);
        yield new Mutant<>(
            from + " gzipped (" + z.length + " bytes), truncated to " + len,
            truncate(z, len),
            true,
            null,
            jsonFail());
      }
      case 17 -> {
        byte[] z = gzip(b);
        int at = r.nextInt(z.length);
        yield new Mutant<>(
            from + " gzipped (" + z.length + " bytes), bit flipped at " + at,
            flip(z, at, r.nextInt(8)),
            true,
            null,
            jsonFailOr(JSONL_INTACT));
      }
      case 18 -> {
        // a line cut short, the rest of the file kept: never valid JSON
        String line = lines.get(k);
        int len = r.nextInt(line.length());
        List<String> changed = new ArrayList<>(lines);
        changed.set(k, line.substring(0, len));
        BiConsumer<TextData, String> check =
            len == 0 ? jsonExactly(without(k)) : jsonFail(" line " + (k + 1) + ":");
        yield new Mutant<>(
            from + " line " + (k + 1) + " cut to " + len + " chars",
            join(changed, "\n"),
            false,
            null,
            check);
      }
      default -> {
        StringBuilder what = new StringBuilder(from);
        byte[] c = stacked(r, b, what);
        yield new Mutant<>(what.toString(), c, false, null, jsonAny());
      }
    };
  }

  // ---------------------------------------------------------------- images

  private static final List<String> DIGITS = List.of("0", "1", "2");

  /** Two real 8x8 digit PNGs per class 0, 1, 2. */
  private static final Path PNGS = imageTemplate("png");

  /** The same digits drawn at 32x32 and saved as JPEG (a JPEG of 8x8 is all header). */
  private static final Path JPEGS = imageTemplate("jpg");

  private static Path imageTemplate(String extension) {
    try {
      Path root = Files.createDirectories(TMP.resolve("images-" + extension));
      for (String c : DIGITS) {
        Path to = Files.createDirectories(root.resolve(c));
        try (Stream<Path> s = Files.list(Path.of("data/digits-images/train", c))) {
          for (Path f : s.sorted().limit(2).toList()) {
            if (extension.equals("png")) {
              Files.copy(f, to.resolve(f.getFileName()));
              continue;
            }
            BufferedImage digit = ImageIO.read(f.toFile());
            BufferedImage big = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
            big.getGraphics().drawImage(digit, 0, 0, 32, 32, null);
            String name = f.getFileName().toString().replace(".png", ".jpg");
            assertTrue(ImageIO.write(big, "jpeg", to.resolve(name).toFile()));
          }
        }
      }
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Path> imageFiles(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static final ImageTransform GRAY = new ImageTransform(1, null, null, 0, null, null);
  private static final ImageTransform RGB_RESIZED =
      new ImageTransform(3, new int[] {12, 12}, null, 0, null, null);

  private static final String[] IMAGE_KINDS = {
    "truncated",
    "bits flipped",
    "random bytes",
    "empty",
    "a text file",
    "bytes inserted",
    "huge dimensions",
    "bytes after the end",
    "another format"
  };

  @FuzzTest
  void aMutatedImageIsRefusedNamingItOrSkipped(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    int kind = in.intIn(0, 8);
    boolean jpeg = in.bool();
    boolean gray = in.bool();
    long seed = in.seed();
    Random r = new Random(seed);
    Path template = jpeg && kind != 6 ? JPEGS : PNGS;
    Path root = Files.createTempDirectory(TMP, "images");
    try {
      for (Path f : imageFiles(template)) {
        Path to = root.resolve(template.relativize(f).toString());
        Files.createDirectories(to.getParent());
        Files.copy(f, to);
      }
      List<Path> files = imageFiles(root);
      Path victim = files.get(r.nextInt(files.size()));
      byte[] b = Files.readAllBytes(victim);
      String what;
      // 0: anything clean; 1: must fail; 2: fail or the intact pixels; 3: the intact pixels
      int expect = 0;
      switch (kind) {
        case 0 -> {
          int len = r.nextInt(b.length);
          what = "truncated to " + len + " of " + b.length + " bytes";
          b = truncate(b, len);
          expect = 2;
        }
        case 1 -> {
          int n = 1 + r.nextInt(4);
          StringBuilder at = new StringBuilder();
          for (int i = 0; i < n; i++) {
            int pos = r.nextInt(b.length);
            b = flip(b, pos, r.nextInt(8));
            at.append(i == 0 ? "" : ", ").append(pos);
          }
          what = n + " bits flipped (at " + at + ")";
        }
        case 2 -> {
          b = randomBytes(r, b.length);
          what = "replaced by random bytes";
          expect = 1;
        }
        case 3 -> {
          b = new byte[0];
          what = "empty";
          expect = 1;
        }
        case 4 -> {
          b = utf8("not an image, only named like one\n");
          what = "a text file";
          expect = 1;
        }
        case 5 -> {
          int at = r.nextInt(b.length + 1);
          b = insert(b, at, randomBytes(r, 1 + r.nextInt(16)));
          what = "bytes inserted at " + at;
        }
        case 6 -> {
          int[] sizes = {0, 4096, 1 << 15, 40_000, 65_535, 1 << 20, 1 << 24, Integer.MAX_VALUE, -1};
          int w = sizes[r.nextInt(sizes.length)];
          int h = sizes[r.nextInt(sizes.length)];
          b = withDimensions(b, w, h);
          what = "IHDR says " + w + "x" + h;
          expect = 1;
        }
        case 7 -> {
          b = insert(b, b.length, randomBytes(r, 1 + r.nextInt(64)));
          what = "bytes after its end";
          expect = 3;
        }
        default -> {
          String[] formats = {"bmp", "gif", jpeg ? "png" : "jpeg"};
          String format = formats[r.nextInt(formats.length)];
          BufferedImage img = ImageIO.read(victim.toFile());
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          BufferedImage rgb =
              new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
          rgb.getGraphics().drawImage(img, 0, 0, null);
          assertTrue(ImageIO.write(rgb, format, out));
          b = out.toByteArray();
          what = "a " + format + " file";
        }
      }
      Files.write(victim, b);
      ImageTransform transform = gray ? GRAY : RGB_RESIZED;
      String c = victim + " " + what + (gray ? "" : ", RGB resized");
      ImageFolderSource.Images strict = null;
      DataException error = null;
      try {
        strict = new ImageFolderSource(root, DIGITS, transform, false).read();
      } catch (DataException e) {
        error = e;
        assertTrue(
            e.getMessage().contains(victim.toString()),
            () -> "does not name the image: " + c + ": " + e.getMessage());
      }
      String failure = error == null ? "" : ": " + error.getMessage();
      if (expect == 1) {
        assertNotNull(error, () -> "read as an image: " + c);
      }
      if (expect >= 2 && strict != null || expect == 3) {
        assertNotNull(strict, () -> "not read: " + c + failure);
        ImageFolderSource.Images intact =
            new ImageFolderSource(template, DIGITS, transform, false).read();
        Snapshot.of(intact.data())
            .assertSame(Snapshot.of(strict.data()), "read with other pixels: " + c);
      }
      ImageFolderSource.Images lenient;
      try {
        lenient = new ImageFolderSource(root, DIGITS, transform, true).read();
      } catch (DataException e) {
        // only a decodable image of another size can still fail
        assertNotNull(error, () -> "skip fails where strict reads: " + c + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(victim.toString()), () -> c + ": " + e.getMessage());
        assertFalse(error.getMessage().contains("cannot read the image"), c);
        return;
      }
      if (error != null && error.getMessage().contains("cannot read the image")) {
        assertEquals(1, lenient.skipped(), c);
        assertEquals(files.size() - 1, lenient.data().rows(), c);
        assertTrue(lenient.firstSkipped().startsWith(victim.toString()), c);
        assertFalse(lenient.files().contains(victim), c);
      } else {
        assertNull(error, () -> "strict fails, skip reads everything: " + c + failure);
        assertEquals(0, lenient.skipped(), c);
        Snapshot.of(strict.data()).assertSame(Snapshot.of(lenient.data()), c);
      }
    } finally {
      delete(root);
    }
  }

  /** The PNG with its IHDR width and height replaced (and the chunk's CRC made right again). */
  private static byte[] withDimensions(byte[] png, int w, int h) {
    byte[] b = png.clone();
    // signature (8), length (4), "IHDR" (4), width (4), height (4) ... CRC after 13 data bytes
    assertEquals("IHDR", new String(b, 12, 4, StandardCharsets.US_ASCII));
    for (int i = 0; i < 4; i++) {
      b[16 + i] = (byte) (w >>> (24 - 8 * i));
      b[20 + i] = (byte) (h >>> (24 - 8 * i));
    }
    CRC32 crc = new CRC32();
    crc.update(b, 12, 17);
    long v = crc.getValue();
    for (int i = 0; i < 4; i++) {
      b[29 + i] = (byte) (v >>> (24 - 8 * i));
    }
    return b;
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  // ---------------------------------------------------------------- through the CLI

  private static final String MLP = "recipes/tabular/breast-cancer-mlp.yaml";
  private static final String QUICKSTART = "recipes/quickstart.yaml";
  private static final String CNN = "recipes/vision/digits-from-scratch.yaml";
  private static final String DIABETES = "recipes/tabular/diabetes-regression.yaml";
  private static final Path BREAST_CANCER = Path.of("data/breast-cancer");

  /**
   * {@code finetune run} of a recipe with one split's path replaced by a mutated file or folder:
   * exit 2 with one paragraph that names it, no stack trace, nothing written; or, where {@code
   * mayRun}, exit 0 with a finished run.
   */
  private static CliResult cli(
      String recipe, String split, Path data, boolean mayRun, String... overrides) {
    Path out = TMP.resolve("run-" + data.getFileName() + "-" + System.nanoTime());
    List<String> args = new ArrayList<>(List.of("run", recipe, "data." + split + ".path=" + data));
    args.addAll(List.of(overrides));
    args.add("monitor.sinks=[jsonl]");
    args.add("output.dir=" + out);
    CliResult r = CliResult.run(args.toArray(String[]::new));
    String c = recipe + " with data." + split + " = " + data;
    if (r.code() == 0 && mayRun) {
      assertTrue(Files.isRegularFile(out.resolve("summary.json")), () -> c + "\n" + r);
      return r;
    }
    assertEquals(2, r.code(), () -> c + "\n" + r);
    String err = r.err().strip();
    assertTrue(err.startsWith("finetune: "), () -> c + "\n" + r);
    assertTrue(err.contains(data.toString()), () -> "does not name " + data + ":\n" + r);
    assertFalse(err.contains("Exception"), () -> "an exception:\n" + r);
    assertFalse(err.contains("\tat ") || err.contains("at io.github"), () -> "a trace:\n" + r);
    List<String> lines = err.lines().toList();
    assertTrue(lines.size() <= 6, () -> "not one short paragraph:\n" + r);
    assertTrue(lines.stream().noneMatch(String::isBlank), () -> "not one paragraph:\n" + r);
    assertFalse(Files.exists(out), () -> "wrote " + out + ": " + c);
    assertFalse(Files.exists(RunDirectory.partialOf(out)), () -> "wrote a partial: " + c);
    return r;
  }

  private static final String[] ONE_EPOCH = {"stages=[{epochs: 1, train: [all]}]"};

  private static Path mutant(String name, byte[] bytes) throws IOException {
    return Files.write(Files.createDirectories(TMP.resolve("cli")).resolve(name), bytes);
  }

  private static byte[] bytes(Path p) throws IOException {
    return Files.readAllBytes(p);
  }

  /** The bundled training split cut at the given byte of its line {@code line} (1-based). */
  private static byte[] cutInLine(byte[] b, int line, int at) {
    int start = 0;
    for (int l = 1; l < line; l++) {
      while (b[start] != '\n') {
        start++;
      }
      start++;
    }
    return truncate(b, start + at);
  }

  @Test
  void aCsvCutInsideItsLastNumberIsExitTwoAndOneCutAtALineEndRuns() throws IOException {
    // diabetes' last row ends in 5.700000000000000000e+01 (57); cut 5 bytes short it read 5.7
    byte[] train = bytes(Path.of("data/diabetes/train.csv"));
    Path cut = mutant("diabetes-cut.csv", truncate(train, train.length - 5));
    CliResult r = cli(DIABETES, "train", cut, false);
    assertTrue(r.err().contains(cut + " line 301: the last line does not end"), r::toString);
    Path rows =
        mutant(
            "breast-cancer-300.csv", cutInLine(bytes(BREAST_CANCER.resolve("train.csv")), 301, 0));
    assertEquals(0, cli(MLP, "train", rows, true, ONE_EPOCH).code());
  }

  @Test
  void csvMutantsThroughTheCliAreExitTwo() throws IOException {
    byte[] valid = bytes(BREAST_CANCER.resolve("valid.csv"));
    String text = new String(valid, StandardCharsets.UTF_8);
    Path wide = mutant("valid-utf16.csv", text.getBytes(StandardCharsets.UTF_16));
    CliResult utf16 = cli(MLP, "valid", wide, false);
    assertTrue(utf16.err().contains(wide + ": the file is in UTF-16"), utf16::toString);
    List<String> lines = lines(valid);
    List<String> nan = new ArrayList<>(lines);
    nan.set(7, nan.get(7).replaceFirst("^[^,]*,", "NaN,"));
    Path withNan = mutant("valid-nan.csv", join(nan, "\n"));
    CliResult r = cli(MLP, "test", withNan, false);
    assertTrue(
        r.err().contains(withNan + " line 8, column 'mean_radius': 'NaN' is not a number"),
        r::toString);
    cli(MLP, "train", mutant("train-random.csv", randomBytes(new Random(7), 5000)), false);
    byte[] z = gzip(bytes(BREAST_CANCER.resolve("train.csv")));
    cli(MLP, "train", mutant("train-cut.csv.gz", truncate(z, z.length / 2)), false);
    List<String> dropped = new ArrayList<>();
    for (String line : lines) {
      List<String> cells = new ArrayList<>(List.of(line.split(",", -1)));
      cells.remove(3);
      dropped.add(String.join(",", cells));
    }
    Path narrow = mutant("valid-dropped.csv", join(dropped, "\n"));
    CliResult drop = cli(MLP, "valid", narrow, false);
    assertTrue(
        drop.err()
            .contains(
                narrow
                    + ": its feature columns differ from data.train's (missing:"
                    + " mean_area)"),
        drop::toString);
    List<String> latin1 = new ArrayList<>(lines);
    latin1.set(3, latin1.get(3).replace("benign", "bénin").replace("malignant", "malín"));
    cli(
        MLP,
        "valid",
        mutant(
            "valid-latin1.csv",
            String.join("\n", latin1).concat("\n").getBytes(StandardCharsets.ISO_8859_1)),
        false);
  }

  @Test
  void aCsvWithItsColumnsShuffledIsExitTwoOrWithItsFeaturesListedTheSameRun() throws Exception {
    List<String> lines = lines(bytes(BREAST_CANCER.resolve("test.csv")));
    List<String> header = List.of(lines.get(0).split(","));
    List<Integer> order = new ArrayList<>(IntStream.range(0, header.size()).boxed().toList());
    Collections.shuffle(order, new Random(11));
    List<String> shuffled = new ArrayList<>();
    for (String line : lines) {
      String[] cells = line.split(",", -1);
      shuffled.add(String.join(",", order.stream().map(i -> cells[i]).toList()));
    }
    Path test = mutant("test-shuffled.csv", join(shuffled, "\n"));
    CliResult r = cli(MLP, "test", test, false, ONE_EPOCH);
    assertTrue(
        r.err().contains(test + ": its feature columns are data.train's in another order"),
        r::toString);
    String features =
        "data.test.features=[" + String.join(", ", header.subList(0, header.size() - 1)) + "]";
    CliResult listed = cli(MLP, "test", test, true, ONE_EPOCH[0], features);
    CliResult intact = cli(MLP, "test", BREAST_CANCER.resolve("test.csv"), true, ONE_EPOCH);
    assertEquals(0, listed.code(), listed::toString);
    assertEquals(0, intact.code(), intact::toString);
    assertEquals(
        testMetrics(intact),
        testMetrics(listed),
        "the same test metrics, the columns read by name");
  }

  /** The run's {@code test_metrics} and {@code test_loss} from its summary.json. */
  private static String testMetrics(CliResult r) throws IOException {
    Matcher m = Pattern.compile("(?m)^Done: .*; run directory (.+)$").matcher(r.out());
    assertTrue(m.find(), r::toString);
    JsonNode s = new ObjectMapper().readTree(Path.of(m.group(1)).resolve("summary.json").toFile());
    assertTrue(s.has("test_metrics"), s::toString);
    return s.get("test_metrics") + " " + s.get("test_loss");
  }

  @Test
  void jsonlMutantsThroughTheCliAreExitTwoBeforeTheModelLoads() throws IOException {
    List<String> lines = lines(JSONL);
    Path cut = mutant("test-cut.jsonl", truncate(JSONL, JSONL.length - 40));
    CliResult truncated = cli(QUICKSTART, "test", cut, false);
    assertTrue(truncated.err().contains(cut + " line 30: not a JSON object"), truncated::toString);
    List<String> merged = new ArrayList<>(lines);
    merged.set(4, merged.get(4) + " " + merged.remove(5));
    Path joined = mutant("valid-merged.jsonl", join(merged, "\n"));
    CliResult run = cli(QUICKSTART, "valid", joined, false);
    assertTrue(run.err().contains(joined + " line 5: more follows the JSON object"), run::toString);
    Path wide =
        mutant(
            "train-utf16.jsonl",
            new String(JSONL, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_16LE));
    CliResult utf16 = cli(QUICKSTART, "train", wide, false);
    assertTrue(utf16.err().contains(wide + ": the file is in UTF-16"), utf16::toString);
    for (CliResult each : List.of(truncated, run, utf16)) {
      assertFalse(each.out().contains("Loading"), () -> "the model was loaded first:\n" + each);
    }
  }

  /** All ten digit classes, two real PNGs each. */
  private static Path digitFolder(String name) throws IOException {
    Path root = Files.createDirectories(TMP.resolve("cli").resolve(name));
    for (int d = 0; d <= 9; d++) {
      Path to = Files.createDirectories(root.resolve(String.valueOf(d)));
      try (Stream<Path> s = Files.list(Path.of("data/digits-images/train", String.valueOf(d)))) {
        for (Path f : s.sorted().limit(2).toList()) {
          Files.copy(f, to.resolve(f.getFileName()));
        }
      }
    }
    return root;
  }

  @Test
  void aDamagedImageThroughTheCliIsExitTwoNamingItOrSkipped() throws IOException {
    Path root = digitFolder("train-images");
    Path victim;
    try (Stream<Path> s = Files.list(root.resolve("4"))) {
      victim = s.sorted().findFirst().orElseThrow();
    }
    byte[] b = bytes(victim);
    Files.write(victim, truncate(b, b.length / 2));
    CliResult r = cli(CNN, "train", root, false, ONE_EPOCH);
    assertTrue(r.err().contains(victim + ": cannot read the image"), r::toString);
    r = cli(CNN, "train", root, true, "data.train.on_bad_record=skip", ONE_EPOCH[0]);
    assertEquals(0, r.code(), r::toString);
    assertTrue(
        r.out()
            .contains(
                "Note: skipped 1 unreadable image (on_bad_record: skip); the first: " + victim),
        r::toString);
    Files.write(victim, new byte[0]);
    r = cli(CNN, "train", root, false, ONE_EPOCH);
    assertTrue(r.err().contains(victim + ": cannot read the image"), r::toString);
  }
}
