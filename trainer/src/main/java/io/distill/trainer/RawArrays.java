package io.distill.trainer;

import java.io.IOException;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Primitive arrays written as raw bytes in one piece, for the objects that carry parameters and
 * rows between the driver and the executors every round ({@link NetworkState}, {@link RoundResult},
 * {@link Block}): Java serialization writes a float[] value by value, which for the 15 MB of an
 * 800x800 student's parameters and Adam moments cost a tenth of a second each way per round.
 */
final class RawArrays {
  private static final int CHUNK = 1 << 20;

  private RawArrays() {}

  static void writeFloats(ObjectOutput out, float[] values) throws IOException {
    writeFloats(out, values, values == null ? 0 : values.length);
  }

  /** The first {@code length} values (read back as an array of that length). */
  static void writeFloats(ObjectOutput out, float[] values, int length) throws IOException {
    if (values == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(length);
    ByteBuffer bytes =
        ByteBuffer.allocate(Math.max(1, Math.min(length, CHUNK)) * 4)
            .order(ByteOrder.LITTLE_ENDIAN);
    for (int from = 0; from < length; from += CHUNK) {
      int n = Math.min(CHUNK, length - from);
      bytes.clear();
      bytes.asFloatBuffer().put(values, from, n);
      out.write(bytes.array(), 0, n * 4);
    }
  }

  static float[] readFloats(ObjectInput in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    float[] values = new float[length];
    byte[] buffer = new byte[Math.min(length, CHUNK) * 4];
    for (int from = 0; from < length; from += CHUNK) {
      int n = Math.min(CHUNK, length - from);
      in.readFully(buffer, 0, n * 4);
      ByteBuffer.wrap(buffer, 0, n * 4)
          .order(ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer()
          .get(values, from, n);
    }
    return values;
  }

  static void writeInts(ObjectOutput out, int[] values) throws IOException {
    writeInts(out, values, values == null ? 0 : values.length);
  }

  /** The first {@code length} values (read back as an array of that length). */
  static void writeInts(ObjectOutput out, int[] values, int length) throws IOException {
    if (values == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(length);
    ByteBuffer bytes = ByteBuffer.allocate(length * 4).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asIntBuffer().put(values, 0, length);
    out.write(bytes.array());
  }

  static int[] readInts(ObjectInput in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    byte[] buffer = new byte[length * 4];
    in.readFully(buffer);
    int[] values = new int[length];
    ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(values);
    return values;
  }

  /** The first {@code length} values (read back as an array of that length). */
  static void writeLongs(ObjectOutput out, long[] values, int length) throws IOException {
    out.writeInt(length);
    ByteBuffer bytes = ByteBuffer.allocate(length * 8).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asLongBuffer().put(values, 0, length);
    out.write(bytes.array());
  }

  static long[] readLongs(ObjectInput in) throws IOException {
    int length = in.readInt();
    byte[] buffer = new byte[length * 8];
    in.readFully(buffer);
    long[] values = new long[length];
    ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(values);
    return values;
  }
}
