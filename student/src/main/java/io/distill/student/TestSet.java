package io.distill.student;

import io.distill.dataset.DatasetSchema;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The test split in driver memory, in id order: the ids, the {@code [n, d]} FLOAT feature matrix, the class labels
 * and, once given, the teacher's {@code [n, K]} FLOAT logits — what {@link ModelEvaluator} measures every model of a
 * run against. Load it once per run and evaluate all models on it.
 *
 * <h2>Cost</h2>
 * {@link #of(Dataset)} runs a sort by {@code id} and streams the sorted rows to the driver one partition at a time
 * ({@code toLocalIterator}), so the driver holds one partition of rows plus the result: {@code 4·n·d} bytes of
 * features (31 MB for the 10,000 MNIST test images) and {@code 4·n·K} of teacher logits.
 *
 * <h2>Checks</h2>
 * The dataset must have the labelled-dataset schema ({@link DatasetSchema}); rows must have non-null values, feature
 * arrays of one width without null elements, labels at least 0 and distinct ids; teacher logits must be one width
 * (at least 2), finite, one row per example. Every violation is an {@link IllegalArgumentException} naming the
 * example's id.
 *
 * <p>Immutable: {@link #withTeacherLogits} returns a new test set sharing the features. {@link #features()} returns
 * the held array; callers must not modify it.
 */
public final class TestSet {
  private final long[] ids;
  private final INDArray features;
  private final int[] labels;
  private final INDArray teacherLogits;

  private TestSet(long[] ids, INDArray features, int[] labels, INDArray teacherLogits) {
    this.ids = ids;
    this.features = features;
    this.labels = labels;
    this.teacherLogits = teacherLogits;
  }

  /** The rows of a labelled dataset ({@code id}, {@code features}, {@code label}), in id order, without teacher
   * logits. */
  public static TestSet of(Dataset<Row> test) {
    return of(test, null);
  }

  /**
   * The rows of a labelled dataset in id order, with the teacher's logits read from an array&lt;float&gt; column of
   * the same rows (e.g. {@code teacher_logits} of the soft-label job's output for the test split).
   *
   * @param teacherLogitsColumn the column holding the teacher's logits, or null for none
   */
  public static TestSet of(Dataset<Row> test, String teacherLogitsColumn) {
    if (test == null) {
      throw new IllegalArgumentException("TestSet: dataset must not be null");
    }
    DatasetSchema.requireLabelledDataset(test.schema(), "test split");
    boolean withLogits = teacherLogitsColumn != null;
    if (withLogits) {
      requireFloatArrayColumn(test, teacherLogitsColumn);
    }
    Dataset<Row> sorted = (withLogits
        ? test.select(DatasetSchema.ID, DatasetSchema.FEATURES, DatasetSchema.LABEL, teacherLogitsColumn)
        : test.select(DatasetSchema.ID, DatasetSchema.FEATURES, DatasetSchema.LABEL))
        .orderBy(functions.col(DatasetSchema.ID));

    LongList ids = new LongList();
    FloatList features = new FloatList();
    IntList labels = new IntList();
    FloatList logits = new FloatList();
    int width = -1;
    int classes = -1;
    Iterator<Row> rows = sorted.toLocalIterator();
    while (rows.hasNext()) {
      Row row = rows.next();
      if (row.isNullAt(0)) {
        throw new IllegalArgumentException("TestSet: a row of the test split has a null id");
      }
      long id = row.getLong(0);
      if (ids.size > 0 && ids.values[ids.size - 1] == id) {
        throw new IllegalArgumentException("TestSet: id " + id + " occurs more than once in the test split");
      }
      if (row.isNullAt(1)) {
        throw new IllegalArgumentException("TestSet: example id " + id + " has null features");
      }
      List<Object> pixels = row.getList(1);
      if (width < 0) {
        width = pixels.size();
        if (width == 0) {
          throw new IllegalArgumentException("TestSet: example id " + id + " has no features");
        }
      } else if (pixels.size() != width) {
        throw new IllegalArgumentException("TestSet: example id " + id + " has " + pixels.size()
            + " features, the examples before it have " + width);
      }
      appendFloats(features, pixels, id, "features");
      if (row.isNullAt(2)) {
        throw new IllegalArgumentException("TestSet: example id " + id + " has a null label");
      }
      int label = row.getInt(2);
      if (label < 0) {
        throw new IllegalArgumentException("TestSet: example id " + id + " has label " + label
            + ", labels must be at least 0");
      }
      labels.add(label);
      if (withLogits) {
        if (row.isNullAt(3)) {
          throw new IllegalArgumentException("TestSet: example id " + id + " has null " + teacherLogitsColumn);
        }
        List<Object> z = row.getList(3);
        if (classes < 0) {
          classes = z.size();
        } else if (z.size() != classes) {
          throw new IllegalArgumentException("TestSet: example id " + id + " has " + z.size() + " "
              + teacherLogitsColumn + ", the examples before it have " + classes);
        }
        appendFloats(logits, z, id, teacherLogitsColumn);
      }
      ids.add(id);
    }
    if (ids.size == 0) {
      throw new IllegalArgumentException("TestSet: the test split is empty");
    }
    int n = ids.size;
    INDArray x = Nd4j.createFromArray(Arrays.copyOf(features.values, features.size)).reshape('c', n, width);
    TestSet set = new TestSet(Arrays.copyOf(ids.values, n), x, Arrays.copyOf(labels.values, n), null);
    if (withLogits) {
      INDArray z = Nd4j.createFromArray(Arrays.copyOf(logits.values, logits.size)).reshape('c', n, classes);
      return set.withTeacherLogits(z);
    }
    return set;
  }

  /**
   * A test set from arrays already in memory; ids are the row numbers {@code 0 … n−1}.
   *
   * @param features {@code [n, d]} floating-point features (copied, as FLOAT)
   * @param labels   {@code n} class labels, each at least 0 (copied)
   */
  public static TestSet of(INDArray features, int[] labels) {
    if (features == null || labels == null) {
      throw new IllegalArgumentException("TestSet: features and labels must not be null");
    }
    if (features.rank() != 2 || features.size(0) == 0 || features.size(1) == 0) {
      throw new IllegalArgumentException("TestSet: features must be a non-empty matrix [n, d], got shape "
          + Arrays.toString(features.shape()));
    }
    if (!features.dataType().isFPType()) {
      throw new IllegalArgumentException("TestSet: features must be floating point, got " + features.dataType());
    }
    if (features.size(0) != labels.length) {
      throw new IllegalArgumentException("TestSet: features have " + features.size(0) + " rows but there are "
          + labels.length + " labels");
    }
    long[] ids = new long[labels.length];
    for (int i = 0; i < labels.length; i++) {
      ids[i] = i;
      if (labels[i] < 0) {
        throw new IllegalArgumentException("TestSet: example id " + i + " has label " + labels[i]
            + ", labels must be at least 0");
      }
    }
    INDArray x = features.castTo(DataType.FLOAT).dup('c');
    return new TestSet(ids, x, labels.clone(), null);
  }

  /**
   * This test set with the teacher's logits for its examples, row {@code i} for the {@code i}-th example in id order.
   *
   * @param logits {@code [n, K]} floating-point logits (or log-probabilities), {@code K ≥ 2}, finite; copied as FLOAT
   */
  public TestSet withTeacherLogits(INDArray logits) {
    if (logits == null) {
      throw new IllegalArgumentException("TestSet: teacher logits must not be null");
    }
    if (logits.rank() != 2) {
      throw new IllegalArgumentException("TestSet: teacher logits must be a matrix [n, K], got shape "
          + Arrays.toString(logits.shape()));
    }
    if (logits.size(0) != size()) {
      throw new IllegalArgumentException("TestSet: teacher logits have " + logits.size(0)
          + " rows, the test set has " + size() + " examples");
    }
    if (logits.size(1) < 2) {
      throw new IllegalArgumentException("TestSet: teacher logits must have at least 2 classes, got "
          + logits.size(1));
    }
    if (!logits.dataType().isFPType()) {
      throw new IllegalArgumentException("TestSet: teacher logits must be floating point, got " + logits.dataType());
    }
    INDArray z = logits.castTo(DataType.FLOAT).dup('c');
    float[][] rows = z.toFloatMatrix();
    for (int i = 0; i < rows.length; i++) {
      for (int k = 0; k < rows[i].length; k++) {
        if (!Float.isFinite(rows[i][k])) {
          throw new IllegalArgumentException("TestSet: teacher logits must be finite; example id " + ids[i]
              + " has " + rows[i][k] + " for class " + k);
        }
      }
    }
    return new TestSet(ids, features, labels, z);
  }

  /**
   * This test set with the teacher's logits computed by running {@code teacher} over the features in batches of
   * 1,024 rows.
   */
  public TestSet withTeacherLogits(LogitsModel teacher) {
    if (teacher == null) {
      throw new IllegalArgumentException("TestSet: teacher must not be null");
    }
    INDArray x = teacher.inputType() == null || teacher.inputType() == DataType.FLOAT
        ? features : features.castTo(teacher.inputType());
    int n = size();
    INDArray[] parts = new INDArray[(n + 1023) / 1024];
    for (int b = 0; b < parts.length; b++) {
      int from = b * 1024;
      int to = Math.min(n, from + 1024);
      parts[b] = teacher.logits(x.get(NDArrayIndex.interval(from, to), NDArrayIndex.all())).castTo(DataType.FLOAT);
    }
    return withTeacherLogits(parts.length == 1 ? parts[0] : Nd4j.vstack(parts));
  }

  /** The first {@code rows} examples (in id order), with their teacher logits if any. */
  public TestSet first(int rows) {
    if (rows < 1 || rows > size()) {
      throw new IllegalArgumentException("TestSet: rows must be in [1, " + size() + "], cannot be: " + rows);
    }
    INDArray x = features.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all()).dup('c');
    INDArray z = teacherLogits == null ? null
        : teacherLogits.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all()).dup('c');
    return new TestSet(Arrays.copyOf(ids, rows), x, Arrays.copyOf(labels, rows), z);
  }

  /** Number of examples {@code n}. */
  public int size() {
    return labels.length;
  }

  /** Width {@code d} of a feature row. */
  public int inputWidth() {
    return (int) features.size(1);
  }

  /** The {@code [n, d]} FLOAT features in id order: the held array, not a copy (do not modify it). */
  public INDArray features() {
    return features;
  }

  /** The labels in id order (a copy). */
  public int[] labels() {
    return labels.clone();
  }

  /** The label of the {@code i}-th example. */
  public int label(int i) {
    return labels[i];
  }

  /** The ids in ascending order (a copy). */
  public long[] ids() {
    return ids.clone();
  }

  /** The id of the {@code i}-th example. */
  public long id(int i) {
    return ids[i];
  }

  /** Whether teacher logits were given. */
  public boolean hasTeacherLogits() {
    return teacherLogits != null;
  }

  /**
   * The teacher's {@code [n, K]} FLOAT logits: the held array (do not modify it).
   *
   * @throws IllegalStateException if none were given
   */
  public INDArray teacherLogits() {
    if (teacherLogits == null) {
      throw new IllegalStateException("TestSet: no teacher logits were given (use withTeacherLogits)");
    }
    return teacherLogits;
  }

  /** Number of classes {@code K} of the teacher logits, or -1 if none were given. */
  public int numClasses() {
    return teacherLogits == null ? -1 : (int) teacherLogits.size(1);
  }

  @Override
  public String toString() {
    return "TestSet(" + size() + " examples, " + inputWidth() + " features"
        + (teacherLogits == null ? "" : ", teacher logits for " + numClasses() + " classes") + ")";
  }

  private static void requireFloatArrayColumn(Dataset<Row> test, String column) {
    StructField field = null;
    for (StructField f : test.schema().fields()) {
      if (f.name().equals(column)) {
        field = f;
      }
    }
    if (field == null) {
      throw new IllegalArgumentException("TestSet: the test split has no column '" + column + "' for the teacher"
          + " logits (found " + test.schema().simpleString() + ")");
    }
    if (!(field.dataType() instanceof ArrayType)
        || !((ArrayType) field.dataType()).elementType().equals(DataTypes.FloatType)) {
      throw new IllegalArgumentException("TestSet: column '" + column + "' is " + field.dataType().simpleString()
          + ", expected array<float>");
    }
  }

  private static void appendFloats(FloatList target, List<Object> values, long id, String what) {
    for (int k = 0; k < values.size(); k++) {
      Object v = values.get(k);
      if (v == null) {
        throw new IllegalArgumentException("TestSet: example id " + id + " has a null element at index " + k
            + " of " + what);
      }
      target.add((Float) v);
    }
  }

  private static final class FloatList {
    float[] values = new float[1 << 16];
    int size;

    void add(float v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, Math.multiplyExact(values.length, 2));
      }
      values[size++] = v;
    }
  }

  private static final class IntList {
    int[] values = new int[1 << 10];
    int size;

    void add(int v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, values.length * 2);
      }
      values[size++] = v;
    }
  }

  private static final class LongList {
    long[] values = new long[1 << 10];
    int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, values.length * 2);
      }
      values[size++] = v;
    }
  }
}
