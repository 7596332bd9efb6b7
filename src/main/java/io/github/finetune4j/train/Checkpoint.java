package io.github.finetune4j.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A checkpoint of a run: named float tensors (the weights, running statistics and optimizer state)
 * in {@value #TENSORS}, and everything else the loop needs to continue exactly (step, epoch, data
 * order, generator and monitor state, the recipe's hash) in {@value #STATE}. Written atomically: a
 * temporary directory, every file forced to disk, {@value #MANIFEST} (the sha256 of both) last,
 * then the directory renamed into place; a directory without a manifest, or whose files do not
 * match it, is torn and skipped.
 *
 * @param dir the checkpoint's directory
 * @param step the optimizer step it was taken after
 * @param state the loop's state
 * @param tensors the tensors by name
 */
public record Checkpoint(
    Path dir, long step, ObjectNode state, Map<String, Tensor> tensors, Map<String, Path> files) {

  /**
   * A file a checkpoint holds besides its tensors, e.g. a TorchScript module with its buffers.
   *
   * @param name the file's name inside the checkpoint (letters, digits, {@code _ . -})
   * @param writer writes its bytes
   */
  public record Extra(String name, Writer writer) {
    /** Checks the name. */
    public Extra {
      if (name == null || !name.matches(FILE_NAME) || RESERVED.contains(name)) {
        throw new IllegalArgumentException("not a checkpoint file name: " + name);
      }
    }
  }

  /** Writes one extra file. */
  @FunctionalInterface
  public interface Writer {
    /**
     * Writes the bytes.
     *
     * @param out where to
     * @throws IOException when writing fails
     */
    void write(OutputStream out) throws IOException;
  }

  private static final String FILE_NAME = "[A-Za-z0-9_.-]{1,64}";
  private static final java.util.Set<String> RESERVED =
      java.util.Set.of("tensors.bin", "state.json", "manifest.json", "format", "step", "files");

  /** Copies the maps. */
  public Checkpoint {
    files = Map.copyOf(files);
  }

  /**
   * An extra file of this checkpoint (see {@link Extra}), checked against the manifest.
   *
   * @param name its name
   * @return its path, or null when the checkpoint has no such file
   */
  public Path file(String name) {
    return files.get(name);
  }

  /** The tensors file. */
  public static final String TENSORS = "tensors.bin";

  /** The state file, written last. */
  public static final String STATE = "state.json";

  /** The manifest: the sha256 of the two other files, written last. */
  public static final String MANIFEST = "manifest.json";

  /** Where a run keeps its checkpoints, inside its directory. */
  public static final String FOLDER = "checkpoints";

  /** Strict: a file with anything after its JSON value is damaged, not read. */
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private static final byte[] MAGIC = {'F', 'T', '4', 'J', 'C', 'K', 'P', '1'};

  /**
   * A tensor.
   *
   * @param shape its shape
   * @param values its values, row-major
   */
  public record Tensor(long[] shape, float[] values) {}

  /**
   * Writes a checkpoint under {@code root} and keeps only the newest {@code keep}.
   *
   * @param root the run's checkpoint folder
   * @param step the step
   * @param state the loop's state
   * @param tensors the tensors
   * @param keep how many checkpoints to keep (at least 1)
   * @return the directory written
   * @throws IOException when writing fails
   */
  public static Path write(
      Path root, long step, ObjectNode state, Map<String, Tensor> tensors, int keep)
      throws IOException {
    return write(root, step, state, tensors, List.of(), keep);
  }

  /**
   * Writes a checkpoint with extra files under {@code root} and keeps only the newest {@code keep}.
   *
   * @param root the run's checkpoint folder
   * @param step the step
   * @param state the loop's state
   * @param tensors the tensors
   * @param extras further files, each listed with its sha256 in the manifest
   * @param keep how many checkpoints to keep (at least 1)
   * @return the directory written
   * @throws IOException when writing fails
   */
  public static Path write(
      Path root,
      long step,
      ObjectNode state,
      Map<String, Tensor> tensors,
      List<Extra> extras,
      int keep)
      throws IOException {
    Files.createDirectories(root);
    String name = String.format(Locale.ROOT, "step-%09d", step);
    Path tmp = root.resolve(name + ".tmp");
    if (Files.exists(tmp)) {
      deleteTree(tmp);
    }
    Files.createDirectories(tmp);
    MessageDigest md = sha256();
    Path tensorFile = tmp.resolve(TENSORS);
    try (OutputStream raw = Files.newOutputStream(tensorFile);
        DigestOutputStream dig =
            new DigestOutputStream(new BufferedOutputStream(raw, 1 << 16), md);
        DataOutputStream out = new DataOutputStream(dig)) {
      out.write(MAGIC);
      out.writeInt(tensors.size());
      for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
        out.writeUTF(e.getKey());
        long[] shape = e.getValue().shape();
        out.writeInt(shape.length);
        for (long d : shape) {
          out.writeLong(d);
        }
        float[] v = e.getValue().values();
        out.writeInt(v.length);
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        out.write(b.array());
      }
    }
    force(tensorFile);
    ObjectNode s = state.deepCopy();
    s.put("step", step);
    Path stateFile = tmp.resolve(STATE);
    byte[] stateBytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(s);
    Files.write(stateFile, stateBytes);
    force(stateFile);
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("format", "finetune4j-checkpoint");
    manifest.put("step", step);
    manifest.put(TENSORS, HexFormat.of().formatHex(md.digest()));
    manifest.put(STATE, HexFormat.of().formatHex(sha256().digest(stateBytes)));
    if (!extras.isEmpty()) {
      ObjectNode files = manifest.putObject("files");
      for (Extra x : extras) {
        Path f = tmp.resolve(x.name());
        MessageDigest xd = sha256();
        try (OutputStream raw = Files.newOutputStream(f);
            DigestOutputStream dig =
                new DigestOutputStream(new BufferedOutputStream(raw, 1 << 16), xd)) {
          x.writer().write(dig);
        }
        force(f);
        files.put(x.name(), HexFormat.of().formatHex(xd.digest()));
      }
    }
    Path manifestFile = tmp.resolve(MANIFEST);
    Files.writeString(manifestFile, JSON.writeValueAsString(manifest));
    force(manifestFile);
    Path dir = root.resolve(name);
    if (Files.exists(dir)) {
      deleteTree(dir);
    }
    try {
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, dir);
    }
    List<Path> all = list(root);
    for (int i = 0; i < all.size() - Math.max(1, keep); i++) {
      deleteTree(all.get(i));
    }
    return dir;
  }

  /**
   * The newest valid checkpoint under {@code root}; torn or corrupt ones are skipped with a line on
   * {@code out} naming them and why.
   *
   * @param root the run's checkpoint folder
   * @param out where skips are reported
   * @return the checkpoint, or null when there is none
   */
  public static Checkpoint newest(Path root, PrintStream out) {
    return newest(root, Long.MAX_VALUE, out);
  }

  /**
   * The newest valid checkpoint under {@code root} of a step up to {@code maxStep}; torn or corrupt
   * ones are skipped with a line on {@code out}.
   *
   * @param root the run's checkpoint folder
   * @param maxStep the latest step wanted
   * @param out where skips are reported
   * @return the checkpoint, or null when there is none
   */
  public static Checkpoint newest(Path root, long maxStep, PrintStream out) {
    List<Path> all;
    try {
      all = list(root);
    } catch (IOException e) {
      return null;
    }
    for (int i = all.size() - 1; i >= 0; i--) {
      if (Long.parseLong(all.get(i).getFileName().toString().substring(5)) > maxStep) {
        continue;
      }
      try {
        return read(all.get(i));
      } catch (IOException | RuntimeException e) {
        out.println(
            "Note: skipped the checkpoint " + all.get(i) + ": " + e.getMessage() + " (torn)");
      }
    }
    return null;
  }

  /**
   * Reads and checks one checkpoint.
   *
   * @param dir its directory
   * @return it
   * @throws IOException when it is torn, corrupt or unreadable
   */
  public static Checkpoint read(Path dir) throws IOException {
    JsonNode manifest;
    try {
      manifest = JSON.readTree(dir.resolve(MANIFEST).toFile());
    } catch (IOException e) {
      throw new IOException(
          "no valid " + MANIFEST + " (written last: the checkpoint is incomplete)");
    }
    if (manifest == null
        || !manifest.path(STATE).isTextual()
        || !manifest.path(TENSORS).isTextual()) {
      throw new IOException("no valid " + MANIFEST);
    }
    byte[] stateBytes = Files.readAllBytes(dir.resolve(STATE));
    if (!HexFormat.of()
        .formatHex(sha256().digest(stateBytes))
        .equals(manifest.get(STATE).asText())) {
      throw new IOException(STATE + " does not match its sha256 in " + MANIFEST);
    }
    JsonNode s = JSON.readTree(stateBytes);
    if (s == null || !s.isObject() || !s.path("step").canConvertToLong()) {
      throw new IOException("no valid " + STATE);
    }
    String folder = dir.getFileName() == null ? "" : dir.getFileName().toString();
    if (folder.matches("step-\\d{9}")
        && Long.parseLong(folder.substring(5)) != s.get("step").asLong()) {
      throw new IOException(
          STATE
              + " says step "
              + s.get("step").asLong()
              + ", but the checkpoint's directory is "
              + folder);
    }
    // The tensors' hash first: only bytes the manifest vouches for are parsed.
    MessageDigest md = sha256();
    try (InputStream raw = Files.newInputStream(dir.resolve(TENSORS));
        DigestInputStream dig = new DigestInputStream(new BufferedInputStream(raw, 1 << 16), md)) {
      dig.transferTo(OutputStream.nullOutputStream());
    }
    if (!HexFormat.of().formatHex(md.digest()).equals(manifest.get(TENSORS).asText())) {
      throw new IOException(TENSORS + " does not match its sha256 in " + MANIFEST);
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    long fileSize = Files.size(dir.resolve(TENSORS));
    try (InputStream raw = Files.newInputStream(dir.resolve(TENSORS));
        DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
      byte[] magic = in.readNBytes(MAGIC.length);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IOException(TENSORS + " is not a checkpoint's tensors file");
      }
      int n = in.readInt();
      for (int t = 0; t < n; t++) {
        String name = in.readUTF();
        int dims = in.readInt();
        if (dims < 0 || dims > 16) {
          throw new IOException(TENSORS + ": tensor " + name + " has " + dims + " dimensions");
        }
        long[] shape = new long[dims];
        long size = 1;
        for (int d = 0; d < dims; d++) {
          shape[d] = in.readLong();
          size *= shape[d];
        }
        int len = in.readInt();
        if (len != size || len < 0) {
          throw new IOException(TENSORS + ": tensor " + name + " has " + len + " values");
        }
        if (4L * len > fileSize) {
          // never allocate what the file cannot hold (len * 4 would also overflow an int)
          throw new IOException(
              TENSORS
                  + ": tensor "
                  + name
                  + " claims "
                  + len
                  + " values, more than the file's "
                  + fileSize
                  + " bytes hold");
        }
        byte[] bytes = in.readNBytes(len * 4);
        if (bytes.length != len * 4) {
          throw new IOException(TENSORS + " ends early");
        }
        float[] v = new float[len];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        for (float x : v) {
          if (!Float.isFinite(x)) {
            // weights and optimizer state are finite after every step the loop keeps; a checkpoint
            // holding NaN or infinity cannot be the last good state
            throw new IOException(TENSORS + ": tensor " + name + " holds " + x);
          }
        }
        tensors.put(name, new Tensor(shape, v));
      }
      if (in.read() != -1) {
        throw new IOException(TENSORS + " has bytes after its tensors");
      }
    } catch (java.io.EOFException e) {
      throw new IOException(TENSORS + " ends early (the file is truncated)");
    }
    Map<String, Path> files = new LinkedHashMap<>();
    JsonNode listed = manifest.path("files");
    if (!listed.isMissingNode() && !listed.isObject()) {
      throw new IOException("no valid " + MANIFEST + " (files)");
    }
    for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) listed::fields) {
      if (!e.getKey().matches(FILE_NAME)
          || RESERVED.contains(e.getKey())
          || !e.getValue().isTextual()) {
        throw new IOException("no valid " + MANIFEST + " (files." + e.getKey() + ")");
      }
      Path f = dir.resolve(e.getKey());
      if (!Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(e.getKey() + " is missing");
      }
      MessageDigest xd = sha256();
      try (InputStream raw = Files.newInputStream(f);
          DigestInputStream dig =
              new DigestInputStream(new BufferedInputStream(raw, 1 << 16), xd)) {
        dig.transferTo(OutputStream.nullOutputStream());
      }
      if (!HexFormat.of().formatHex(xd.digest()).equals(e.getValue().asText())) {
        throw new IOException(e.getKey() + " does not match its sha256 in " + MANIFEST);
      }
      files.put(e.getKey(), f);
    }
    return new Checkpoint(dir, s.get("step").asLong(), (ObjectNode) s, tensors, files);
  }

  /** The checkpoint directories, oldest first (temporary ones are not listed). */
  private static List<Path> list(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(root)) {
      return s.filter(p -> p.getFileName().toString().matches("step-\\d{9}"))
          .filter(Files::isDirectory)
          .sorted(Comparator.comparing(p -> p.getFileName().toString()))
          .toList();
    }
  }

  private static void force(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      List<Path> all = new ArrayList<>(s.toList());
      all.sort(Comparator.reverseOrder());
      for (Path p : all) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
