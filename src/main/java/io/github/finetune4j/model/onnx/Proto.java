package io.github.finetune4j.model.onnx;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A protocol-buffers message being written: its fields in order, each a varint, a string, raw
 * little-endian floats or a nested message. Sizes are computed before anything is written, so a
 * message streams to an {@link OutputStream} without being copied into one byte array first (a
 * model's weights exist once in memory, as the float buffers they came in).
 */
final class Proto {

  private static final int VARINT = 0;
  private static final int LEN = 2;
  private static final int FIXED32 = 5;
  private static final int FLOAT_CHUNK = 1 << 16;

  private final List<Field> fields = new ArrayList<>();

  private sealed interface Field permits Varint, Fixed32, Bytes, Floats, Message {}

  private record Fixed32(int number, int value) implements Field {}

  private record Varint(int number, long value) implements Field {}

  private record Bytes(int number, byte[] value) implements Field {}

  private record Floats(int number, FloatBuffer value) implements Field {}

  private record Message(int number, Proto value) implements Field {}

  /** An integer field (int32, int64 or enum); negative values take ten bytes. */
  Proto varint(int number, long value) {
    fields.add(new Varint(number, value));
    return this;
  }

  /** A 32-bit fixed field ({@code float} as its raw bits, {@code fixed32}). */
  Proto fixed32(int number, int bits) {
    fields.add(new Fixed32(number, bits));
    return this;
  }

  /** Appends another message's fields to this one's. */
  Proto append(Proto other) {
    fields.addAll(other.fields);
    return this;
  }

  /** A string field, UTF-8. */
  Proto string(int number, String value) {
    fields.add(new Bytes(number, value.getBytes(StandardCharsets.UTF_8)));
    return this;
  }

  /** A bytes field holding floats as little-endian IEEE 754 (ONNX's {@code raw_data}). */
  Proto floats(int number, FloatBuffer value) {
    fields.add(new Floats(number, value.duplicate()));
    return this;
  }

  /** A bytes field. */
  Proto bytes(int number, byte[] value) {
    fields.add(new Bytes(number, value.clone()));
    return this;
  }

  /** A nested message. */
  Proto message(int number, Proto value) {
    fields.add(new Message(number, value));
    return this;
  }

  /** The encoded size in bytes. */
  long size() {
    long n = 0;
    for (Field f : fields) {
      if (f instanceof Varint v) {
        n += varintSize(key(v.number, VARINT)) + varintSize(v.value);
      } else if (f instanceof Fixed32 x) {
        n += varintSize(key(x.number, FIXED32)) + 4;
      } else if (f instanceof Bytes b) {
        n += lenField(b.number, b.value.length);
      } else if (f instanceof Floats fl) {
        n += lenField(fl.number, 4L * fl.value.remaining());
      } else if (f instanceof Message m) {
        n += lenField(m.number, m.value.size());
      }
    }
    return n;
  }

  /** Writes the encoded message. */
  void writeTo(OutputStream out) throws IOException {
    for (Field f : fields) {
      if (f instanceof Varint v) {
        writeVarint(out, key(v.number, VARINT));
        writeVarint(out, v.value);
      } else if (f instanceof Fixed32 x) {
        writeVarint(out, key(x.number, FIXED32));
        for (int i = 0; i < 4; i++) {
          out.write((x.value >>> (8 * i)) & 0xff);
        }
      } else if (f instanceof Bytes b) {
        writeVarint(out, key(b.number, LEN));
        writeVarint(out, b.value.length);
        out.write(b.value);
      } else if (f instanceof Floats fl) {
        writeVarint(out, key(fl.number, LEN));
        writeVarint(out, 4L * fl.value.remaining());
        writeFloats(out, fl.value.duplicate());
      } else if (f instanceof Message m) {
        writeVarint(out, key(m.number, LEN));
        writeVarint(out, m.value.size());
        m.value.writeTo(out);
      }
    }
  }

  private static long lenField(int number, long length) {
    return varintSize(key(number, LEN)) + varintSize(length) + length;
  }

  private static long key(int number, int wireType) {
    return ((long) number << 3) | wireType;
  }

  private static int varintSize(long v) {
    int n = 1;
    while ((v & ~0x7fL) != 0) {
      n++;
      v >>>= 7;
    }
    return n;
  }

  private static void writeVarint(OutputStream out, long v) throws IOException {
    while ((v & ~0x7fL) != 0) {
      out.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static void writeFloats(OutputStream out, FloatBuffer src) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(4 * FLOAT_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
    while (src.hasRemaining()) {
      chunk.clear();
      int n = Math.min(FLOAT_CHUNK, src.remaining());
      for (int i = 0; i < n; i++) {
        chunk.putFloat(src.get());
      }
      out.write(chunk.array(), 0, 4 * n);
    }
  }
}
