package io.github.finetune4j.monitor;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Writes a TensorBoard event file {@code events.out.tfevents.<unix-secs>.<hostname>} in a run
 * directory, readable by TensorBoard's scalar dashboard.
 *
 * <p>The file is a sequence of TFRecords (length as little-endian uint64, masked CRC32C of the
 * length, the data, masked CRC32C of the data) holding {@code tensorflow.Event} protocol buffers,
 * encoded here by hand: first an event with {@code file_version = "brain.Event:2"}, then one event
 * per step or epoch with a {@code Summary} of {@code simple_value}s. Scalars written:
 *
 * <ul>
 *   <li>per step: {@code train/loss}, {@code train/samples_per_s}, {@code train/rss_mb}, {@code
 *       lr/<group>}, and on sampled steps {@code group/<group>/grad_norm}, {@code
 *       group/<group>/update_ratio} (log10), {@code group/<group>/drift}, {@code
 *       group/<group>/weight_norm};
 *   <li>per epoch, at the epoch's last step: {@code epoch/train_loss}, {@code epoch/valid_loss},
 *       {@code epoch/valid_accuracy}.
 * </ul>
 *
 * NaN and infinite values (and an unknown RSS) are left out. Warnings are not written. Each event
 * is flushed, so TensorBoard can follow a live run.
 */
public final class TensorBoardSink implements MetricsSink {

  /** Prefix of the event file's name. */
  public static final String FILE_PREFIX = "events.out.tfevents.";

  private static final int MASK_DELTA = 0xa282ead8;
  private static final double MIB = 1024.0 * 1024.0;

  private final Clock clock;
  private final Path file;
  private final OutputStream out;

  /**
   * Creates the event file in {@code runDir}, named after the current time and this host.
   *
   * @param runDir the run directory (created if needed)
   * @throws IOException if the file cannot be created
   */
  public TensorBoardSink(Path runDir) throws IOException {
    this(runDir, Clock.systemUTC(), hostname());
  }

  /** For tests: a fixed clock and host name. */
  TensorBoardSink(Path runDir, Clock clock, String hostname) throws IOException {
    this.clock = clock;
    Files.createDirectories(runDir);
    this.file = runDir.resolve(FILE_PREFIX + clock.instant().getEpochSecond() + "." + hostname);
    this.out =
        new BufferedOutputStream(
            Files.newOutputStream(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE));
    writeRecord(new ProtoWriter().doubleField(1, wallTime()).stringField(3, "brain.Event:2"));
  }

  /** Returns the path of the event file. */
  public Path file() {
    return file;
  }

  @Override
  public synchronized void onStep(StepMetrics m) throws IOException {
    List<Scalar> values = new ArrayList<>();
    add(values, "train/loss", m.loss());
    add(values, "train/samples_per_s", m.samplesPerSecond());
    if (m.rssBytes() >= 0) {
      add(values, "train/rss_mb", m.rssBytes() / MIB);
    }
    if (m.lr() != null) {
      for (Map.Entry<String, Double> e : m.lr().entrySet()) {
        add(values, "lr/" + e.getKey(), e.getValue() == null ? Double.NaN : e.getValue());
      }
    }
    if (m.groups() != null) {
      for (Map.Entry<String, GroupStats> e : m.groups().entrySet()) {
        String p = "group/" + e.getKey() + "/";
        GroupStats s = e.getValue();
        add(values, p + "grad_norm", s.gradNorm());
        add(values, p + "update_ratio", Math.log10(s.updateRatio()));
        add(values, p + "drift", s.drift());
        add(values, p + "weight_norm", s.weightNorm());
      }
    }
    writeSummary(m.step(), values);
  }

  @Override
  public synchronized void onEpoch(EpochMetrics m) throws IOException {
    List<Scalar> values = new ArrayList<>();
    add(values, "epoch/train_loss", m.trainLoss());
    add(values, "epoch/valid_loss", m.validLoss());
    add(values, "epoch/valid_accuracy", m.validAccuracy());
    writeSummary(m.step(), values);
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }

  private static void add(List<Scalar> values, String tag, double v) {
    if (Double.isFinite(v)) {
      values.add(new Scalar(tag, (float) v));
    }
  }

  private void writeSummary(long step, List<Scalar> values) throws IOException {
    if (values.isEmpty()) {
      return;
    }
    ProtoWriter summary = new ProtoWriter();
    for (Scalar v : values) {
      summary.messageField(1, new ProtoWriter().stringField(1, v.tag()).floatField(2, v.value()));
    }
    writeRecord(
        new ProtoWriter().doubleField(1, wallTime()).int64Field(2, step).messageField(5, summary));
  }

  private double wallTime() {
    return clock.millis() / 1000.0;
  }

  private void writeRecord(ProtoWriter event) throws IOException {
    byte[] data = event.toByteArray();
    byte[] len = new byte[8];
    long n = data.length;
    for (int i = 0; i < 8; i++) {
      len[i] = (byte) (n >>> (8 * i));
    }
    out.write(len);
    writeInt32(maskedCrc(len));
    out.write(data);
    writeInt32(maskedCrc(data));
    out.flush();
  }

  private void writeInt32(int v) throws IOException {
    for (int i = 0; i < 4; i++) {
      out.write((v >>> (8 * i)) & 0xff);
    }
  }

  /** TFRecord's masked CRC32C: rotate right by 15 bits, then add a constant. */
  static int maskedCrc(byte[] data) {
    CRC32C crc = new CRC32C();
    crc.update(data);
    int c = (int) crc.getValue();
    return ((c >>> 15) | (c << 17)) + MASK_DELTA;
  }

  private record Scalar(String tag, float value) {}

  private static String hostname() {
    try {
      String h = InetAddress.getLocalHost().getHostName();
      if (h != null && !h.isBlank()) {
        return h;
      }
    } catch (IOException | SecurityException e) {
      // fall through to the environment
    }
    String env = System.getenv("HOSTNAME");
    return env == null || env.isBlank() ? "localhost" : env;
  }
}
