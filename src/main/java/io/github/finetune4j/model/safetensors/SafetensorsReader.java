package io.github.finetune4j.model.safetensors;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.finetune4j.model.bert.WeightTensor;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a <a href="https://github.com/huggingface/safetensors">safetensors</a> file: an 8-byte
 * little-endian unsigned header length {@code N}, {@code N} bytes of UTF-8 JSON, then the data
 * area, the tensors' raw little-endian bytes.
 *
 * <p>The header is a JSON object mapping each tensor name to {@code {"dtype": "F32", "shape": [384,
 * 384], "data_offsets": [begin, end]}} (offsets relative to the data area), plus an optional {@code
 * "__metadata__"} object of strings. {@link #open} validates all of it before any tensor is read,
 * and refuses, with one sentence naming the file and the tensor:
 *
 * <ul>
 *   <li>a file shorter than the header length says (truncated), or a header length over {@value
 *       #MAX_HEADER_BYTES} bytes (not a safetensors file: a Git LFS pointer or a PyTorch ZIP is
 *       named as such);
 *   <li>a header that is not UTF-8, not JSON, not an object, has a duplicate name, or an entry with
 *       a missing, mistyped or unknown field;
 *   <li>an unknown {@code dtype} (see {@link SafetensorsDtype});
 *   <li>offsets out of order (begin after end), past the end of the data area, or whose length is
 *       not the shape's element count times the dtype's size;
 *   <li>tensors that overlap, gaps between them, and trailing data bytes after the last one: the
 *       files Hugging Face writes cover the data area exactly, as the reference implementation
 *       requires, so bytes that no tensor claims mean a header that lies.
 * </ul>
 *
 * <p>Nothing is read into the heap but the header: {@link #read} memory-maps one tensor's bytes. A
 * float32 tensor is returned as a read-only view of that mapping (no copy); float16 and bfloat16
 * tensors are converted into one new float array each. A mapping outlives {@link #close()} (Java
 * unmaps it when the buffer is garbage-collected); do not shorten the file while its tensors are in
 * use.
 */
public final class SafetensorsReader implements AutoCloseable {

  /** The largest header accepted, in bytes (the reference implementation's limit). */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final String METADATA = "__metadata__";
  private static final Set<String> ENTRY_FIELDS = Set.of("dtype", "shape", "data_offsets");
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private final Path file;
  private final String label;
  private final FileChannel channel;
  private final long dataStart;
  private final long dataSize;
  private final Map<String, String> metadata;
  private final Map<String, TensorEntry> tensors;

  private SafetensorsReader(Path file, FileChannel channel) throws IOException {
    this.file = file;
    this.label = label(file);
    this.channel = channel;
    long size = channel.size();
    if (size < 8) {
      throw fail(
          null,
          "the file is "
              + size
              + " bytes long, too short for the 8-byte header length: it is truncated or not a"
              + " safetensors file");
    }
    ByteBuffer first = readFully(0, 8);
    long headerLength = first.order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
      throw fail(
          null,
          "the header length reads "
              + Long.toUnsignedString(headerLength)
              + " bytes, over the limit of "
              + MAX_HEADER_BYTES
              + ": this is not a safetensors file"
              + hint(first));
    }
    if (headerLength > size - 8) {
      throw fail(
          null,
          "the header length is "
              + headerLength
              + " bytes but only "
              + (size - 8)
              + " bytes follow it: the file is truncated");
    }
    dataStart = 8 + headerLength;
    dataSize = size - dataStart;
    Map<String, String> meta = new LinkedHashMap<>();
    List<TensorEntry> entries = parseHeader(readFully(8, (int) headerLength), meta);
    metadata = Collections.unmodifiableMap(meta);
    tensors = Collections.unmodifiableMap(checkLayout(entries));
  }

  /**
   * Opens a file and validates its header and the layout of its data (see the class comment).
   *
   * @param file the {@code .safetensors} file
   * @return the open reader; close it when done
   * @throws CheckpointFormatException if the file is not a valid safetensors file
   * @throws IOException if it cannot be read
   */
  public static SafetensorsReader open(Path file) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      return new SafetensorsReader(file, channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Returns the file being read.
   *
   * @return the path given to {@link #open}
   */
  public Path file() {
    return file;
  }

  /**
   * Returns the header's {@code __metadata__} (Hugging Face writes {@code {"format": "pt"}}).
   *
   * @return the entries, in header order; empty if the header has none
   */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * Returns every tensor of the file.
   *
   * @return entries by name, in the order of their data (by offset)
   */
  public Map<String, TensorEntry> tensors() {
    return tensors;
  }

  /**
   * Reads one tensor as float32 values, exactly (every F16 and BF16 value is a float32).
   *
   * @param name the tensor's name in the file
   * @return the values with the tensor's shape: a view of the mapped file for F32, a new array for
   *     F16 and BF16
   * @throws IllegalArgumentException if the file has no such tensor
   * @throws CheckpointFormatException if its type is not F32, F16 or BF16, or it is over 2 GiB
   * @throws IOException if it cannot be read, for example after {@link #close()}
   */
  public WeightTensor read(String name) throws IOException {
    TensorEntry e = tensors.get(name);
    if (e == null) {
      throw new IllegalArgumentException(label + " has no tensor '" + name + "'");
    }
    if (!e.dtype().readableAsFloat()) {
      throw fail(
          name,
          "tensor '"
              + name
              + "' is "
              + e.dtype()
              + "; only F32, F16 and BF16 tensors can be read as float32");
    }
    if (e.byteSize() > Integer.MAX_VALUE) {
      throw fail(
          name,
          "tensor '" + name + "' has " + e.byteSize() + " bytes; tensors over 2 GiB are not read");
    }
    if (e.byteSize() == 0) {
      return new WeightTensor(e.shape(), FloatBuffer.allocate(0));
    }
    ByteBuffer bytes =
        channel
            .map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.byteSize())
            .order(ByteOrder.LITTLE_ENDIAN);
    if (e.dtype() == SafetensorsDtype.F32) {
      return new WeightTensor(e.shape(), bytes.asFloatBuffer());
    }
    ShortBuffer halves = bytes.asShortBuffer();
    float[] values = new float[halves.remaining()];
    boolean bf16 = e.dtype() == SafetensorsDtype.BF16;
    for (int i = 0; i < values.length; i++) {
      short h = halves.get(i);
      values[i] = bf16 ? SafetensorsDtype.bfloat16ToFloat(h) : SafetensorsDtype.halfToFloat(h);
    }
    return WeightTensor.of(values, e.shape());
  }

  /** Closes the file; tensors already read stay valid. */
  @Override
  public void close() throws IOException {
    channel.close();
  }

  @Override
  public String toString() {
    return "SafetensorsReader[" + file + ", " + tensors.size() + " tensors]";
  }

  private List<TensorEntry> parseHeader(ByteBuffer raw, Map<String, String> meta)
      throws CheckpointFormatException {
    int length = raw.remaining();
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(raw)
              .toString();
    } catch (CharacterCodingException e) {
      throw fail(null, "the header (" + length + " bytes) is not valid UTF-8");
    }
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      String duplicate = duplicateName(e);
      if (duplicate != null) {
        throw fail(duplicate, "the header names '" + duplicate + "' twice");
      }
      JsonLocation at = e.getLocation();
      String where =
          at == null || at.getCharOffset() < 0
              ? ""
              : " (error after " + at.getCharOffset() + " of " + text.length() + " characters)";
      throw fail(null, "the header is not valid JSON" + where);
    }
    if (root == null || !root.isObject()) {
      throw fail(null, "the header is not a JSON object but " + kind(root));
    }
    List<TensorEntry> entries = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (field.getKey().equals(METADATA)) {
        parseMetadata(field.getValue(), meta);
      } else {
        entries.add(parseEntry(field.getKey(), field.getValue()));
      }
    }
    return entries;
  }

  private void parseMetadata(JsonNode node, Map<String, String> meta)
      throws CheckpointFormatException {
    if (!node.isObject()) {
      throw fail(null, "'" + METADATA + "' must be an object of strings, got " + kind(node));
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw fail(
            null,
            "'"
                + METADATA
                + "' must be an object of strings, its '"
                + e.getKey()
                + "' is "
                + e.getValue());
      }
      meta.put(e.getKey(), e.getValue().textValue());
    }
  }

  private TensorEntry parseEntry(String name, JsonNode node) throws CheckpointFormatException {
    String t = "tensor '" + name + "': ";
    if (!node.isObject()) {
      throw fail(name, t + "the entry must be an object, got " + kind(node));
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!ENTRY_FIELDS.contains(f)) {
        throw fail(name, t + "unknown field '" + f + "' (expected dtype, shape, data_offsets)");
      }
    }
    for (String f : List.of("dtype", "shape", "data_offsets")) {
      if (!node.has(f)) {
        throw fail(name, t + "the entry has no '" + f + "'");
      }
    }
    JsonNode dtypeNode = node.get("dtype");
    if (!dtypeNode.isTextual()) {
      throw fail(name, t + "'dtype' must be a string, got " + dtypeNode);
    }
    SafetensorsDtype dtype =
        SafetensorsDtype.byName(dtypeNode.textValue())
            .orElseThrow(
                () ->
                    fail(
                        name,
                        t
                            + "unknown dtype '"
                            + dtypeNode.textValue()
                            + "' (known: "
                            + SafetensorsDtype.knownNames()
                            + ")"));
    long[] shape = longs(node.get("shape"), -1);
    if (shape == null) {
      throw fail(
          name, t + "'shape' must be an array of non-negative integers, got " + node.get("shape"));
    }
    long[] offsets = longs(node.get("data_offsets"), 2);
    if (offsets == null) {
      throw fail(
          name,
          t
              + "'data_offsets' must be two non-negative integers [begin, end], got "
              + node.get("data_offsets"));
    }
    long begin = offsets[0];
    long end = offsets[1];
    if (begin > end) {
      throw fail(
          name,
          t + "data_offsets [" + begin + ", " + end + "] are out of order: begin is after end");
    }
    long needed;
    try {
      long count = 1;
      for (long d : shape) {
        count = Math.multiplyExact(count, d);
      }
      needed = Math.multiplyExact(count, (long) dtype.size());
    } catch (ArithmeticException e) {
      throw fail(name, t + "shape " + Arrays.toString(shape) + " has too many elements");
    }
    if (needed != end - begin) {
      throw fail(
          name,
          t
              + "shape "
              + Arrays.toString(shape)
              + " needs "
              + needed
              + " bytes of "
              + dtype
              + ", its offsets give "
              + (end - begin));
    }
    if (end > dataSize) {
      throw fail(
          name,
          t
              + "data_offsets ["
              + begin
              + ", "
              + end
              + "] go past the end of the data area ("
              + dataSize
              + " bytes): the file is truncated or the header is wrong");
    }
    return new TensorEntry(name, dtype, shape, begin, end);
  }

  /** Checks that the tensors tile the data area exactly; returns them in data order. */
  private Map<String, TensorEntry> checkLayout(List<TensorEntry> entries)
      throws CheckpointFormatException {
    List<TensorEntry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
    Map<String, TensorEntry> out = new LinkedHashMap<>();
    long pos = 0;
    TensorEntry previous = null;
    for (TensorEntry e : sorted) {
      if (e.begin() < pos) {
        throw fail(
            e.name(),
            "tensor '"
                + e.name()
                + "': data_offsets ["
                + e.begin()
                + ", "
                + e.end()
                + "] overlap those of tensor '"
                + previous.name()
                + "' ["
                + previous.begin()
                + ", "
                + previous.end()
                + "]");
      }
      if (e.begin() > pos) {
        throw fail(
            e.name(),
            "the data bytes ["
                + pos
                + ", "
                + e.begin()
                + ") before tensor '"
                + e.name()
                + "' belong to no tensor: the header is wrong");
      }
      pos = e.end();
      previous = e;
      out.put(e.name(), e);
    }
    if (pos < dataSize) {
      if (previous == null) {
        throw fail(
            null, "the header lists no tensor but the data area holds " + dataSize + " bytes");
      }
      throw fail(
          previous.name(),
          "the data area has "
              + (dataSize - pos)
              + " trailing bytes after the last tensor '"
              + previous.name()
              + "' (which ends at "
              + pos
              + " of "
              + dataSize
              + "), covered by no tensor");
    }
    return out;
  }

  /** Non-negative integers of a JSON array (of {@code count} elements unless negative), or null. */
  private static long[] longs(JsonNode node, int count) {
    if (!node.isArray() || (count >= 0 && node.size() != count)) {
      return null;
    }
    long[] out = new long[node.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = node.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        return null;
      }
      out[i] = v.longValue();
    }
    return out;
  }

  private ByteBuffer readFully(long position, int length) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(length);
    while (buf.hasRemaining()) {
      if (channel.read(buf, position + buf.position()) < 0) {
        throw new EOFException(label + ": the file ended while reading its header");
      }
    }
    return buf.flip();
  }

  private CheckpointFormatException fail(String tensor, String message) {
    return new CheckpointFormatException(file, tensor, label + ": " + message);
  }

  /** What a non-safetensors file that starts with these 8 bytes probably is. */
  private static String hint(ByteBuffer first) {
    String start = new String(first.array(), 0, 8, StandardCharsets.ISO_8859_1);
    if (start.equals("version ")) {
      return " (it starts like a Git LFS pointer: fetch the real file with git lfs pull)";
    }
    if (start.startsWith("PK\u0003\u0004")) {
      return " (it is a ZIP archive, as PyTorch .bin checkpoints are)";
    }
    return "";
  }

  /** The name that strict duplicate detection found twice, or null for other JSON errors. */
  private static String duplicateName(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    String lead = "Duplicate field '";
    if (m == null || !m.startsWith(lead) || m.indexOf('\'', lead.length()) < 0) {
      return null;
    }
    return m.substring(lead.length(), m.lastIndexOf('\''));
  }

  private static String kind(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "empty";
    }
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      default -> node.getNodeType().name().toLowerCase(Locale.ROOT);
    };
  }

  static String label(Path file) {
    Path name = file.getFileName();
    return name == null ? file.toString() : name.toString();
  }
}
