package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.distill.core.LocalSpark;
import io.distill.dataset.EmbeddedMnist;
import io.distill.dataset.ValidationSplit;
import io.distill.jobs.config.RunConfig;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TeacherModelFile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The transfer set's soft labels: its training rows take the training split's, the teacher labels
 * its jittered copies, and a copy whose id equals a validation row's (copy ids start above the
 * largest training row's id, not above the split's) is labelled by the teacher on its own image.
 */
class TransferSetSoftLabelsTest {
  private static final double FRACTION = 0.1;

  @TempDir Path dir;

  @Test
  void aCopyWhoseIdIsAValidationRowsIsLabelledOnItsOwnImage() throws Exception {
    SparkSession spark = LocalSpark.session();
    // With a validation fraction a row's side depends on its id alone: find ids 0..m+1 where 0
    // and m are training rows and m+1 a validation row. Then the largest training id is m, the
    // copies' ids start at m + 1, and the copy of row 0 has the validation row's id.
    Dataset<Row> renumbered =
        EmbeddedMnist.train()
            .orderBy("id")
            .limit(2_000)
            .withColumn(
                "id", functions.row_number().over(Window.orderBy("id")).minus(1).cast("long"))
            .cache();
    long seed = 0;
    Set<Long> validation;
    do {
      seed++;
      validation =
          ValidationSplit.fraction(renumbered, "renumbered", FRACTION, seed)
              .validation(renumbered)
              .select("id")
              .collectAsList()
              .stream()
              .map(r -> r.getLong(0))
              .collect(Collectors.toSet());
    } while (validation.contains(0L));
    long m = 100; // enough rows for every class
    while (validation.contains(m) || !validation.contains(m + 1)) {
      m++;
    }
    Path data = dir.resolve("data");
    renumbered
        .where(functions.col("id").leq(m + 1))
        .write()
        .parquet(data.resolve("train").toString());
    EmbeddedMnist.test().write().parquet(data.resolve("test").toString());
    Path run = dir.resolve("run");
    RunConfig config =
        QuickSliceRun.config(
            run,
            "data.input=" + data,
            "data.validation-fraction=" + FRACTION,
            "data.validation-seed=" + seed,
            "soft-labels.transfer-copies=1",
            "stages=[import, teacher, soft-labels]");
    DistillPipeline.of(spark, config).execute();

    Dataset<Row> transfer = spark.read().parquet(run.resolve("transfer/train").toString());
    Dataset<Row> transferSoft =
        spark.read().parquet(run.resolve("soft-labels/transfer").toString());
    Dataset<Row> trainSoft = spark.read().parquet(run.resolve("soft-labels/train").toString());
    assertEquals(transfer.count(), transferSoft.count(), "one soft label per transfer row");
    assertEquals(transfer.count(), transferSoft.select("id").distinct().count());
    long collision = m + 1;
    Row copy = transfer.where("id = " + collision).first(); // the copy of row 0
    assertEquals(
        (int) renumbered.where("id = 0").first().<Integer>getAs("label"),
        copy.getInt(copy.fieldIndex("label")),
        "the copy keeps row 0's label");
    Row copySoft = transferSoft.where("id = " + collision).first();
    Row validationSoft = trainSoft.where("id = " + collision).first();
    TeacherModel teacher =
        TeacherModelFile.load(
            run.resolve("teacher/model.zip").toString(),
            spark.sparkContext().hadoopConfiguration());
    float[] image = floats(copy.getList(copy.fieldIndex("features")));
    float[] expected = teacher.logits(Nd4j.create(new float[][] {image})).toFloatVector();
    float[] got = floats(copySoft.getList(copySoft.fieldIndex("teacher_logits")));
    assertArrayEquals(expected, got, 1e-4f, "the copy's logits are the teacher's on its image");
    float[] validationLogits =
        floats(validationSoft.getList(validationSoft.fieldIndex("teacher_logits")));
    assertFalse(
        Arrays.equals(validationLogits, got),
        "the copy did not take the validation row's soft labels");
  }

  private static float[] floats(List<Object> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) values.get(i)).floatValue();
    }
    return out;
  }
}
