package io.github.finetune4j.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.finetune4j.model.bert.WeightTensor;
import io.github.finetune4j.model.safetensors.TestFiles.Raw;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors reader on small hand-written files: values, conversions, every refusal. */
class SafetensorsReaderTest {

  @TempDir Path dir;

  private static byte[] bytes(int n) {
    return new byte[n];
  }

  private static String entry(String name, String dtype, String shape, long begin, long end) {
    return "\""
        + name
        + "\":{\"dtype\":\""
        + dtype
        + "\",\"shape\":"
        + shape
        + ",\"data_offsets\":["
        + begin
        + ","
        + end
        + "]}";
  }

  private Path file(String header, int dataBytes) throws IOException {
    return TestFiles.write(dir.resolve("model.safetensors"), header, bytes(dataBytes));
  }

  /** Opens (and reads every tensor of) the file, expecting this exact message. */
  private static CheckpointFormatException refused(Path file, String message, String tensor) {
    CheckpointFormatException e =
        assertThrows(
            CheckpointFormatException.class,
            () -> {
              try (SafetensorsReader r = SafetensorsReader.open(file)) {
                for (String name : r.tensors().keySet()) {
                  r.read(name);
                }
              }
            });
    assertEquals(message, e.getMessage());
    assertEquals(Optional.ofNullable(tensor), e.tensor());
    assertEquals(file, e.file());
    return e;
  }

  @Test
  void readsF32F16AndBf16InDataOrder() throws IOException {
    ByteBuffer data = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
    data.putFloat(1.5f).putFloat(-2.25f); // a: F32 [2] at [0, 8)
    data.putShort((short) 0x3c00).putShort((short) 0xc000); // b: F16 [2] = 1, -2 at [8, 12)
    data.putShort((short) 0x3f80).putShort((short) 0x4049); // c: BF16 [1, 2] = 1, 3.140625
    data.putFloat(7f); // s: F32 scalar at [16, 20)
    data.putLong(42); // ids: I64 [1] at [20, 28)
    String header =
        "{"
            + entry("b", "F16", "[2]", 8, 12)
            + ","
            + "\"__metadata__\":{\"format\":\"pt\"},"
            + entry("ids", "I64", "[1]", 20, 28)
            + ","
            + entry("empty", "F32", "[0,3]", 8, 8)
            + ","
            + entry("a", "F32", "[2]", 0, 8)
            + ","
            + entry("c", "BF16", "[1,2]", 12, 16)
            + ","
            + entry("s", "F32", "[]", 16, 20)
            + "}   ";
    Path f = TestFiles.write(dir.resolve("model.safetensors"), header, data.array());
    try (SafetensorsReader r = SafetensorsReader.open(f)) {
      assertEquals(Map.of("format", "pt"), r.metadata());
      assertEquals(List.of("a", "empty", "b", "c", "s", "ids"), List.copyOf(r.tensors().keySet()));
      TensorEntry c = r.tensors().get("c");
      assertEquals(SafetensorsDtype.BF16, c.dtype());
      assertArrayEquals(new long[] {1, 2}, c.shape());
      assertEquals(2, c.elementCount());
      assertEquals(4, c.byteSize());
      assertEquals(new TensorEntry("c", SafetensorsDtype.BF16, new long[] {1, 2}, 12, 16), c);

      assertTensor(r.read("a"), new long[] {2}, 1.5f, -2.25f);
      assertTensor(r.read("b"), new long[] {2}, 1f, -2f);
      assertTensor(r.read("c"), new long[] {1, 2}, 1f, 3.140625f);
      assertTensor(r.read("s"), new long[] {}, 7f);
      assertTensor(r.read("empty"), new long[] {0, 3});
      CheckpointFormatException e =
          assertThrows(CheckpointFormatException.class, () -> r.read("ids"));
      assertEquals(
          "model.safetensors: tensor 'ids' is I64; only F32, F16 and BF16 tensors can be read as"
              + " float32",
          e.getMessage());
      IllegalArgumentException unknown =
          assertThrows(IllegalArgumentException.class, () -> r.read("nope"));
      assertEquals("model.safetensors has no tensor 'nope'", unknown.getMessage());
    }
  }

  private static void assertTensor(WeightTensor t, long[] shape, float... values) {
    assertArrayEquals(shape, t.shape());
    FloatBuffer b = t.data();
    float[] got = new float[b.remaining()];
    b.get(got);
    assertArrayEquals(values, got);
  }

  /**
   * Every one of the 65536 halves against an independent definition: (-1)^s 2^(e-15) (1 + m/1024)
   * for normal numbers, (-1)^s 2^-14 (m/1024) for subnormals, computed in double.
   */
  @Test
  void halfToFloatIsExactForEveryHalf() {
    for (int bits = 0; bits < 0x10000; bits++) {
      final int h = bits;
      int s = h >>> 15;
      int e = (h >>> 10) & 0x1f;
      int m = h & 0x3ff;
      float got = SafetensorsDtype.halfToFloat(h);
      if (e == 0x1f) {
        if (m == 0) {
          assertEquals(s == 0 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY, got);
        } else {
          assertTrue(Float.isNaN(got), Integer.toHexString(h));
          // The payload is kept: the float's top mantissa bits are the half's.
          assertEquals(m, (Float.floatToRawIntBits(got) >>> 13) & 0x3ff);
        }
        continue;
      }
      double magnitude = e == 0 ? Math.scalb(m / 1024.0, -14) : Math.scalb(1 + m / 1024.0, e - 15);
      float expected = (float) (s == 0 ? magnitude : -magnitude);
      assertEquals(
          Float.floatToRawIntBits(expected),
          Float.floatToRawIntBits(got),
          () -> Integer.toHexString(h) + ": " + expected + " vs " + got);
    }
    assertEquals(65504f, SafetensorsDtype.halfToFloat(0x7bff));
    assertEquals(0x1p-24f, SafetensorsDtype.halfToFloat(0x0001));
    assertEquals(0x1p-14f, SafetensorsDtype.halfToFloat(0x0400));
    assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(halfBits(0x8000)));
    assertEquals(SafetensorsDtype.halfToFloat(0x3555), SafetensorsDtype.halfToFloat(0xffff3555));
  }

  private static float halfBits(int bits) {
    return SafetensorsDtype.halfToFloat(bits);
  }

  @Test
  void bfloat16IsTheUpperHalfOfAFloat() {
    for (int h = 0; h < 0x10000; h++) {
      float got = SafetensorsDtype.bfloat16ToFloat(h);
      assertEquals(h << 16, Float.floatToRawIntBits(got));
    }
    assertEquals(1f, SafetensorsDtype.bfloat16ToFloat(0x3f80));
    assertEquals(Float.NEGATIVE_INFINITY, SafetensorsDtype.bfloat16ToFloat(0xff80));
  }

  @Test
  void fileShorterThanTheLengthField() throws IOException {
    Path f = Files.write(dir.resolve("model.safetensors"), bytes(5));
    refused(
        f,
        "model.safetensors: the file is 5 bytes long, too short for the 8-byte header length: it"
            + " is truncated or not a safetensors file",
        null);
  }

  @Test
  void absurdHeaderLength() throws IOException {
    Path f = TestFiles.write(dir.resolve("model.safetensors"), 200_000_000L, bytes(8), bytes(0));
    refused(
        f,
        "model.safetensors: the header length reads 200000000 bytes, over the limit of 100000000:"
            + " this is not a safetensors file",
        null);
    // An unsigned length with the top bit set is absurd too, not negative.
    f = TestFiles.write(dir.resolve("model.safetensors"), -8L, bytes(8), bytes(0));
    refused(
        f,
        "model.safetensors: the header length reads 18446744073709551608 bytes, over the limit of"
            + " 100000000: this is not a safetensors file",
        null);
  }

  @Test
  void gitLfsPointerIsNamed() throws IOException {
    String pointer =
        "version https://git-lfs.github.com/spec/v1\n"
            + "oid sha256:53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db\n"
            + "size 90868376\n";
    Path f = Files.writeString(dir.resolve("model.safetensors"), pointer);
    CheckpointFormatException e =
        assertThrows(CheckpointFormatException.class, () -> SafetensorsReader.open(f));
    assertTrue(
        e.getMessage()
            .endsWith(
                ": this is not a safetensors file (it starts like a Git LFS pointer: fetch the"
                    + " real file with git lfs pull)"),
        e.getMessage());
  }

  @Test
  void headerLongerThanTheFile() throws IOException {
    Path f = TestFiles.write(dir.resolve("model.safetensors"), 1000, bytes(20), bytes(0));
    refused(
        f,
        "model.safetensors: the header length is 1000 bytes but only 20 bytes follow it: the file"
            + " is truncated",
        null);
  }

  @Test
  void headerThatIsNotJson() throws IOException {
    refused(
        file("{\"a\":{\"dtype\":\"F32\",", 0),
        "model.safetensors: the header is not valid JSON (error after 20 of 20 characters)",
        null);
    refused(
        file("{\"a\" 1}", 0),
        "model.safetensors: the header is not valid JSON (error after 5 of 7 characters)",
        null);
    refused(
        file("{} {}", 0),
        "model.safetensors: the header is not valid JSON (error after 3 of 5 characters)",
        null);
  }

  @Test
  void headerThatIsNotUtf8() throws IOException {
    byte[] header = "{\"\u00e9\":1}".getBytes(StandardCharsets.ISO_8859_1);
    Path f = TestFiles.write(dir.resolve("model.safetensors"), header.length, header, bytes(0));
    refused(f, "model.safetensors: the header (7 bytes) is not valid UTF-8", null);
  }

  @Test
  void headerThatIsNotAnObject() throws IOException {
    refused(
        file("[1, 2]", 0), "model.safetensors: the header is not a JSON object but an array", null);
    refused(file("    ", 0), "model.safetensors: the header is not a JSON object but empty", null);
  }

  @Test
  void duplicateName() throws IOException {
    refused(
        file("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("a", "F32", "[1]", 4, 8) + "}", 8),
        "model.safetensors: the header names 'a' twice",
        "a");
  }

  @Test
  void malformedEntries() throws IOException {
    refused(
        file("{\"w\":[0,4]}", 4),
        "model.safetensors: tensor 'w': the entry must be an object, got an array",
        "w");
    refused(
        file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4),
        "model.safetensors: tensor 'w': the entry has no 'data_offsets'",
        "w");
    refused(
        file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4),
        "model.safetensors: tensor 'w': unknown field 'x' (expected dtype, shape, data_offsets)",
        "w");
    refused(
        file("{" + entry("w", "F32", "[2,-1]", 0, 4) + "}", 4),
        "model.safetensors: tensor 'w': 'shape' must be an array of non-negative integers, got"
            + " [2,-1]",
        "w");
    refused(
        file("{" + entry("w", "F32", "[2.0]", 0, 8) + "}", 8),
        "model.safetensors: tensor 'w': 'shape' must be an array of non-negative integers, got"
            + " [2.0]",
        "w");
    refused(
        file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}}", 4),
        "model.safetensors: tensor 'w': 'data_offsets' must be two non-negative integers [begin,"
            + " end], got [4]",
        "w");
    refused(
        file("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
        "model.safetensors: tensor 'w': 'dtype' must be a string, got 32",
        "w");
    refused(
        file("{\"__metadata__\":{\"format\":1}}", 0),
        "model.safetensors: '__metadata__' must be an object of strings, its 'format' is 1",
        null);
  }

  @Test
  void unknownDtype() throws IOException {
    refused(
        file("{" + entry("w", "F33", "[1]", 0, 4) + "}", 4),
        "model.safetensors: tensor 'w': unknown dtype 'F33' (known: BOOL, U8, I8, F8_E5M2,"
            + " F8_E4M3, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64)",
        "w");
  }

  @Test
  void offsetsOutOfOrder() throws IOException {
    refused(
        file("{" + entry("w", "F32", "[1]", 8, 4) + "}", 8),
        "model.safetensors: tensor 'w': data_offsets [8, 4] are out of order: begin is after end",
        "w");
  }

  @Test
  void headerLyingAboutTheSize() throws IOException {
    String w = "encoder.layer.0.attention.self.query.weight";
    refused(
        file("{" + entry(w, "F32", "[384,384]", 0, 589820) + "}", 16),
        "model.safetensors: tensor 'encoder.layer.0.attention.self.query.weight': shape [384, 384]"
            + " needs 589824 bytes of F32, its offsets give 589820",
        w);
    refused(
        file("{" + entry("h", "F16", "[3]", 0, 12) + "}", 12),
        "model.safetensors: tensor 'h': shape [3] needs 6 bytes of F16, its offsets give 12",
        "h");
    refused(
        file("{" + entry("big", "F64", "[4294967296,4294967296]", 0, 8) + "}", 8),
        "model.safetensors: tensor 'big': shape [4294967296, 4294967296] has too many elements",
        "big");
  }

  @Test
  void truncatedData() throws IOException {
    Map<String, Raw> tensors = new LinkedHashMap<>();
    tensors.put("a", Raw.f32(new long[] {2}, 1, 2));
    tensors.put("b", Raw.f32(new long[] {2, 2}, 1, 2, 3, 4));
    Path f = TestFiles.write(dir.resolve("model.safetensors"), tensors);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 3);
    }
    refused(
        f,
        "model.safetensors: tensor 'b': data_offsets [8, 24] go past the end of the data area (21"
            + " bytes): the file is truncated or the header is wrong",
        "b");
  }

  @Test
  void overlappingTensors() throws IOException {
    refused(
        file(
            "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}", 12),
        "model.safetensors: tensor 'b': data_offsets [4, 12] overlap those of tensor 'a' [0, 8]",
        "b");
  }

  @Test
  void gapBetweenTensors() throws IOException {
    refused(
        file(
            "{" + entry("b", "F32", "[2]", 12, 20) + "," + entry("a", "F32", "[2]", 0, 8) + "}",
            20),
        "model.safetensors: the data bytes [8, 12) before tensor 'b' belong to no tensor: the"
            + " header is wrong",
        "b");
  }

  @Test
  void trailingBytes() throws IOException {
    refused(
        file("{" + entry("a", "F32", "[2]", 0, 8) + "}", 12),
        "model.safetensors: the data area has 4 trailing bytes after the last tensor 'a' (which"
            + " ends at 8 of 12), covered by no tensor",
        "a");
    refused(
        file("{\"__metadata__\":{}}", 3),
        "model.safetensors: the header lists no tensor but the data area holds 3 bytes",
        null);
  }

  @Test
  void emptyFileIsValid() throws IOException {
    try (SafetensorsReader r = SafetensorsReader.open(file("{}", 0))) {
      assertTrue(r.tensors().isEmpty());
      assertTrue(r.metadata().isEmpty());
    }
  }
}
