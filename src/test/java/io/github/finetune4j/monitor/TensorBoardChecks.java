package io.github.finetune4j.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a TensorBoard event file with code we did not write: every record is decoded by Google's
 * {@code protoc --decode} against a schema subset of TensorBoard's {@code event.proto} ({@code
 * tb_event_subset.proto}), and both TFRecord CRCs of every record are recomputed with a table-free,
 * bit-by-bit CRC32C written here from the Castagnoli polynomial (the sink itself uses {@code
 * java.util.zip.CRC32C}). Any unknown field in a decoded record fails the check.
 */
final class TensorBoardChecks {

  private static final Pattern TAG = Pattern.compile("^\\s*tag: \"(.*)\"$");
  private static final Pattern VALUE = Pattern.compile("^\\s*simple_value: (\\S+)$");
  private static final Pattern STEP = Pattern.compile("^step: (\\d+)$");
  private static final Pattern WALL = Pattern.compile("^wall_time: (\\S+)$");
  private static final Pattern STRUCTURE = Pattern.compile("^\\s*(summary \\{|value \\{|\\})$");

  /** A scalar summary value as decoded by protoc. */
  record Scalar(String tag, double value) {}

  /** A decoded scalar event: wall time, step and its values in file order. */
  record Event(double wallTime, long step, List<Scalar> scalars) {}

  /** The decoded file: the header's lines and every following event. */
  record EventFile(List<String> header, List<Event> events) {}

  private final Path protoc;
  private final Path protoDir;

  /**
   * Finds protoc (skips or fails as {@link ExternalTools} says) and copies the schema subset.
   *
   * @param workDir a scratch directory for the schema
   */
  TensorBoardChecks(Path workDir) throws IOException {
    this.protoc = ExternalTools.require("decode TensorBoard events independently", "protoc");
    this.protoDir = Files.createTempDirectory(workDir, "proto");
    try (InputStream in = TensorBoardChecks.class.getResourceAsStream("tb_event_subset.proto")) {
      Files.copy(in, protoDir.resolve("tb_event_subset.proto"));
    }
  }

  /** Bit-by-bit CRC-32C (reflected polynomial 0x82F63B78), independent of the JDK's CRC32C. */
  static int crc32c(byte[] data) {
    int crc = 0xFFFFFFFF;
    for (byte b : data) {
      crc ^= b & 0xFF;
      for (int k = 0; k < 8; k++) {
        crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
      }
    }
    return ~crc;
  }

  /** TFRecord's masked CRC. */
  static int masked(byte[] data) {
    int c = crc32c(data);
    return Integer.rotateRight(c, 15) + 0xa282ead8;
  }

  /**
   * Checks every CRC of the file, decodes every record with protoc and parses the events. Asserts
   * that the first record is the {@code brain.Event:2} header and that no record holds a field
   * other than wall time, step and scalar summary values.
   */
  EventFile read(Path eventFile) throws Exception {
    List<byte[]> records = readRecords(Files.readAllBytes(eventFile));
    assertTrue(!records.isEmpty(), "no records in " + eventFile);
    List<String> header = decode(records.get(0));
    assertEquals(2, header.size(), "header: " + header);
    assertTrue(WALL.matcher(header.get(0)).matches(), "header: " + header);
    assertEquals("file_version: \"brain.Event:2\"", header.get(1));
    List<Event> events = new ArrayList<>();
    for (byte[] record : records.subList(1, records.size())) {
      events.add(event(decode(record)));
    }
    return new EventFile(header, events);
  }

  private static Event event(List<String> lines) {
    Matcher wall = WALL.matcher(lines.get(0));
    assertTrue(wall.matches(), lines.toString());
    Matcher st = STEP.matcher(lines.get(1));
    assertTrue(st.matches(), lines.toString());
    long step = Long.parseLong(st.group(1));
    List<Scalar> got = new ArrayList<>();
    String tag = null;
    for (String line : lines.subList(2, lines.size())) {
      Matcher t = TAG.matcher(line);
      Matcher v = VALUE.matcher(line);
      if (t.matches()) {
        tag = t.group(1);
      } else if (v.matches()) {
        assertTrue(tag != null, "a value without a tag in step " + step + ": " + lines);
        got.add(new Scalar(tag, Float.parseFloat(v.group(1))));
        tag = null;
      } else if (!STRUCTURE.matcher(line).matches()) {
        fail("unexpected line (unknown field?) in step " + step + ": " + line);
      }
    }
    return new Event(Double.parseDouble(wall.group(1)), step, got);
  }

  /** Splits TFRecord framing, checking both CRCs of every record with the bitwise CRC32C. */
  static List<byte[]> readRecords(byte[] file) {
    ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    List<byte[]> records = new ArrayList<>();
    while (buf.hasRemaining()) {
      assertTrue(buf.remaining() >= 12, "truncated record header");
      byte[] lenBytes = new byte[8];
      buf.get(lenBytes);
      int lenCrc = buf.getInt();
      assertEquals(masked(lenBytes), lenCrc, "length CRC of record " + records.size());
      long len = ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
      assertTrue(len >= 0 && len <= buf.remaining() - 4, "bad length " + len);
      byte[] data = new byte[(int) len];
      buf.get(data);
      assertEquals(masked(data), buf.getInt(), "data CRC of record " + records.size());
      records.add(data);
    }
    return records;
  }

  /** Decodes one record with {@code protoc --decode}; returns protoc's text format, by line. */
  List<String> decode(byte[] data) throws Exception {
    Process p =
        new ProcessBuilder(
                protoc.toString(),
                "--proto_path=" + protoDir,
                "--decode=finetune4j.tbcheck.Event",
                "tb_event_subset.proto")
            .redirectErrorStream(true)
            .start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(data);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream s = p.getInputStream()) {
      s.transferTo(out);
    }
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "protoc timed out");
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), "protoc failed on " + Arrays.toString(data) + ": " + text);
    return text.lines().toList();
  }
}
