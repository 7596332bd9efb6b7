package io.github.finetune4j.data;

import static io.github.finetune4j.data.TestFiles.concat;
import static io.github.finetune4j.data.TestFiles.gzip;
import static io.github.finetune4j.data.TestFiles.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading numeric tables from real CSV files, including the hostile ones, and standardizing. */
class CsvSourceTest {

  /** The committed datasets (scikit-learn's copies, see data/README.md and each NOTICE). */
  private static final Path DATA = Path.of("data");

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  // ---- happy paths ----

  @Test
  void readsAClassificationTableWithDeclaredClasses() throws Exception {
    Path f =
        write(
            "flowers.csv",
            "id,petal,sepal,species,note\n"
                + "a1,1.5,-2,cat,first\n"
                + "a2,  3 ,4.25e1,dog,\n"
                + "a3,-0.5,.5,cat,x\n");
    TabularData data =
        new CsvSource(f, ',', List.of("sepal", "petal"), null)
            .readClassification("species", List.of("dog", "cat"));
    assertTrue(data.isClassification());
    assertEquals(3, data.rows());
    assertEquals(List.of("sepal", "petal"), data.featureNames(), "in the order asked for");
    assertEquals(2, data.featureCount());
    assertArrayEquals(new float[][] {{-2f, 1.5f}, {42.5f, 3f}, {0.5f, -0.5f}}, data.features());
    assertArrayEquals(new int[] {1, 0, 1}, data.labels());
    assertEquals(List.of("dog", "cat"), data.classes());
    assertEquals(0, data.label(1));
    assertEquals(42.5f, data.feature(1, 0));
    assertArrayEquals(new float[] {0.5f, -0.5f}, data.row(2));
    FloatBuffer flat = data.featureBuffer();
    assertEquals(6, flat.remaining());
    assertEquals(42.5f, flat.get(2), "row-major: row 1, column 0");
    assertThrows(ReadOnlyBufferException.class, () -> flat.put(0, 9f));
    data.features()[0][0] = 99f;
    data.labels()[0] = 5;
    assertEquals(-2f, data.feature(0, 0), "features() is a copy");
    assertEquals(1, data.label(0), "labels() is a copy");
    assertThrows(IllegalStateException.class, data::targetNames);
  }

  @Test
  void derivesSortedClassesWhenNoneAreDeclared() throws Exception {
    Path text = write("text.csv", "x,y\n1,b\n2,a\n3,c\n4,a\n");
    TabularData t = new CsvSource(text, ',', null, null).readClassification("y", null);
    assertEquals(List.of("a", "b", "c"), t.classes());
    assertArrayEquals(new int[] {1, 0, 2, 0}, t.labels());
    assertEquals(List.of("x"), t.featureNames());

    Path numbers = write("numbers.csv", "x,y\n1,10\n2,2\n3,1\n4,2\n5,1.5\n");
    TabularData n = new CsvSource(numbers, ',', null, null).readClassification("y", null);
    assertEquals(List.of("1", "1.5", "2", "10"), n.classes(), "by value when all are numbers");
    assertArrayEquals(new int[] {3, 2, 0, 2, 1}, n.labels());
  }

  @Test
  void readsARegressionTableWithAllOtherColumnsAsFeatures() throws Exception {
    Path f = write("houses.csv", "rooms,price,area,tax\n3,250.5,80,1\n4,310,95.5,2\n");
    TabularData data = new CsvSource(f, ',', null, null).readRegression(List.of("tax", "price"));
    assertFalse(data.isClassification());
    assertEquals(List.of("rooms", "area"), data.featureNames());
    assertEquals(List.of("tax", "price"), data.targetNames());
    assertArrayEquals(new float[][] {{3f, 80f}, {4f, 95.5f}}, data.features());
    assertArrayEquals(new float[][] {{1f, 250.5f}, {2f, 310f}}, data.targets());
    assertEquals(310f, data.target(1, 1));
    assertEquals(4, data.targetBuffer().remaining());
    assertThrows(IllegalStateException.class, data::labels);
    assertThrows(IllegalStateException.class, data::classes);
  }

  @Test
  void globsSelectColumnsInHeaderOrderAndSkipTheLabel() throws Exception {
    Path f =
        write(
            "pixels.csv",
            "pixel_1,pixel_0,pixel_10,label,pixel_label,bias,b2\n"
                + "1,0,10,x,7,5,6\n"
                + "2,0,20,y,8,5,6\n");
    CsvSource source = new CsvSource(f, ',', List.of("b?", "pixel_*", "pixel_0", "bias"), null);
    TabularData data = source.readClassification("pixel_label", null);
    assertEquals(
        List.of("b2", "pixel_1", "pixel_0", "pixel_10", "bias"),
        data.featureNames(),
        "a pattern adds its matches in header order, a later name or pattern adds only new ones,"
            + " and the label column is never a feature");
    assertArrayEquals(new float[] {6, 1, 0, 10, 5}, data.row(0));
    assertEquals(List.of("7", "8"), data.classes());

    TabularData all = new CsvSource(f, ',', List.of("*"), null).readClassification("label", null);
    assertEquals(
        List.of("pixel_1", "pixel_0", "pixel_10", "pixel_label", "bias", "b2"), all.featureNames());
    assertEquals(
        List.of("pixel_1", "pixel_10"),
        new CsvSource(f, ',', List.of("pixel_1*"), null)
            .readClassification("label", null)
            .featureNames());
  }

  @Test
  void quotedCellsHoldDelimitersQuotesAndLineBreaks() throws Exception {
    Path f =
        write(
            "quoted.csv",
            "\"a, first\",\"b\"\"\",label\n"
                + "\"1.5\",2,\"red, dark\"\n"
                + "3,\" 4 \",\"two\nlines\"\n"
                + "5,6,\"say \"\"hi\"\"\"\n"
                + "7,x,red\n");
    CsvSource source = new CsvSource(f, ',', null, 3);
    TabularData data = source.readClassification("label", null);
    assertEquals(List.of("a, first", "b\""), data.featureNames());
    assertArrayEquals(new float[][] {{1.5f, 2f}, {3f, 4f}, {5f, 6f}}, data.features());
    assertEquals(List.of("red, dark", "say \"hi\"", "two\nlines"), data.classes());
    assertArrayEquals(new int[] {0, 2, 1}, data.labels());
    assertEquals(
        f + " line 6, column 'b\"': 'x' is not a number",
        fails(new CsvSource(f, ',', null, null), "label").getMessage(),
        "a line break inside a quoted cell counts as a line");
  }

  @Test
  void otherDelimitersAndLineEndings() throws Exception {
    Path semi = write("semi.csv", "a;b;y\r\n1;2,5;3\r\n");
    assertArrayEquals(
        new float[][] {{1f}},
        new CsvSource(semi, ';', List.of("a"), null).readRegression(List.of("y")).features());
    assertEquals(
        semi + " line 2, column 'b': '2,5' is not a number (the decimal separator is a point)",
        assertThrows(
                DataException.class,
                () -> new CsvSource(semi, ';', null, null).readRegression(List.of("y")))
            .getMessage());
    Path tabs = write("tabs.tsv", "a\tb\ty\r1\t2\t3\r4\t5\t6\r");
    TabularData t = new CsvSource(tabs, '\t', null, null).readRegression(List.of("y"));
    assertArrayEquals(new float[][] {{1f, 2f}, {4f, 5f}}, t.features());
    assertArrayEquals(new float[][] {{3f}, {6f}}, t.targets());
    Path blank = write("blank.csv", "\n\na,y\n\n1,2\n   \n3,4\n\n");
    TabularData b = new CsvSource(blank, ',', null, null).readRegression(List.of("y"));
    assertEquals(2, b.rows(), "blank lines, also before the header, are skipped");
    Path late = write("late.csv", "\n\na,y\n\n1,x\n");
    assertEquals(
        late + " line 5, column 'y': 'x' is not a number",
        assertThrows(
                DataException.class,
                () -> new CsvSource(late, ',', null, null).readRegression(List.of("y")))
            .getMessage(),
        "blank lines still count");
  }

  @Test
  void limitKeepsTheFirstRowsAndReadsNoFurther() throws Exception {
    Path f = write("limited.csv", "a,y\n1,p\n2,q\n3,r\nnot,a number\n\"unclosed\n");
    TabularData two = new CsvSource(f, ',', null, 2).readClassification("y", null);
    assertArrayEquals(new float[][] {{1f}, {2f}}, two.features());
    assertEquals(List.of("p", "q"), two.classes());
    assertEquals(3, new CsvSource(f, ',', null, 3).readClassification("y", null).rows());
    assertEquals(
        f + " line 5, column 'a': 'not' is not a number",
        fails(new CsvSource(f, ',', null, 4), "y").getMessage());
  }

  @Test
  void leadingByteOrderMarkIsSkipped() throws Exception {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    byte[] body = utf8("size,y\n1,a\n2,b\n");
    for (Path f :
        List.of(
            writeBytes("bom.csv", concat(bom, body)),
            writeBytes("bom.csv.gz", gzip(concat(bom, body))))) {
      TabularData data = new CsvSource(f, ',', List.of("size"), null).readClassification("y", null);
      assertEquals(List.of("size"), data.featureNames(), f.toString());
      assertArrayEquals(new float[][] {{1f}, {2f}}, data.features());
    }
    Path only = writeBytes("bomonly.csv", bom);
    assertEquals(
        only + ": the file is empty (no header row)",
        fails(new CsvSource(only, ',', null, null), "y").getMessage());
  }

  @Test
  void readsGzipAndWordsBrokenGzipLikeTheJsonLinesSource() throws Exception {
    StringBuilder csv = new StringBuilder("a,b,label\n");
    StringBuilder jsonl = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      String label = i % 3 == 0 ? "ham" : "spam";
      csv.append(i).append(',').append(i * 0.5).append(',').append(label).append('\n');
      jsonl
          .append("{\"text\": \"")
          .append(i)
          .append("\", \"label\": \"")
          .append(label)
          .append("\"}\n");
    }
    byte[] whole = gzip(utf8(csv.toString()));
    Path ok = writeBytes("ok.csv.gz", whole);
    TabularData data =
        new CsvSource(ok, ',', null, null).readClassification("label", List.of("ham", "spam"));
    assertEquals(3000, data.rows());
    assertEquals(1499.5f, data.feature(2999, 1));
    assertEquals(1, data.label(2999));

    List<Path> broken = brokenGzip("csv", whole, utf8("a,label\n1,ham\n"));
    List<Path> brokenJsonl =
        brokenGzip("jsonl", gzip(utf8(jsonl.toString())), utf8("{\"text\": \"a\"}\n"));
    List<String> expected =
        List.of(
            ": not a gzip file (empty or truncated)",
            ": not a gzip file (empty or truncated)",
            ": gzip data ends early (truncated file)",
            ": gzip data ends early (truncated file)",
            ": gzip data ends early (truncated file)",
            ": gzip data is corrupt (corrupt gzip trailer)",
            ": not a gzip file (the name ends in .gz but the content is not gzip-compressed)");
    for (int i = 0; i < broken.size(); i++) {
      Path f = broken.get(i);
      assertEquals(
          f + expected.get(i), fails(new CsvSource(f, ',', null, null), "label").getMessage());
      Path j = brokenJsonl.get(i);
      String fromJsonl =
          assertThrows(
                  DataException.class,
                  () -> new TextJsonlSource(j, "text", "label", null).read(List.of("ham", "spam")))
              .getMessage();
      assertEquals(j + expected.get(i), fromJsonl, "TextJsonlSource words " + j.getFileName());
    }
  }

  /** The same damage done to a gzip file's bytes: cuts, a bad check value, and plain content. */
  private List<Path> brokenGzip(String kind, byte[] whole, byte[] plain) throws IOException {
    List<Path> out = new ArrayList<>();
    for (int keep : new int[] {0, 5, 10, whole.length / 2, whole.length - 1}) {
      out.add(writeBytes("cut" + keep + "." + kind + ".gz", Arrays.copyOf(whole, keep)));
    }
    byte[] crc = whole.clone();
    crc[crc.length - 8] ^= 1;
    out.add(writeBytes("crc." + kind + ".gz", crc));
    out.add(writeBytes("plain." + kind + ".gz", plain));
    return out;
  }

  // ---- errors in cells ----

  @Test
  void firstBadCellNamesLineColumnAndCell() throws Exception {
    String[][] cases = {
      {"abc", "'abc' is not a number"},
      {"NaN", "'NaN' is not a number"},
      {"-Infinity", "'-Infinity' is not a number"},
      {"0x1p3", "'0x1p3' is not a number"},
      {"1f", "'1f' is not a number"},
      {"1e", "'1e' is not a number"},
      {".", "'.' is not a number"},
      {"1 2", "'1 2' is not a number"},
      {"1e39", "'1e39' is beyond the range of a 32-bit float (about 3.4e38)"},
      {"\"\"", "empty cell (a number is needed)"},
      {"  ", "empty cell (a number is needed)"},
      {
        "\"" + "7".repeat(30) + "x" + "8".repeat(30) + "\"",
        "'" + "7".repeat(30) + "x" + "8".repeat(9) + "…' (61 characters) is not a number"
      },
    };
    for (String[] c : cases) {
      Path f = write("cell.csv", "good,bad value,y\n1,2,a\n3," + c[0] + ",b\n5,zzz,a\n");
      assertEquals(
          f + " line 3, column 'bad value': " + c[1],
          fails(new CsvSource(f, ',', null, null), "y").getMessage(),
          c[0]);
    }
    Path target = write("target.csv", "x,y\n1,2\n3,\n");
    assertEquals(
        target + " line 3, column 'y': empty cell (a number is needed)",
        assertThrows(
                DataException.class,
                () -> new CsvSource(target, ',', null, null).readRegression(List.of("y")))
            .getMessage());
    Path numbers = write("numbers.csv", "x,y\n-0,1\n+2.5E+2,2\n1e-50,3\n007.,4\n");
    assertArrayEquals(
        new float[][] {{-0f}, {250f}, {0f}, {7f}},
        new CsvSource(numbers, ',', null, null).readRegression(List.of("y")).features());
  }

  @Test
  void labelsMustBePresentAndDeclared() throws Exception {
    Path empty = write("nolabel.csv", "x,species\n1,cat\n2,\"\"\n");
    assertEquals(
        empty + " line 3, column 'species': empty cell (every row needs a label)",
        fails(new CsvSource(empty, ',', null, null), "species").getMessage());
    Path undeclared = write("undeclared.csv", "x,species\n1,cat\n2,cow\n");
    assertEquals(
        undeclared
            + " line 3, column 'species': label 'cow' is not one of the declared classes"
            + " [cat, dog] (head.classes)",
        assertThrows(
                DataException.class,
                () ->
                    new CsvSource(undeclared, ',', null, null)
                        .readClassification("species", List.of("cat", "dog")))
            .getMessage());
    Path one = write("one.csv", "x,species\n1,cat\n2,cat\n");
    assertEquals(
        one
            + ": column 'species' holds only the label 'cat'; a classifier needs two or more"
            + " classes",
        fails(new CsvSource(one, ',', null, null), "species").getMessage());
  }

  @Test
  void invalidUtf8IsReadAsReplacementCharacters() throws Exception {
    byte[] e9 = {(byte) 0xE9};
    Path cell = writeBytes("latin1.csv", concat(utf8("x,y\n1"), e9, utf8(",a\n")));
    assertEquals(
        cell + " line 2, column 'x': '1\uFFFD' is not a number",
        fails(new CsvSource(cell, ',', null, null), "y").getMessage());
    Path label = writeBytes("latin1label.csv", concat(utf8("x,y\n1,caf"), e9, utf8("\n")));
    assertEquals(
        label + " line 2, column 'y': the label 'caf\uFFFD' holds bytes that are not valid UTF-8",
        fails(new CsvSource(label, ',', null, null), "y").getMessage());
  }

  @Test
  void aFileInUtf16IsNamedAsSuch() throws Exception {
    // Found by DataFuzzTest: a table saved as UTF-16 was refused for "label column 'y' is not in
    // the header (columns: ��\u0000x\u0000...)".
    String table = "x,y\n1,a\n2,b\n";
    for (var c :
        List.of(
            List.of("UTF-16", "big-endian"),
            List.of("UTF-16BE", "big-endian"),
            List.of("UTF-16LE", "little-endian"))) {
      Path f = writeBytes("wide.csv", table.getBytes(java.nio.charset.Charset.forName(c.get(0))));
      assertEquals(
          f + ": the file is in UTF-16 (" + c.get(1) + "), not UTF-8; save it as UTF-8",
          fails(new CsvSource(f, ',', null, null), "y").getMessage(),
          c.get(0));
    }
    Path bom =
        writeBytes(
            "bom16.csv.gz",
            gzip(
                concat(
                    new byte[] {(byte) 0xFF, (byte) 0xFE},
                    table.getBytes(StandardCharsets.UTF_16LE))));
    assertEquals(
        bom + ": the file is in UTF-16 (little-endian), not UTF-8; save it as UTF-8",
        fails(new CsvSource(bom, ',', null, null), "y").getMessage());
  }

  @Test
  void aColumnReadMustBeNamedInUtf8() throws Exception {
    // Found by DataFuzzTest: a Latin-1 'é' in a feature's name was read as the feature 'r\uFFFDe'.
    byte[] e9 = {(byte) 0xE9};
    Path f = writeBytes("latin1name.csv", concat(utf8("r"), e9, utf8(",z,y\n1,2,a\n3,4,b\n")));
    assertEquals(
        f
            + " line 1: the name of column 1, 'r\uFFFD', holds bytes that are not valid UTF-8 (save"
            + " the file as UTF-8)",
        fails(new CsvSource(f, ',', null, null), "y").getMessage());
    TabularData z = new CsvSource(f, ',', List.of("z"), null).readClassification("y", null);
    assertArrayEquals(new float[][] {{2f}, {4f}}, z.features(), "a column not read may");
  }

  // ---- errors in the shape of the file ----

  @Test
  void aFileThatEndsInsideALineIsRefusedAsCutShort() throws Exception {
    // Found by DataFuzzTest: iris.csv cut inside its last line read 'virgi' as a class (and a
    // number cut from 12.5 to 1 read as 1).
    String message =
        " line 3: the last line does not end with a line break, as in a file cut short; if the"
            + " file is complete, end it with a line break";
    Path cut = write("cut.csv", "y,x\na,12.5\nb,1");
    assertEquals(cut + message, fails(new CsvSource(cut, ',', null, null), "y").getMessage());
    assertEquals(
        cut + message,
        assertThrows(
                DataException.class,
                () -> new CsvSource(cut, ',', null, 2).readClassification("y", List.of("a", "b")))
            .getMessage(),
        "the limit reaches the last line");
    assertEquals(
        1,
        new CsvSource(cut, ',', null, 1).readClassification("y", List.of("a", "b")).rows(),
        "the limit stops before the last line");
    Path gz = writeBytes("cut.csv.gz", gzip(utf8("y,x\na,12.5\nb,1")));
    assertEquals(gz + message, fails(new CsvSource(gz, ',', null, null), "y").getMessage());
    Path quoted = write("quoted.csv", "y,x\na,12.5\n\"b\nc\",1");
    assertEquals(
        quoted + " line 4" + message.substring(" line 3".length()),
        fails(new CsvSource(quoted, ',', null, null), "y").getMessage());
    Path header = write("header.csv", "y,x");
    assertEquals(
        header + " line 1" + message.substring(" line 3".length()),
        fails(new CsvSource(header, ',', null, null), "y").getMessage());
    for (String end : List.of("\n", "\r\n", "\r", "\n\n", "\n  \t")) {
      Path f = write("whole.csv", "y,x\na,12.5\nb,1" + end);
      TabularData t = new CsvSource(f, ',', null, null).readClassification("y", null);
      assertArrayEquals(new float[][] {{12.5f}, {1f}}, t.features(), end);
    }
  }

  @Test
  void rowsMustHaveOneCellPerColumn() throws Exception {
    Path f = write("ragged.csv", "a,b,y\n1,2,p\n3,4\n");
    assertEquals(
        f + " line 3: the row has 2 cells, but the header has 3 columns",
        fails(new CsvSource(f, ',', null, null), "y").getMessage());
    Path wide = write("wide.csv", "a,y\n1,p,extra\n");
    assertEquals(
        wide + " line 2: the row has 3 cells, but the header has 2 columns",
        fails(new CsvSource(wide, ',', null, null), "y").getMessage());
  }

  @Test
  void brokenQuotingIsNamedWithItsLine() throws Exception {
    Path open = write("open.csv", "a,y\n1,p\n2,\"q\n3,r\n");
    assertEquals(
        open
            + " line 3: a quoted cell is not closed (its closing quote is missing before the end"
            + " of the file)",
        fails(new CsvSource(open, ',', null, null), "y").getMessage());
    Path after = write("after.csv", "a,y\n1,p\n2,\"q\"x\n");
    assertEquals(
        after
            + " line 3: text follows the closing quote of a quoted cell (a quote inside a quoted"
            + " cell is written twice: \"\")",
        fails(new CsvSource(after, ',', null, null), "y").getMessage());
  }

  @Test
  void emptyFilesSaySo() throws Exception {
    Path none = write("none.csv", "");
    assertEquals(
        none + ": the file is empty (no header row)",
        fails(new CsvSource(none, ',', null, null), "y").getMessage());
    Path blank = write("blank.csv", "\n \n");
    assertEquals(
        blank + ": the file is empty (no header row)",
        fails(new CsvSource(blank, ',', null, null), "y").getMessage());
    Path header = write("header.csv", "a,y\n\n");
    assertEquals(
        header + ": the dataset is empty (no rows after the header)",
        fails(new CsvSource(header, ',', null, null), "y").getMessage());
    Path gz = writeBytes("header.csv.gz", gzip(utf8("a,y\n")));
    assertEquals(
        gz + ": the dataset is empty (no rows after the header)",
        fails(new CsvSource(gz, ',', null, null), "y").getMessage());
  }

  @Test
  void missingFilesAndDirectoriesAreNamed() throws Exception {
    Path missing = tmp.resolve("missing.csv");
    assertEquals(
        missing + ": data file not found",
        fails(new CsvSource(missing, ',', null, null), "y").getMessage());
    Path dir = Files.createDirectory(tmp.resolve("train.csv"));
    assertEquals(
        dir + ": is a directory, not a data file",
        fails(new CsvSource(dir, ',', null, null), "y").getMessage());
  }

  // ---- errors in the header and the column selection ----

  @Test
  void duplicateHeaderNamesAreAnError() throws Exception {
    Path f = write("dup.csv", "\n a ,b,\"a\",y\n1,2,3,p\n");
    assertEquals(
        f + " line 2: the header names column 'a' twice (columns 1 and 3)",
        fails(new CsvSource(f, ',', List.of("b"), null), "y").getMessage());
  }

  @Test
  void unnamedColumnsCanOnlyBeSkipped() throws Exception {
    Path f = write("index.csv", ",x,,y\n0,1.5,a,p\n1,2.5,b,q\n");
    assertEquals(
        f
            + " line 1: column 1 has no name in the header; name it, or list the feature columns to"
            + " read",
        fails(new CsvSource(f, ',', null, null), "y").getMessage());
    TabularData data = new CsvSource(f, ',', List.of("*"), null).readClassification("y", null);
    assertEquals(List.of("x"), data.featureNames(), "a pattern never matches an unnamed column");
    assertEquals(
        f + ": feature column 'z' is not in the header (columns: (no name), x, (no name), y)",
        fails(new CsvSource(f, ',', List.of("z"), null), "y").getMessage());
  }

  @Test
  void unknownColumnsListTheColumnsThereAre() throws Exception {
    Path f = write("small.csv", "alpha,beta,gamma\n1,2,3\n");
    assertEquals(
        f + ": feature column 'delta' is not in the header (columns: alpha, beta, gamma)",
        fails(new CsvSource(f, ',', List.of("alpha", "delta"), null), "gamma").getMessage());
    assertEquals(
        f + ": label column 'Gamma' is not in the header (columns: alpha, beta, gamma)",
        fails(new CsvSource(f, ',', null, null), "Gamma").getMessage(),
        "names are case-sensitive");
    assertEquals(
        f + ": target column 'omega' is not in the header (columns: alpha, beta, gamma)",
        assertThrows(
                DataException.class,
                () -> new CsvSource(f, ',', null, null).readRegression(List.of("gamma", "omega")))
            .getMessage());
    assertEquals(
        f + ": feature pattern 'pixel_*' matches no column (columns: alpha, beta, gamma)",
        fails(new CsvSource(f, ',', List.of("pixel_*"), null), "gamma").getMessage());
    assertEquals(
        f + ": feature pattern 'gam?a' matches only the label column 'gamma'",
        fails(new CsvSource(f, ',', List.of("gam?a"), null), "gamma").getMessage());
    assertEquals(
        f + ": feature pattern '?????' matches only target columns 'alpha', 'gamma'",
        assertThrows(
                DataException.class,
                () ->
                    new CsvSource(f, ',', List.of("beta", "?????"), null)
                        .readRegression(List.of("alpha", "gamma")))
            .getMessage());

    StringBuilder header = new StringBuilder();
    StringBuilder row = new StringBuilder();
    for (int i = 0; i < 25; i++) {
      header.append(i == 0 ? "" : ",").append("column_").append(i);
      row.append(i == 0 ? "" : ",").append(i);
    }
    header.append(",").append("a_very_long_column_name_".repeat(3));
    row.append(",0");
    Path wide = write("wide.csv", header + "\n" + row + "\n");
    StringBuilder listed = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      listed.append(i == 0 ? "" : ", ").append("column_").append(i);
    }
    assertEquals(
        wide + ": label column 'label' is not in the header (columns: " + listed + " and 6 more)",
        fails(new CsvSource(wide, ',', null, null), "label").getMessage());
    assertEquals(
        wide
            + ": feature column '"
            + "x".repeat(40)
            + "…' (50 characters) is not in the header"
            + " (columns: "
            + listed
            + " and 6 more)",
        fails(new CsvSource(wide, ',', List.of("x".repeat(50)), null), "column_0").getMessage());
  }

  @Test
  void labelAndTargetsCannotBeFeatures() throws Exception {
    Path f = write("t.csv", "a,b,y\n1,2,3\n");
    assertEquals(
        f + ": column 'y' is the label column and cannot also be a feature",
        fails(new CsvSource(f, ',', List.of("a", "y"), null), "y").getMessage());
    assertEquals(
        f + ": column 'b' is a target column and cannot also be a feature",
        assertThrows(
                DataException.class,
                () -> new CsvSource(f, ',', List.of("b"), null).readRegression(List.of("y", "b")))
            .getMessage());
    assertEquals(
        f + ": feature column 'a' is listed twice",
        fails(new CsvSource(f, ',', List.of("a", "b", "a"), null), "y").getMessage());
    assertEquals(
        f + ": target column 'y' is listed twice",
        assertThrows(
                DataException.class,
                () -> new CsvSource(f, ',', null, null).readRegression(List.of("y", "y")))
            .getMessage());
    Path only = write("only.csv", "y\n1\n");
    assertEquals(
        only + ": no feature columns (the header has only the label column 'y')",
        fails(new CsvSource(only, ',', null, null), "y").getMessage());
    Path targets = write("targets.csv", "y,z\n1,2\n");
    assertEquals(
        targets + ": no feature columns (the header has only target columns 'y', 'z')",
        assertThrows(
                DataException.class,
                () -> new CsvSource(targets, ',', null, null).readRegression(List.of("y", "z")))
            .getMessage());
  }

  @Test
  void badOptionsAreRejectedUpFront() {
    Path f = tmp.resolve("any.csv");
    assertEquals(
        "the delimiter cannot be a quote or a line break, got '\"'",
        assertThrows(IllegalArgumentException.class, () -> new CsvSource(f, '"', null, null))
            .getMessage());
    assertEquals(
        "the delimiter cannot be a quote or a line break, got '\\n'",
        assertThrows(IllegalArgumentException.class, () -> new CsvSource(f, '\n', null, null))
            .getMessage());
    assertEquals(
        "the limit must be at least 1, got 0",
        assertThrows(IllegalArgumentException.class, () -> new CsvSource(f, ',', null, 0))
            .getMessage());
    assertEquals(
        "the feature columns include an empty name",
        assertThrows(
                IllegalArgumentException.class, () -> new CsvSource(f, ',', List.of(" "), null))
            .getMessage());
    CsvSource s = new CsvSource(f, ',', null, null);
    assertThrows(IllegalArgumentException.class, () -> s.readClassification(null, null));
    assertThrows(IllegalArgumentException.class, () -> s.readRegression(List.of()));
  }

  @Test
  void noMessageNamesTheParserOrAJavaType() throws Exception {
    List<Path> files =
        List.of(
            write("m1.csv", "a,y\n1,\"p\n"),
            write("m2.csv", "a,y\n1,\"p\"q\n"),
            write("m3.csv", "a,a\n"),
            writeBytes("m4.csv.gz", Arrays.copyOf(gzip(utf8("a,y\n1,2\n".repeat(500))), 40)),
            write("m5.csv", "a,y\n,p\n"));
    for (Path f : files) {
      String m = fails(new CsvSource(f, ',', null, null), "y").getMessage();
      assertTrue(m.startsWith(f + " line ") || m.startsWith(f + ": "), m);
      for (String word : List.of("Exception", "CSV", "null", "encapsulated", "token", "EOF")) {
        assertFalse(m.contains(word), word + " in: " + m);
      }
    }
  }

  // ---- standardizer ----

  @Test
  void standardizerMatchesHandComputedStatistics() throws Exception {
    // Column a: 1 2 3 4    mean 2.5, deviations ±1.5 ±0.5, squares 5 / 4 rows = 1.25, std √1.25
    // Column k: 10 x4      constant: std 1, maps to 0
    // Column c: -2 0 0 6   mean 1, deviations -3 -1 -1 5, squares 36 / 4 = 9, std 3
    Path f = write("train.csv", "a,k,c,y\n1,10,-2,p\n2,10,0,q\n3,10,0,p\n4,10,6,q\n5,7,1,p\n");
    TabularData all = new CsvSource(f, ',', null, null).readClassification("y", null);
    TabularData train = all.select(new int[] {0, 1, 2, 3});
    TabularData validation = all.select(new int[] {4});
    Standardizer s = Standardizer.fit(train);
    assertEquals(List.of("a", "k", "c"), s.featureNames());
    assertArrayEquals(new double[] {2.5, 10, 1}, s.means(), 1e-15);
    assertArrayEquals(new double[] {Math.sqrt(1.25), 1, 3}, s.stds(), 1e-15);
    assertEquals(List.of("k"), s.constantColumns());

    TabularData z = s.apply(train);
    double r5 = Math.sqrt(5); // 1.5 / √1.25 = 3 / √5, 0.5 / √1.25 = 1 / √5
    float[][] expected = {
      {(float) (-3 / r5), 0, -1},
      {(float) (-1 / r5), 0, (float) (-1.0 / 3)},
      {(float) (1 / r5), 0, (float) (-1.0 / 3)},
      {(float) (3 / r5), 0, (float) (5.0 / 3)},
    };
    for (int r = 0; r < 4; r++) {
      assertArrayEquals(expected[r], z.row(r), 1e-6f, "row " + r);
    }
    assertArrayEquals(train.labels(), z.labels(), "labels are kept");
    assertArrayEquals(
        new float[] {(float) r5, -3f, 0f},
        s.apply(validation).row(0),
        1e-6f,
        "the validation row uses the training statistics: (5 - 2.5) / √1.25 = √5,"
            + " (7 - 10) / 1");
    assertArrayEquals(s.apply(validation).row(0), s.apply(new float[] {5, 7, 1}));
    assertEquals(-1f, Standardizer.fit(train).apply(train).feature(0, 2), 1e-7f, "(-2 - 1) / 3");
  }

  @Test
  void constantColumnsKeepTheirValueAsMeanAndMapToZero() {
    TabularData t =
        TabularData.regression(
            List.of("c", "x", "d"),
            new float[] {0.1f, 1, -7.25f, 0.1f, 2, -7.25f, 0.1f, 3, -7.25f},
            List.of("y"),
            new float[] {1, 2, 3});
    Standardizer s = Standardizer.fit(t);
    assertEquals(List.of("c", "d"), s.constantColumns());
    assertArrayEquals(new double[] {0.1f, 2, -7.25}, s.means(), 0.0);
    assertArrayEquals(new double[] {1, Math.sqrt(2.0 / 3), 1}, s.stds(), 1e-15);
    TabularData z = s.apply(t);
    for (int r = 0; r < 3; r++) {
      assertEquals(0f, z.feature(r, 0), "row " + r);
      assertEquals(0f, z.feature(r, 2), "row " + r);
    }
    assertArrayEquals(
        new float[] {0.5f, 0f, -0.25f},
        s.apply(new float[] {0.6f, 2, -7.5f}),
        1e-6f,
        "a value unseen in training moves by its difference only");
    assertArrayEquals(new float[][] {{1}, {2}, {3}}, z.targets(), "targets are kept");
  }

  @Test
  void standardizerJsonRoundTripsExactly() throws Exception {
    TabularData t =
        TabularData.regression(
            List.of("x", "k", "z"),
            new float[] {0.1f, 5, 1e-3f, 0.7f, 5, 2e-3f, 1.3f, 5, -4e-3f},
            List.of("y"),
            new float[] {1, 2, 3});
    Standardizer s = Standardizer.fit(t);
    ObjectNode json = s.toJson();
    assertEquals("standardize", json.get("type").asText());
    assertEquals("[\"x\",\"k\",\"z\"]", json.get("features").toString());
    assertEquals("[\"k\"]", json.get("constant").toString());
    JsonNode back = JSON.readTree(JSON.writeValueAsString(json));
    Standardizer r = Standardizer.fromJson(back);
    assertArrayEquals(s.means(), r.means(), 0.0);
    assertArrayEquals(s.stds(), r.stds(), 0.0);
    assertEquals(s.featureNames(), r.featureNames());
    assertEquals(s.constantColumns(), r.constantColumns());
    assertArrayEquals(s.apply(t).features(), r.apply(t).features());
  }

  @Test
  void theIdentityKeepsEveryValueAndRecordsThatNoTransformApplies() throws Exception {
    TabularData t =
        TabularData.regression(
            List.of("x", "k"), new float[] {1e6f, 5, -3.5f, 5}, List.of("y"), new float[] {1, 2});
    Standardizer id = Standardizer.identity(t.featureNames());
    assertTrue(id.isIdentity());
    assertFalse(Standardizer.fit(t).isIdentity());
    assertArrayEquals(t.features(), id.apply(t).features());
    float[] row = {1e6f, -0f};
    assertArrayEquals(row, id.apply(row));
    assertEquals("{\"type\":\"none\",\"features\":[\"x\",\"k\"]}", id.toJson().toString());
    Standardizer back = Standardizer.fromJson(JSON.readTree(id.toJson().toString()));
    assertTrue(back.isIdentity());
    assertEquals(List.of("x", "k"), back.featureNames());
    assertEquals(List.of(), back.constantColumns());
    JsonNode stray = JSON.readTree("{\"type\":\"none\",\"features\":[\"x\"],\"mean\":[0]}");
    assertEquals(
        "standardizer: type \"none\" (features fed as they are) has no field 'mean'",
        assertThrows(IllegalArgumentException.class, () -> Standardizer.fromJson(stray))
            .getMessage());
  }

  @Test
  void standardizerRejectsWhatItCannotUse() throws Exception {
    TabularData t =
        TabularData.regression(
            List.of("a", "b"), new float[] {1, 2, 4, 6}, List.of("y"), new float[] {0, 1});
    Standardizer s = Standardizer.fit(t);
    TabularData other =
        TabularData.regression(
            List.of("b", "a"), new float[] {1, 2}, List.of("y"), new float[] {0});
    assertEquals(
        "the table's feature columns [b, a] are not the ones the standardizer was fitted on [a, b]",
        assertThrows(IllegalArgumentException.class, () -> s.apply(other)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> s.apply(new float[] {1}));
    assertThrows(IllegalArgumentException.class, () -> Standardizer.fit(t.select(new int[0])));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Standardizer.fit(
                TabularData.regression(
                    List.of("a"), new float[] {Float.NaN}, List.of("y"), new float[] {0})));
    String good = JSON.writeValueAsString(s.toJson());
    String[][] bad = {
      {
        "\"type\":\"standardize\"",
        "\"type\":\"minmax\"",
        "standardizer: field 'type' must be \"standardize\" or \"none\""
      },
      {"\"mean\":[", "\"mean\":[0,", "standardizer: field 'mean' must be a list of 2 numbers"},
      {"\"std\":[", "\"std\":[0,", "standardizer: field 'std' must be a list of 2 numbers"},
      {
        "\"features\":[\"a\",\"b\"]",
        "\"features\":[\"a\",\"a\"]",
        "standardizer: field 'features' repeats a name"
      },
      {
        "\"constant\":[]",
        "\"constant\":[\"a\"]",
        "standardizer: field 'constant' must list, in feature order, features whose 'std' is 1"
      },
    };
    for (String[] b : bad) {
      assertTrue(good.contains(b[0]), good);
      JsonNode node = JSON.readTree(good.replace(b[0], b[1]));
      assertEquals(
          b[2],
          assertThrows(IllegalArgumentException.class, () -> Standardizer.fromJson(node))
              .getMessage());
    }
    ObjectNode zero = s.toJson();
    zero.putArray("std").add(1.0).add(0.0);
    assertEquals(
        "standardizer: field 'std' must hold only numbers above 0",
        assertThrows(IllegalArgumentException.class, () -> Standardizer.fromJson(zero))
            .getMessage());
  }

  // ---- real public datasets (committed under data/, from scikit-learn's copies) ----

  /**
   * Fisher's iris data (data/iris/iris.csv, from scikit-learn's copy with a header row and the
   * species named). The means and population standard deviations were computed independently (the
   * sums of the 150 values are 876.5, 458.6, 563.7 and 179.9; the data set's description gives them
   * rounded as 5.84, 3.05, 3.76, 1.20 and SDs 0.83, 0.43, 1.76, 0.76).
   */
  @Test
  void readsTheCommittedIris() throws Exception {
    Path iris = DATA.resolve("iris/iris.csv");
    TabularData data = new CsvSource(iris, ',', null, null).readClassification("species", null);
    assertEquals(150, data.rows());
    assertEquals(
        List.of("sepal_length", "sepal_width", "petal_length", "petal_width"), data.featureNames());
    assertEquals(List.of("setosa", "versicolor", "virginica"), data.classes());
    int[] counts = new int[3];
    for (int label : data.labels()) {
      counts[label]++;
    }
    assertArrayEquals(new int[] {50, 50, 50}, counts);
    assertArrayEquals(new float[] {5.1f, 3.5f, 1.4f, 0.2f}, data.row(0));
    assertEquals(0, data.label(0));
    assertArrayEquals(new float[] {5.9f, 3.0f, 5.1f, 1.8f}, data.row(149));
    assertEquals(2, data.label(149));
    Standardizer s = Standardizer.fit(data);
    assertArrayEquals(
        new double[] {876.5 / 150, 458.6 / 150, 563.7 / 150, 179.9 / 150}, s.means(), 1e-6);
    assertArrayEquals(new double[] {0.8253013, 0.4344110, 1.7594041, 0.7596926}, s.stds(), 1e-6);
    assertEquals(List.of(), s.constantColumns());
    TabularData z = s.apply(data);
    Standardizer again = Standardizer.fit(z);
    assertArrayEquals(new double[4], again.means(), 1e-6, "standardized means are 0");
    assertArrayEquals(new double[] {1, 1, 1, 1}, again.stds(), 1e-6, "and SDs 1");
  }

  /**
   * Linnerud's data (data/linnerud/linnerud.csv): three exercise columns as features, three
   * physiological ones as targets. The sums of Chins, Situps and Jumps over the 20 men are 189,
   * 2911 and 1406. The same table with single spaces for delimiters (as scikit-learn ships it)
   * reads the same.
   */
  @Test
  void readsTheCommittedLinnerudAsMultiTargetRegression() throws Exception {
    Path f = DATA.resolve("linnerud/linnerud.csv");
    TabularData data =
        new CsvSource(f, ',', null, null).readRegression(List.of("Weight", "Waist", "Pulse"));
    assertEquals(20, data.rows());
    assertEquals(List.of("Chins", "Situps", "Jumps"), data.featureNames());
    assertEquals(List.of("Weight", "Waist", "Pulse"), data.targetNames());
    assertArrayEquals(new float[] {5, 162, 60}, data.row(0));
    assertArrayEquals(new float[] {191, 36, 50}, data.targets()[0]);
    assertArrayEquals(new float[] {2, 110, 43}, data.row(19));
    assertArrayEquals(new float[] {138, 33, 68}, data.targets()[19]);
    assertEquals(247f, data.target(13, 0));
    assertArrayEquals(new double[] {9.45, 145.55, 70.3}, Standardizer.fit(data).means(), 1e-9);

    Path spaced = write("linnerud.txt", Files.readString(f).replace(',', ' '));
    TabularData jumps =
        new CsvSource(spaced, ' ', List.of("Chins", "Situps"), null)
            .readRegression(List.of("Jumps"));
    assertEquals(List.of("Chins", "Situps"), jumps.featureNames());
    assertArrayEquals(new float[] {5, 162}, jumps.row(0));
    assertEquals(60f, jumps.target(0, 0));
    assertArrayEquals(new float[] {2, 110}, jumps.row(19));
    assertEquals(43f, jumps.target(19, 0));
    assertArrayEquals(new double[] {9.45, 145.55}, Standardizer.fit(jumps).means(), 1e-9);
  }

  /**
   * The raw diabetes data's training split (data/diabetes/train.csv) as regression on
   * 'progression'. Its rows keep source order: row 5 is line 7 of scikit-learn's
   * diabetes_data_raw.csv.gz and diabetes_target.csv.gz (line 6 went to valid.csv), the last row is
   * line 442; the expected values are those lines, "36 2 22.0 90.0 160 99.6 50.0 3.0 3.9512 82"
   * with "1.380000000000000000e+02" and "36 1 19.6 71.0 250 133.2 97.0 3.0 4.5951 92" with
   * "5.700000000000000000e+01".
   */
  @Test
  void readsTheCommittedDiabetesTrainingSplitAsRegression() throws Exception {
    TabularData train =
        new CsvSource(DATA.resolve("diabetes/train.csv"), ',', null, null)
            .readRegression(List.of("progression"));
    assertEquals(300, train.rows());
    assertEquals(
        List.of("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"),
        train.featureNames());
    assertEquals(List.of("progression"), train.targetNames());
    assertArrayEquals(
        new float[] {36, 2, 22.0f, 90.0f, 160, 99.6f, 50.0f, 3.0f, 3.9512f, 82}, train.row(5));
    assertEquals(138f, train.target(5, 0));
    assertArrayEquals(
        new float[] {36, 1, 19.6f, 71.0f, 250, 133.2f, 97.0f, 3.0f, 4.5951f, 92}, train.row(299));
    assertEquals(57f, train.target(299, 0));
    int rows = train.rows();
    for (String split : List.of("valid", "test")) {
      rows +=
          new CsvSource(DATA.resolve("diabetes/" + split + ".csv"), ',', null, null)
              .readRegression(List.of("progression"))
              .rows();
    }
    assertEquals(442, rows, "train, valid and test together hold all 442 patients");
  }

  // ---- helpers ----

  private static DataException fails(CsvSource source, String label) {
    return assertThrows(DataException.class, () -> source.readClassification(label, null));
  }

  private Path write(String name, String text) throws IOException {
    return writeBytes(name, utf8(text));
  }

  private Path writeBytes(String name, byte[] bytes) throws IOException {
    return TestFiles.write(tmp, name, bytes);
  }
}
