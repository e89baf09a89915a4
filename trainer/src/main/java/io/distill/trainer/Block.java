package io.distill.trainer;

import java.io.Externalizable;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInput;
import java.io.ObjectInputStream;
import java.io.ObjectOutput;
import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A bounded run of training rows packed into primitive arrays, one Spark partition of a {@link
 * TrainingData}: the rows' ids, features (row-major, {@code rows × features}), hard labels and,
 * when the dataset has a teacher, its outputs (K logits per row, or the top-k probabilities and
 * classes; see {@link TeacherSignal}). A block's size is bounded by {@link TrainingData}'s block
 * bytes, so every index inside it is an {@code int}; rows are counted in {@code long} outside it.
 * Immutable once built; safe to share between the tasks of one executor.
 */
final class Block implements Serializable {
  private static final long serialVersionUID = 1L;

  final int index;
  final int rows;
  final int features;
  final int classes;
  final long[] ids;
  final float[] x;
  final int[] labels;
  final TeacherSignal.Kind teacher;
  final float[] logits;
  final int k;
  final int[] topIndices;
  final float[] topProbabilities;
  final double topTemperature;

  private Block(Builder b) {
    this.index = b.index;
    this.rows = b.rows;
    this.features = b.features;
    this.classes = b.classes;
    // The builder's arrays as they are (their capacity may exceed the rows: no 32 MB trimming
    // copy); only the rows'
    // values are serialized.
    this.ids = b.ids;
    this.x = b.x;
    this.labels = b.labels;
    this.teacher = b.teacher;
    this.logits = b.logits;
    this.k = b.k;
    this.topIndices = b.topIndices;
    this.topProbabilities = b.topProbabilities;
    this.topTemperature = b.topTemperature;
  }

  private Block(
      int index,
      int rows,
      int features,
      int classes,
      long[] ids,
      float[] x,
      int[] labels,
      TeacherSignal.Kind teacher,
      float[] logits,
      int k,
      int[] topIndices,
      float[] topProbabilities,
      double topTemperature) {
    this.index = index;
    this.rows = rows;
    this.features = features;
    this.classes = classes;
    this.ids = ids;
    this.x = x;
    this.labels = labels;
    this.teacher = teacher;
    this.logits = logits;
    this.k = k;
    this.topIndices = topIndices;
    this.topProbabilities = topProbabilities;
    this.topTemperature = topTemperature;
  }

  /**
   * Serialized through {@link Proxy}: the arrays as raw bytes (persisted blocks are written and
   * read this way).
   */
  private Object writeReplace() {
    return new Proxy(this);
  }

  private void readObject(ObjectInputStream in) throws InvalidObjectException {
    throw new InvalidObjectException("a Block is read through its proxy");
  }

  /** The serialized form of a {@link Block}. */
  static final class Proxy implements Externalizable {
    private static final long serialVersionUID = 1L;
    private Block block;

    public Proxy() {}

    Proxy(Block block) {
      this.block = block;
    }

    @Override
    public void writeExternal(ObjectOutput out) throws IOException {
      Block b = block;
      out.writeInt(b.index);
      out.writeInt(b.rows);
      out.writeInt(b.features);
      out.writeInt(b.classes);
      out.writeInt(b.teacher.ordinal());
      out.writeInt(b.k);
      out.writeDouble(b.topTemperature);
      RawArrays.writeLongs(out, b.ids, b.rows);
      RawArrays.writeFloats(out, b.x, b.rows * b.features);
      RawArrays.writeInts(out, b.labels, b.rows);
      RawArrays.writeFloats(out, b.logits, b.rows * b.classes);
      RawArrays.writeInts(out, b.topIndices, b.rows * b.k);
      RawArrays.writeFloats(out, b.topProbabilities, b.rows * b.k);
    }

    @Override
    public void readExternal(ObjectInput in) throws IOException {
      int index = in.readInt();
      int rows = in.readInt();
      int features = in.readInt();
      int classes = in.readInt();
      TeacherSignal.Kind teacher = TeacherSignal.Kind.values()[in.readInt()];
      int k = in.readInt();
      double t = in.readDouble();
      block =
          new Block(
              index,
              rows,
              features,
              classes,
              RawArrays.readLongs(in),
              RawArrays.readFloats(in),
              RawArrays.readInts(in),
              teacher,
              RawArrays.readFloats(in),
              k,
              RawArrays.readInts(in),
              RawArrays.readFloats(in),
              t);
    }

    private Object readResolve() {
      return block;
    }
  }

  /** Bytes one row takes in a block. */
  static long rowBytes(int features, int classes, TeacherSignal.Kind teacher, int k) {
    long teacherBytes =
        switch (teacher) {
          case NONE -> 0L;
          case LOGITS -> 4L * classes;
          case TOP_K -> 8L * k;
        };
    return 8 + 4L * features + 4 + teacherBytes;
  }

  /** Whether the rows carry the teacher's outputs. */
  boolean hasTeacher() {
    return teacher != TeacherSignal.Kind.NONE;
  }

  /** Copies the features of {@code row} into {@code out[offset, offset + features)}. */
  void features(int row, float[] out, int offset) {
    System.arraycopy(x, row * features, out, offset, features);
  }

  /**
   * Writes the teacher's K logits (or top-k pseudo-logits) of {@code row} into {@code
   * out[offset..]}.
   */
  void teacherLogits(int row, float[] out, int offset) {
    if (teacher == TeacherSignal.Kind.LOGITS) {
      System.arraycopy(logits, row * classes, out, offset, classes);
    } else if (teacher == TeacherSignal.Kind.TOP_K) {
      TeacherSignal.pseudoLogits(
          topIndices, topProbabilities, row * k, k, classes, topTemperature, out, offset);
    } else {
      throw new IllegalStateException("block " + index + " has no teacher outputs");
    }
  }

  /** The rows in stored (id) order, or a permutation of them seeded by {@code seed}. */
  int[] order(long seed, boolean shuffle) {
    int[] order = new int[rows];
    for (int i = 0; i < rows; i++) {
      order[i] = i;
    }
    if (shuffle) {
      SplittableRandom random = new SplittableRandom(seed);
      for (int i = rows - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }

  /** Number of minibatches of {@code batchSize} in one pass (the last may be smaller). */
  int batches(int batchSize) {
    return (rows + batchSize - 1) / batchSize;
  }

  /** Accumulates rows, growing its arrays as needed (starting from the expected row count). */
  static final class Builder {
    private final int index;
    private final int features;
    private final int classes;
    private final TeacherSignal.Kind teacher;
    private final int k;
    private final double topTemperature;
    private int rows;
    private long[] ids;
    private float[] x;
    private int[] labels;
    private float[] logits;
    private int[] topIndices;
    private float[] topProbabilities;

    Builder(
        int index,
        int features,
        int classes,
        TeacherSignal.Kind teacher,
        int k,
        double topTemperature,
        int expectedRows) {
      this.index = index;
      this.features = features;
      this.classes = classes;
      this.teacher = teacher;
      this.k = k;
      this.topTemperature = topTemperature;
      // The expected rows and a sixteenth more: hash partitions differ from their mean by about its
      // square root.
      int capacity = Math.max(16, expectedRows + expectedRows / 16);
      ids = new long[capacity];
      x = new float[Math.multiplyExact(capacity, features)];
      labels = new int[capacity];
      if (teacher == TeacherSignal.Kind.LOGITS) {
        logits = new float[Math.multiplyExact(capacity, classes)];
      } else if (teacher == TeacherSignal.Kind.TOP_K) {
        topIndices = new int[Math.multiplyExact(capacity, k)];
        topProbabilities = new float[Math.multiplyExact(capacity, k)];
      }
    }

    int rows() {
      return rows;
    }

    /** Top-k values per row (0 without top-k teacher outputs). */
    int k() {
      return k;
    }

    /**
     * Makes room for one more row and returns its index; the caller fills {@link #x} and the rest.
     */
    int add(long id, int label) {
      if (rows == ids.length) {
        // Grown by an eighth: a block is a few MB to a few tens of MB, and doubling would hold
        // three times that.
        int capacity = Math.addExact(ids.length, ids.length / 8 + 16);
        ids = Arrays.copyOf(ids, capacity);
        x = Arrays.copyOf(x, Math.multiplyExact(capacity, features));
        labels = Arrays.copyOf(labels, capacity);
        if (logits != null) {
          logits = Arrays.copyOf(logits, Math.multiplyExact(capacity, classes));
        }
        if (topIndices != null) {
          topIndices = Arrays.copyOf(topIndices, Math.multiplyExact(capacity, k));
          topProbabilities = Arrays.copyOf(topProbabilities, Math.multiplyExact(capacity, k));
        }
      }
      ids[rows] = id;
      labels[rows] = label;
      return rows++;
    }

    float[] x() {
      return x;
    }

    float[] logits() {
      return logits;
    }

    int[] topIndices() {
      return topIndices;
    }

    float[] topProbabilities() {
      return topProbabilities;
    }

    Block build() {
      return new Block(this);
    }
  }
}
