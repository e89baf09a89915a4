package io.distill.trainer;

import io.distill.dataset.DatasetSchema;
import io.distill.dataset.RowChecks;
import java.util.Collections;
import java.util.Iterator;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;

/**
 * Packs one partition of (id, features, label [, teacher columns]) rows, in Spark's internal row
 * format, into one {@link Block}, checking every value: a bad row fails the task with the dataset,
 * row id, field, expected and got.
 */
final class BlockPacker implements Function2<Integer, Iterator<InternalRow>, Iterator<Block>> {
  private static final long serialVersionUID = 1L;

  private final String dataset;
  private final String teacherDataset;
  private final int features;
  private final int classes;
  private final TeacherSignal teacher;
  private final int expectedRows;

  BlockPacker(
      String dataset,
      String teacherDataset,
      int features,
      int classes,
      TeacherSignal teacher,
      int expectedRows) {
    this.dataset = dataset;
    this.teacherDataset = teacherDataset;
    this.features = features;
    this.classes = classes;
    this.teacher = teacher;
    this.expectedRows = expectedRows;
  }

  @Override
  public Iterator<Block> call(Integer partition, Iterator<InternalRow> rows) {
    Block.Builder block = null;
    while (rows.hasNext()) {
      InternalRow row = rows.next();
      if (row.isNullAt(0)) {
        throw new IllegalArgumentException(
            "Dataset " + dataset + ": a row has a null " + DatasetSchema.ID);
      }
      long id = row.getLong(0);
      if (row.isNullAt(2)) {
        throw new IllegalArgumentException(
            String.format("Dataset %s, row id=%d: %s is null", dataset, id, DatasetSchema.LABEL));
      }
      int label = row.getInt(2);
      if (label < 0 || label >= classes) {
        throw new IllegalArgumentException(
            String.format(
                "Dataset %s, row id=%d: label %d is outside [0, %d)", dataset, id, label, classes));
      }
      if (block == null) {
        int k = teacher.kind() == TeacherSignal.Kind.TOP_K ? topK(row, id) : 0;
        block =
            new Block.Builder(
                partition,
                features,
                classes,
                teacher.kind(),
                k,
                teacher.temperature(),
                expectedRows);
      }
      int r = block.add(id, label);
      RowChecks.finiteFloats(
          row.isNullAt(1) ? null : row.getArray(1),
          false,
          features,
          dataset,
          id,
          DatasetSchema.FEATURES,
          block.x(),
          r * features);
      switch (teacher.kind()) {
        case LOGITS ->
            RowChecks.finiteFloats(
                teacherArray(row, 3, id, teacher.logitsColumn()),
                false,
                classes,
                teacherDataset,
                id,
                teacher.logitsColumn(),
                block.logits(),
                r * classes);
        case TOP_K -> packTopK(row, id, r, block);
        default -> {}
      }
    }
    if (block == null) {
      block =
          new Block.Builder(
              partition, features, classes, teacher.kind(), 0, teacher.temperature(), 0);
    }
    return Collections.singletonList(block.build()).iterator();
  }

  private ArrayData teacherArray(InternalRow row, int ordinal, long id, String column) {
    if (row.isNullAt(ordinal)) {
      throw new IllegalArgumentException(
          String.format(
              "Dataset %s, row id=%d: no soft labels (%s is missing or" + " null in %s)",
              dataset, id, column, teacherDataset));
    }
    return row.getArray(ordinal);
  }

  private int topK(InternalRow row, long id) {
    int k = teacherArray(row, 3, id, teacher.indicesColumn()).numElements();
    if (k < 1 || k > classes) {
      throw new IllegalArgumentException(
          String.format(
              "Dataset %s, row id=%d: %s has %d values, expected 1 to %d",
              teacherDataset, id, teacher.indicesColumn(), k, classes));
    }
    return k;
  }

  private void packTopK(InternalRow row, long id, int r, Block.Builder block) {
    ArrayData indices = teacherArray(row, 3, id, teacher.indicesColumn());
    int expected = block.k();
    if (indices.numElements() != expected) {
      throw new IllegalArgumentException(
          String.format(
              "Dataset %s, row id=%d: %s has %d values, expected %d (as" + " every other row)",
              teacherDataset, id, teacher.indicesColumn(), indices.numElements(), expected));
    }
    RowChecks.finiteFloats(
        teacherArray(row, 4, id, teacher.probabilitiesColumn()),
        false,
        expected,
        teacherDataset,
        id,
        teacher.probabilitiesColumn(),
        block.topProbabilities(),
        r * expected);
    double sum = 0;
    for (int j = 0; j < expected; j++) {
      if (indices.isNullAt(j)) {
        throw new IllegalArgumentException(
            String.format(
                "Dataset %s, row id=%d: %s[%d] is null",
                teacherDataset, id, teacher.indicesColumn(), j));
      }
      int c = indices.getInt(j);
      if (c < 0 || c >= classes) {
        throw new IllegalArgumentException(
            String.format(
                "Dataset %s, row id=%d: %s[%d] is %d, outside [0, %d)",
                teacherDataset, id, teacher.indicesColumn(), j, c, classes));
      }
      float p = block.topProbabilities()[r * expected + j];
      if (p < 0 || p > 1) {
        throw new IllegalArgumentException(
            String.format(
                "Dataset %s, row id=%d: %s[%d] is %s, expected a" + " probability in [0, 1]",
                teacherDataset, id, teacher.probabilitiesColumn(), j, p));
      }
      sum += p;
      block.topIndices()[r * expected + j] = c;
    }
    if (sum > 1 + 1e-3) {
      throw new IllegalArgumentException(
          String.format(
              "Dataset %s, row id=%d: %s sums to %.6f, expected at most 1",
              teacherDataset, id, teacher.probabilitiesColumn(), sum));
    }
  }
}
