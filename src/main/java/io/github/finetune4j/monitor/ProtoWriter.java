package io.github.finetune4j.monitor;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal protocol-buffers wire-format encoder: varints, 32/64-bit fixed numbers and
 * length-delimited fields, enough to write TensorBoard's {@code Event} and {@code Summary}
 * messages.
 */
final class ProtoWriter {

  private static final int VARINT = 0;
  private static final int FIXED64 = 1;
  private static final int LENGTH_DELIMITED = 2;
  private static final int FIXED32 = 5;

  private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

  ProtoWriter doubleField(int field, double v) {
    key(field, FIXED64);
    long bits = Double.doubleToRawLongBits(v);
    for (int i = 0; i < 8; i++) {
      buf.write((int) (bits >>> (8 * i)) & 0xff);
    }
    return this;
  }

  ProtoWriter floatField(int field, float v) {
    key(field, FIXED32);
    int bits = Float.floatToRawIntBits(v);
    for (int i = 0; i < 4; i++) {
      buf.write((bits >>> (8 * i)) & 0xff);
    }
    return this;
  }

  /** An {@code int64} field (negative values take ten bytes, as the wire format says). */
  ProtoWriter int64Field(int field, long v) {
    key(field, VARINT);
    varint(v);
    return this;
  }

  ProtoWriter stringField(int field, String v) {
    return bytesField(field, v.getBytes(StandardCharsets.UTF_8));
  }

  ProtoWriter messageField(int field, ProtoWriter message) {
    return bytesField(field, message.toByteArray());
  }

  ProtoWriter bytesField(int field, byte[] v) {
    key(field, LENGTH_DELIMITED);
    varint(v.length);
    buf.writeBytes(v);
    return this;
  }

  byte[] toByteArray() {
    return buf.toByteArray();
  }

  private void key(int field, int wireType) {
    varint(((long) field << 3) | wireType);
  }

  private void varint(long v) {
    while ((v & ~0x7fL) != 0) {
      buf.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    buf.write((int) v);
  }
}
