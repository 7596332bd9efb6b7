package io.github.finetune4j.model.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.finetune4j.model.bert.WeightTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Writes float32 tensors in the safetensors format: an 8-byte little-endian header length, a JSON
 * header ({@code dtype F32}, {@code shape}, {@code data_offsets} in file order, optional {@code
 * __metadata__}), padded with spaces to a multiple of 8 bytes as the reference writer does, then
 * the raw little-endian data. Written to a temporary file and renamed, so a file that exists is
 * complete.
 */
public final class SafetensorsWriter {

  private static final ObjectMapper JSON = new ObjectMapper();

  private SafetensorsWriter() {}

  /**
   * Writes the tensors in the map's order.
   *
   * @param file the file to write
   * @param tensors float32 tensors by name
   * @param metadata string metadata (may be empty)
   * @throws IOException when writing fails
   */
  public static void write(
      Path file, Map<String, WeightTensor> tensors, Map<String, String> metadata)
      throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, WeightTensor> e : tensors.entrySet()) {
      long bytes = 4L * e.getValue().data().remaining();
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", "F32");
      ArrayNode shape = t.putArray("shape");
      for (long d : e.getValue().shape()) {
        shape.add(d);
      }
      t.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      writeFully(ch, head);
      ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
      for (WeightTensor w : tensors.values()) {
        FloatBuffer data = w.data().duplicate();
        while (data.hasRemaining()) {
          FloatBuffer view = chunk.clear().asFloatBuffer();
          int n = Math.min(view.capacity(), data.remaining());
          FloatBuffer part = data.slice().limit(n);
          view.put(part);
          data.position(data.position() + n);
          chunk.limit(4 * n);
          writeFully(ch, chunk);
        }
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }
}
