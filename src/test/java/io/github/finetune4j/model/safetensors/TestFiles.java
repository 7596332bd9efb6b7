package io.github.finetune4j.model.safetensors;

import io.github.finetune4j.model.bert.WeightTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Writes small safetensors files byte by byte for the tests (independently of the reader). */
final class TestFiles {

  private TestFiles() {}

  /** One tensor to write: its dtype name, shape and raw little-endian bytes. */
  record Raw(String dtype, long[] shape, byte[] bytes) {

    static Raw f32(WeightTensor t) {
      FloatBuffer src = t.data();
      ByteBuffer b = ByteBuffer.allocate(src.remaining() * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(src);
      return new Raw("F32", t.shape(), b.array());
    }

    static Raw f32(long[] shape, float... values) {
      return f32(WeightTensor.of(values, shape));
    }

    static Raw i64(long[] shape, long... values) {
      ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
      b.asLongBuffer().put(values);
      return new Raw("I64", shape, b.array());
    }
  }

  /** Writes the 8-byte little-endian length, the header text and the data, as given. */
  static Path write(Path file, String header, byte[] data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    return write(file, h.length, h, data);
  }

  /** Writes a length that may lie, then the header bytes and the data. */
  static Path write(Path file, long headerLength, byte[] header, byte[] data) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length);
    b.order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).put(header).put(data);
    return Files.write(file, b.array());
  }

  /** Writes tensors back to back in map order with a correct header and metadata {@code pt}. */
  static Path write(Path file, Map<String, Raw> tensors) throws IOException {
    StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
    long offset = 0;
    int total = tensors.values().stream().mapToInt(r -> r.bytes().length).sum();
    ByteBuffer data = ByteBuffer.allocate(total);
    for (Map.Entry<String, Raw> e : tensors.entrySet()) {
      Raw r = e.getValue();
      header
          .append(",\"")
          .append(e.getKey())
          .append("\":{\"dtype\":\"")
          .append(r.dtype())
          .append("\",\"shape\":")
          .append(
              Arrays.stream(r.shape())
                  .mapToObj(Long::toString)
                  .collect(Collectors.joining(",", "[", "]")))
          .append(",\"data_offsets\":[")
          .append(offset)
          .append(',')
          .append(offset + r.bytes().length)
          .append("]}");
      offset += r.bytes().length;
      data.put(r.bytes());
    }
    header.append('}');
    return write(file, header.toString(), data.array());
  }

  /** Copies float tensors into raw F32 entries under the same names. */
  static Map<String, Raw> f32(Map<String, WeightTensor> weights) {
    Map<String, Raw> out = new LinkedHashMap<>();
    weights.forEach((name, t) -> out.put(name, Raw.f32(t)));
    return out;
  }
}
