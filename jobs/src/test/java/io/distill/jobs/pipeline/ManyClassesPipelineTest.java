package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.jobs.config.RunConfig;
import io.distill.student.ModelMetrics;
import io.distill.teacher.SoftLabelAction;
import io.distill.teacher.TeacherModelFile;
import io.distill.teacher.TeacherNetworks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A 1,000-class problem through the whole pipeline with top-10 soft labels: a synthetic teacher (a
 * random MLP with 1,000 outputs) labels synthetic features, the soft-label stage stores only each
 * row's 10 largest probabilities, and the students learn from them. Also measured: bytes per row of
 * top-10 storage against full storage of the same rows.
 */
class ManyClassesPipelineTest {
  private static final int FEATURES = 32;
  private static final int CLASSES = 1000;

  @TempDir Path dir;

  @Test
  void aThousandClassTeacherDistilsThroughTopTenSoftLabels() throws Exception {
    SparkSession spark = LocalSpark.session();
    MultiLayerNetwork teacher =
        new MultiLayerNetwork(
            TeacherNetworks.mlp(
                FEATURES, new int[] {128}, CLASSES, 1.0, 1.0, null, new Adam(1e-3), 3));
    teacher.init();
    String teacherPath =
        TeacherModelFile.save(
            teacher,
            dir.resolve("teacher.zip").toString(),
            null,
            spark.sparkContext().hadoopConfiguration());
    Path data = dir.resolve("data");
    write(spark, teacher, 6_000, 1, data.resolve("train"));
    write(spark, teacher, 1_000, 2, data.resolve("test"));

    Path run = dir.resolve("run");
    RunConfig config =
        RunConfig.load(
            null,
            List.of(
                "run.dir=" + run,
                "data.input=" + data,
                "data.validation-rows=500",
                "teacher.model=" + teacherPath,
                "soft-labels.top-k=10",
                "soft-labels.temperature=2",
                "soft-labels.transfer-copies=0",
                "students.epochs=3",
                "students.batch-size=50",
                "training.workers=2",
                "students.sizes=[{name=\"256\", hidden=[256], temperature=2, alpha=0.1}]"));
    DistillPipeline.Result result = DistillPipeline.of(spark, config).execute();
    assertEquals(
        List.of("teacher", "256-distilled", "256-baseline"),
        result.metrics().stream().map(ModelMetrics::model).toList());
    ModelMetrics distilled = result.metrics().get(1);
    ModelMetrics baseline = result.metrics().get(2);
    assertEquals(
        0, result.metrics().get(0).testErrors(), "the labels are the teacher's own argmax");
    // Far above chance (0.1 %) for both; from ten probabilities per row the distilled student
    // learns the teacher's
    // distribution (KL to it), which 5,500 hard labels over 1,000 classes do not show.
    assertTrue(
        distilled.testAccuracy() > 0.1 && baseline.testAccuracy() > 0.1,
        distilled + " / " + baseline);
    assertTrue(
        distilled.meanKlToTeacher() < baseline.meanKlToTeacher() / 5,
        "KL to the teacher: distilled "
            + distilled.meanKlToTeacher()
            + ", baseline "
            + baseline.meanKlToTeacher());
    assertEquals(
        List.of("id", "top_k_indices", "top_k_probabilities"),
        List.of(spark.read().parquet(run.resolve("soft-labels/train").toString()).columns()));

    Path full = dir.resolve("full-soft-labels");
    SoftLabelAction.of(spark)
        .teacher(teacherPath)
        .data(data.resolve("train").toString())
        .output(full.toString())
        .temperature(2)
        .execute();
    double topKBytes = parquetBytes(run.resolve("soft-labels/train")) / 6_000.0;
    double fullBytes = parquetBytes(full) / 6_000.0;
    System.out.printf(
        "1,000 classes: soft labels take %.0f bytes per row as top-10, %.0f as full logits and"
            + " probabilities (%.1f%%)%n",
        topKBytes, fullBytes, 100 * topKBytes / fullBytes);
    assertTrue(topKBytes < 0.05 * fullBytes, topKBytes + " vs " + fullBytes + " bytes per row");
  }

  /**
   * Rows of gaussian features labelled by the teacher's argmax, as this project's Parquet layout.
   */
  private static void write(
      SparkSession spark, MultiLayerNetwork teacher, int rows, long seed, Path out) {
    Random random = new Random(seed);
    float[] x = new float[rows * FEATURES];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    INDArray logits = teacher.output(Nd4j.create(x, new long[] {rows, FEATURES}, 'c'), false);
    INDArray labels = logits.argMax(1);
    List<Row> list = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      float[] f = new float[FEATURES];
      System.arraycopy(x, i * FEATURES, f, 0, FEATURES);
      List<Float> boxed = new ArrayList<>();
      for (float v : f) {
        boxed.add(v);
      }
      list.add(RowFactory.create(seed * 1_000_000 + i, boxed, labels.getInt(i)));
    }
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType, false)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("label", DataTypes.IntegerType, false);
    spark.createDataFrame(list, schema).repartition(2).write().parquet(out.toString());
  }

  private static long parquetBytes(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".parquet"))
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .sum();
    }
  }
}
