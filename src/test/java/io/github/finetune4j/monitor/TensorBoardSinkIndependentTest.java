package io.github.finetune4j.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the TensorBoard event file with code we did not write: every record is decoded by Google's
 * {@code protoc --decode} against a schema subset of TensorBoard's {@code event.proto}, and every
 * TFRecord CRC is recomputed with a table-free, bit-by-bit CRC32C written here from the Castagnoli
 * polynomial (the sink itself uses {@code java.util.zip.CRC32C}).
 */
class TensorBoardSinkIndependentTest {

  private static final Instant START = Instant.parse("2024-05-01T12:00:00.250Z");
  private static final Pattern TAG = Pattern.compile("^\\s*tag: \"(.*)\"$");
  private static final Pattern VALUE = Pattern.compile("^\\s*simple_value: (\\S+)$");
  private static final Pattern STEP = Pattern.compile("^step: (\\d+)$");
  private static final Pattern WALL = Pattern.compile("^wall_time: (\\S+)$");
  private static final Pattern STRUCTURE = Pattern.compile("^\\s*(summary \\{|value \\{|\\})$");

  @TempDir Path dir;

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

  static int masked(byte[] data) {
    int c = crc32c(data);
    return Integer.rotateRight(c, 15) + 0xa282ead8;
  }

  @Test
  void bitwiseCrcMatchesTheStandardCheckValue() {
    // The CRC-32C catalogue check value for "123456789".
    assertEquals(0xE3069283, crc32c("123456789".getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void everyRecordHasValidCrcsAndDecodesWithProtoc() throws Exception {
    Path protoc = ExternalTools.require("decode TensorBoard events independently", "protoc");
    Path protoDir = dir.resolve("proto");
    Files.createDirectories(protoDir);
    try (InputStream in = getClass().getResourceAsStream("tb_event_subset.proto")) {
      Files.copy(in, protoDir.resolve("tb_event_subset.proto"));
    }
    SyntheticRun run = new SyntheticRun();
    Path runDir = dir.resolve("run");
    TensorBoardSink sink =
        new TensorBoardSink(runDir, Clock.fixed(START, ZoneOffset.UTC), "testhost");
    run.feed(sink);
    assertEquals("events.out.tfevents.1714564800.testhost", sink.file().getFileName().toString());

    List<byte[]> records = readRecords(Files.readAllBytes(sink.file()));
    assertEquals(1 + run.steps.size() + run.epochs.size(), records.size());

    List<String> header = decode(protoc, protoDir, records.get(0));
    assertEquals(List.of("wall_time: 1714564800.25", "file_version: \"brain.Event:2\""), header);

    int r = 1;
    int e = 0;
    for (StepMetrics m : run.steps) {
      assertEvent(protoc, protoDir, records.get(r++), m.step(), expected(m));
      if (e < run.epochs.size() && run.epochs.get(e).step() == m.step()) {
        EpochMetrics em = run.epochs.get(e++);
        assertEvent(
            protoc,
            protoDir,
            records.get(r++),
            em.step(),
            List.of(
                new Scalar("epoch/train_loss", em.trainLoss()),
                new Scalar("epoch/valid_loss", em.validLoss()),
                new Scalar("epoch/valid_accuracy", em.validAccuracy())));
      }
    }
  }

  private record Scalar(String tag, double value) {}

  /** The scalars the sink should write for a step, computed here from the metrics. */
  private static List<Scalar> expected(StepMetrics m) {
    List<Scalar> out = new ArrayList<>();
    out.add(new Scalar("train/loss", m.loss()));
    out.add(new Scalar("train/samples_per_s", m.samplesPerSecond()));
    out.add(new Scalar("train/rss_mb", 300.0));
    m.lr().forEach((g, lr) -> out.add(new Scalar("lr/" + g, lr)));
    for (Map.Entry<String, GroupStats> en : m.groups().entrySet()) {
      String p = "group/" + en.getKey() + "/";
      GroupStats s = en.getValue();
      out.add(new Scalar(p + "grad_norm", s.gradNorm()));
      if (!Double.isNaN(s.updateRatio())) {
        out.add(new Scalar(p + "update_ratio", Math.log10(s.updateRatio())));
      }
      if (!Double.isNaN(s.drift())) {
        out.add(new Scalar(p + "drift", s.drift()));
      }
      out.add(new Scalar(p + "weight_norm", s.weightNorm()));
    }
    return out;
  }

  private static void assertEvent(
      Path protoc, Path protoDir, byte[] record, long step, List<Scalar> want) throws Exception {
    List<String> lines = decode(protoc, protoDir, record);
    Matcher wall = WALL.matcher(lines.get(0));
    assertTrue(wall.matches(), lines.toString());
    assertEquals(START.toEpochMilli() / 1000.0, Double.parseDouble(wall.group(1)));
    Matcher st = STEP.matcher(lines.get(1));
    assertTrue(st.matches(), lines.toString());
    assertEquals(step, Long.parseLong(st.group(1)));
    List<Scalar> got = new ArrayList<>();
    String tag = null;
    for (String line : lines.subList(2, lines.size())) {
      Matcher t = TAG.matcher(line);
      Matcher v = VALUE.matcher(line);
      if (t.matches()) {
        tag = t.group(1);
      } else if (v.matches()) {
        got.add(new Scalar(tag, Float.parseFloat(v.group(1))));
        tag = null;
      } else if (!STRUCTURE.matcher(line).matches()) {
        fail("unexpected line (unknown field?) in step " + step + ": " + line);
      }
    }
    assertEquals(want.size(), got.size(), "step " + step + ": " + got);
    for (int i = 0; i < want.size(); i++) {
      assertEquals(want.get(i).tag(), got.get(i).tag(), "step " + step);
      assertEquals(
          (float) want.get(i).value(),
          (float) got.get(i).value(),
          "step " + step + " " + want.get(i).tag());
    }
  }

  /** Splits TFRecord framing, checking both CRCs of every record with the bitwise CRC32C. */
  private static List<byte[]> readRecords(byte[] file) {
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

  private static List<String> decode(Path protoc, Path protoDir, byte[] data) throws Exception {
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
