package io.github.finetune4j.model.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextTokenizerTest {

  private static final long CLS = 101;
  private static final long SEP = 102;

  @Test
  void encodesPadsAndTruncates() throws IOException {
    try (TextTokenizer tok = TextTokenizer.miniLm(8);
        NDManager m = NDManager.newBaseManager()) {
      assertArrayEquals(new long[] {CLS, 7592, 2088, SEP}, tok.ids("Hello world"));
      String longText = "one two three four five six seven eight nine ten eleven";
      try (TextTokenizer.Batch b = tok.encode(List.of("Hello world", longText), m)) {
        assertEquals(new Shape(2, 8), b.inputIds().getShape());
        assertEquals(DataType.INT64, b.inputIds().getDataType());
        assertEquals(DataType.INT64, b.attentionMask().getDataType());
        long[] ids = b.inputIds().toLongArray();
        assertArrayEquals(new long[] {CLS, 7592, 2088, SEP, 0, 0, 0, 0}, slice(ids, 0, 8));
        assertEquals(CLS, ids[8]);
        assertEquals(SEP, ids[15], "truncated text still ends with [SEP]");
        assertArrayEquals(
            new long[] {1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1},
            b.attentionMask().toLongArray());
        assertArrayEquals(new long[16], b.tokenTypeIds().toLongArray());
        assertEquals(3, b.toNDList().size());
      }
      try (TextTokenizer.Batch b = tok.encode(List.of("a", "b c"), m)) {
        assertEquals(new Shape(2, 4), b.inputIds().getShape(), "pads to the longest only");
      }
      assertThrows(IllegalArgumentException.class, () -> tok.encode(List.of(), m));
    }
  }

  @Test
  void savesAndReloadsFromDirectory(@TempDir Path dir) throws IOException {
    String text = "Exported models carry their tokenizer.";
    try (TextTokenizer original = TextTokenizer.miniLm(32)) {
      Path file = original.save(dir.resolve("model"));
      assertEquals(dir.resolve("model").resolve(TextTokenizer.FILE_NAME), file);
      assertEquals(original.json(), Files.readString(file));
      try (TextTokenizer reloaded = TextTokenizer.fromDirectory(dir.resolve("model"), 32)) {
        assertArrayEquals(original.ids(text), reloaded.ids(text));
        assertEquals(32, reloaded.maxLength());
      }
    }
  }

  @Test
  void missingResourceIsAnIoError() {
    IOException e =
        assertThrows(IOException.class, () -> TextTokenizer.fromResource("nope.json", 16));
    assertTrue(e.getMessage().contains("nope.json"));
  }

  private static long[] slice(long[] a, int from, int to) {
    return Arrays.copyOfRange(a, from, to);
  }
}
