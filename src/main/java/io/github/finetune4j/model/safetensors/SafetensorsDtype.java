package io.github.finetune4j.model.safetensors;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The element types a safetensors header may name, with their sizes. All of them are accepted in a
 * header (their sizes are checked against the offsets); only {@link #F32}, {@link #F16} and {@link
 * #BF16} can be read as float32 values. Sub-byte types (F4, F6) are not known.
 */
public enum SafetensorsDtype {
  /** Boolean, one byte. */
  BOOL(1),
  /** Unsigned 8-bit integer. */
  U8(1),
  /** Signed 8-bit integer. */
  I8(1),
  /** 8-bit float, 5 exponent bits. */
  F8_E5M2(1),
  /** 8-bit float, 4 exponent bits. */
  F8_E4M3(1),
  /** 8-bit exponent-only float (scale factors). */
  F8_E8M0(1),
  /** Signed 16-bit integer. */
  I16(2),
  /** Unsigned 16-bit integer. */
  U16(2),
  /** IEEE 754 half precision: 1 sign, 5 exponent, 10 mantissa bits. */
  F16(2),
  /** bfloat16: the upper 16 bits of a float32. */
  BF16(2),
  /** Signed 32-bit integer. */
  I32(4),
  /** Unsigned 32-bit integer. */
  U32(4),
  /** IEEE 754 single precision. */
  F32(4),
  /** IEEE 754 double precision. */
  F64(8),
  /** Signed 64-bit integer. */
  I64(8),
  /** Unsigned 64-bit integer. */
  U64(8);

  private final int size;

  SafetensorsDtype(int size) {
    this.size = size;
  }

  /**
   * Returns the size of one element.
   *
   * @return bytes per element
   */
  public int size() {
    return size;
  }

  /**
   * Whether {@link SafetensorsReader#read} can convert this type to float32 exactly.
   *
   * @return true for F32, F16 and BF16
   */
  public boolean readableAsFloat() {
    return this == F32 || this == F16 || this == BF16;
  }

  /**
   * Looks a type up by its name in a header ({@code "F32"}, case-sensitive as the format is).
   *
   * @param name the {@code dtype} string
   * @return the type, or empty if the name is unknown
   */
  public static Optional<SafetensorsDtype> byName(String name) {
    for (SafetensorsDtype d : values()) {
      if (d.name().equals(name)) {
        return Optional.of(d);
      }
    }
    return Optional.empty();
  }

  /**
   * The known names, for messages.
   *
   * @return e.g. {@code BOOL, U8, ..., U64}
   */
  static String knownNames() {
    return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
  }

  /**
   * Converts an IEEE 754 half-precision value to the float32 of the same value, exactly (every half
   * is a float32): zeros keep their sign, subnormals become normal floats, infinities stay infinite
   * and NaNs stay NaN with their payload shifted into the float's mantissa. The same as Java 20's
   * {@code Float.float16ToFloat}.
   *
   * @param bits the half's bits in the low 16 bits (higher bits are ignored)
   * @return the value as a float
   */
  public static float halfToFloat(int bits) {
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      // Zero or subnormal: mantissa * 2^-24, exact in float (10 bits, power-of-two scale).
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    // Normal: rebias the exponent from 15 to 127 and widen the mantissa from 10 to 23 bits.
    return Float.intBitsToFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
  }

  /**
   * Converts a bfloat16 value to float32, exactly: its bits are the float's upper 16 bits.
   *
   * @param bits the bfloat16's bits in the low 16 bits (higher bits are ignored)
   * @return the value as a float
   */
  public static float bfloat16ToFloat(int bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }
}
