package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.dataset.EmbeddedMnist;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

class SoftLabelActionTest {
  private static final SparkSession SPARK = LocalSpark.session();
  private static String teacherPath;
  private static String testPath;

  @TempDir static Path shared;
  @TempDir Path dir;

  /**
   * A small teacher trained briefly on the slice, so its soft labels are neither uniform nor
   * one-hot.
   */
  @BeforeAll
  static void teacher() {
    testPath = EmbeddedMnist.imported().testPath();
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            TeacherNetworks.mlp(784, new int[] {32}, 10, 1.0, 1.0, null, new Adam(3e-3), 5));
    net.init();
    List<Row> rows = EmbeddedMnist.train().where("id < 2000").collectAsList();
    float[][] x = new float[rows.size()][];
    float[][] y = new float[rows.size()][20];
    for (int i = 0; i < x.length; i++) {
      x[i] = floats(rows.get(i).getList(1));
      y[i][rows.get(i).getInt(2)] = 1;
    }
    for (int epoch = 0; epoch < 3; epoch++) {
      for (int from = 0; from < x.length; from += 100) {
        net.fit(
            Nd4j.create(Arrays.copyOfRange(x, from, from + 100)),
            Nd4j.create(Arrays.copyOfRange(y, from, from + 100)));
      }
    }
    teacherPath =
        TeacherModelFile.save(
            net,
            shared.resolve("teacher.zip").toString(),
            null,
            SPARK.sparkContext().hadoopConfiguration());
  }

  private static float[] floats(List<Object> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) values.get(i)).floatValue();
    }
    return out;
  }

  private SoftLabelAction.Result label(String data, String out, double t) {
    return SoftLabelAction.of(SPARK)
        .teacher(teacherPath)
        .data(data)
        .output(out)
        .temperature(t)
        .batchSize(100)
        .partitions(3)
        .execute();
  }

  @Test
  void oneRowPerInputIdWithSoftLabelsEqualToTheTeachersSoftmaxAtT() throws IOException {
    String out = dir.resolve("soft").toString();
    SoftLabelAction.Result result = label(testPath, out, 4.0);
    Dataset<Row> input = SPARK.read().parquet(testPath);
    Dataset<Row> soft = SPARK.read().parquet(out);
    assertEquals(1000, result.rows());
    assertEquals(input.count(), soft.count());
    assertEquals(0, input.select("id").except(soft.select("id")).count());
    assertEquals(soft.count(), soft.select("id").distinct().count());
    assertEquals(List.of("id", "teacher_logits", "soft_labels"), List.of(soft.columns()));

    // Every row's soft labels sum to 1.
    Row sums =
        soft.select(
                functions
                    .aggregate(
                        functions.col("soft_labels"), functions.lit(0.0), (acc, v) -> acc.plus(v))
                    .as("s"))
            .agg(functions.min("s"), functions.max("s"))
            .first();
    assertEquals(1.0, sums.getDouble(0), 1e-5);
    assertEquals(1.0, sums.getDouble(1), 1e-5);

    // A sample of rows: logits from the teacher on the driver, softmax(z / T) computed here in
    // doubles.
    TeacherModel teacher =
        TeacherModelFile.load(teacherPath, SPARK.sparkContext().hadoopConfiguration());
    List<Row> sample =
        soft.join(input, "id")
            .where("id % 97 = 0")
            .orderBy("id")
            .select("id", "features", "label", "teacher_logits", "soft_labels")
            .collectAsList();
    assertTrue(sample.size() >= 10);
    float[][] x = new float[sample.size()][];
    for (int i = 0; i < x.length; i++) {
      x[i] = floats(sample.get(i).getList(1));
    }
    float[][] z = teacher.logits(Nd4j.create(x)).toFloatMatrix();
    for (int i = 0; i < x.length; i++) {
      assertArrayEquals(
          z[i],
          floats(sample.get(i).getList(3)),
          1e-5f,
          "logits of id " + sample.get(i).getLong(0));
      double max = Double.NEGATIVE_INFINITY;
      for (float v : z[i]) {
        max = Math.max(max, v);
      }
      double norm = 0;
      for (float v : z[i]) {
        norm += Math.exp((v - max) / 4.0);
      }
      float[] p = floats(sample.get(i).getList(4));
      for (int k = 0; k < 10; k++) {
        assertEquals(
            Math.exp((z[i][k] - max) / 4.0) / norm, p[k], 1e-5, "id " + sample.get(i).getLong(0));
      }
    }
    assertTrue(Files.exists(dir.resolve("soft").resolve(SoftLabelSchema.MANIFEST)));
    String manifest = Files.readString(dir.resolve("soft").resolve(SoftLabelSchema.MANIFEST));
    assertTrue(
        manifest.contains("\"teacherSha256\" : \"" + result.teacherSha256() + "\""), manifest);
    assertTrue(manifest.contains("\"temperature\" : 4.0"), manifest);
    assertTrue(manifest.contains("\"rows\" : 1000"), manifest);
    assertEquals(
        1,
        ExecutorTeachers.loads(teacherPath, result.teacherSha256(), TeacherInput.AS_IS),
        "the teacher file is read once per JVM, whatever the number of tasks");
  }

  @Test
  void higherTemperatureGivesHigherEntropy() {
    double cold = meanEntropy(label(testPath, dir.resolve("t1").toString(), 1.0).outputPath());
    double warm = meanEntropy(label(testPath, dir.resolve("t5").toString(), 5.0).outputPath());
    assertTrue(warm > cold + 0.1, "entropy at T=5 " + warm + " vs T=1 " + cold);
  }

  private double meanEntropy(String path) {
    return SPARK
        .read()
        .parquet(path)
        .select(
            functions
                .aggregate(
                    functions.col("soft_labels"),
                    functions.lit(0.0),
                    (acc, p) ->
                        acc.minus(
                            functions.when(p.gt(0), p.multiply(functions.log(p))).otherwise(0.0)))
                .as("h"))
        .agg(functions.avg("h"))
        .first()
        .getDouble(0);
  }

  @Test
  void aBadRowInTheMiddleLeavesNothingPublished() throws IOException {
    String bad = dir.resolve("bad-input").toString();
    SPARK
        .read()
        .parquet(testPath)
        .selectExpr(
            "id",
            "CASE WHEN id = 500 THEN transform(features, (v, i) -> IF(i = 300, CAST('NaN' AS FLOAT), v))"
                + " ELSE features END AS features",
            "label")
        .write()
        .parquet(bad);
    String out = dir.resolve("never").toString();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> label(bad, out, 2.0));
    assertEquals(
        "Dataset " + bad + ", row id=500: features[300] is NaN, expected a finite number",
        e.getMessage());
    assertFalse(Files.exists(dir.resolve("never")));
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(
          List.of("bad-input"),
          s.map(p -> p.getFileName().toString()).collect(Collectors.toList()),
          "no temporary directory left behind");
    }
  }

  /**
   * Features that are finite but so large that the teacher's logits overflow: the job is refused
   * naming the row, and nothing is published (soft labels are checked finite before publishing).
   */
  @Test
  void aTeacherOutputThatIsNotFiniteIsRefusedNamingTheRow() {
    String bad = dir.resolve("overflowing-input").toString();
    SPARK
        .read()
        .parquet(testPath)
        .selectExpr(
            "id",
            "CASE WHEN id = 700 THEN transform(features, v -> CAST(3e38 AS FLOAT)) ELSE features END"
                + " AS features",
            "label")
        .write()
        .parquet(bad);
    String out = dir.resolve("never").toString();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> label(bad, out, 2.0));
    assertTrue(
        e.getMessage().contains(", dataset " + bad + ", row id=700: ")
            && e.getMessage().contains("expected a finite number; nothing published"),
        e.getMessage());
    assertFalse(Files.exists(dir.resolve("never")));
  }

  /**
   * A rerun replaces the output whole; top-3 keeps the three largest probabilities and their
   * classes.
   */
  @Test
  void knownSoftLabelsAreTakenAsTheyAreAndTheTeacherLabelsTheOtherRowsOnly() throws IOException {
    // Known: four fifths of the rows, labelled at T=2, so that a row taken from them (T=2) is told
    // apart from one the teacher labels in this action (T=4).
    String knownPath = dir.resolve("known").toString();
    Dataset<Row> test = SPARK.read().parquet(testPath);
    SoftLabelAction.of(SPARK)
        .teacher(teacherPath)
        .data(test.where("id % 5 <> 0"), "four fifths")
        .output(knownPath)
        .temperature(2.0)
        .execute();
    String allPath = dir.resolve("all").toString();
    label(testPath, allPath, 4.0);
    String out = dir.resolve("soft").toString();
    Dataset<Row> known = SPARK.read().parquet(knownPath);
    SoftLabelAction.Result r =
        SoftLabelAction.of(SPARK)
            .teacher(teacherPath)
            .data(testPath)
            .known(known, knownPath)
            .output(out)
            .temperature(4.0)
            .execute();
    long fifth = test.where("id % 5 = 0").count();
    assertEquals(1000, r.rows());
    assertEquals(fifth, r.labelledRows(), "the teacher ran over the rows without soft labels only");
    Dataset<Row> soft = SPARK.read().parquet(out);
    assertEquals(1000, soft.count());
    assertEquals(1000, soft.select("id").distinct().count());
    assertEquals(List.of("id", "teacher_logits", "soft_labels"), List.of(soft.columns()));
    List<Row> rows =
        soft.join(known.withColumnRenamed("soft_labels", "known"), "id", "left")
            .join(SPARK.read().parquet(allPath).withColumnRenamed("soft_labels", "all"), "id")
            .select("id", "soft_labels", "known", "all")
            .collectAsList();
    for (Row row : rows) {
      float[] p = floats(row.getList(1));
      if (row.getLong(0) % 5 != 0) {
        assertArrayEquals(floats(row.getList(2)), p, 0f, "known row " + row.getLong(0));
      } else {
        assertTrue(row.isNullAt(2));
        assertArrayEquals(floats(row.getList(3)), p, 1e-6f, "labelled row " + row.getLong(0));
      }
    }
    String manifest = Files.readString(dir.resolve("soft").resolve(SoftLabelSchema.MANIFEST));
    assertTrue(manifest.contains("\"labelledRows\" : " + fifth), manifest);
    assertTrue(manifest.contains("\"reusedRows\" : " + (1000 - fifth)), manifest);

    // Soft labels of another layout (top-k) are not this action's output: refused, named.
    String topK = dir.resolve("top").toString();
    SoftLabelAction.of(SPARK)
        .teacher(teacherPath)
        .data(testPath)
        .output(topK)
        .temperature(4.0)
        .topK(2)
        .execute();
    Exception e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SoftLabelAction.of(SPARK)
                    .teacher(teacherPath)
                    .data(testPath)
                    .known(SPARK.read().parquet(topK), topK)
                    .output(dir.resolve("refused").toString())
                    .temperature(4.0)
                    .execute());
    assertTrue(e.getMessage().contains("Soft labels " + topK + " have columns"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("refused")));
  }

  @Test
  void rerunReplacesTheOutputAndTopKKeepsTheLargestProbabilities() {
    String out = dir.resolve("soft").toString();
    String full = dir.resolve("full").toString();
    label(testPath, full, 2.0);
    label(testPath, out, 2.0);
    SoftLabelAction.of(SPARK)
        .teacher(teacherPath)
        .data(testPath)
        .output(out)
        .temperature(2.0)
        .topK(3)
        .execute();
    Dataset<Row> top = SPARK.read().parquet(out);
    assertEquals(List.of("id", "top_k_indices", "top_k_probabilities"), List.of(top.columns()));
    assertEquals(1000, top.count());
    List<Row> rows = top.join(SPARK.read().parquet(full), "id").limit(100).collectAsList();
    for (Row r : rows) {
      List<Integer> indices = r.getList(1);
      float[] p = floats(r.getList(2));
      float[] all = floats(r.getList(4));
      Integer[] order = new Integer[all.length];
      for (int k = 0; k < order.length; k++) {
        order[k] = k;
      }
      Arrays.sort(order, (a, b) -> Float.compare(all[b], all[a]));
      assertEquals(List.of(order[0], order[1], order[2]), indices, "id " + r.getLong(0));
      for (int k = 0; k < 3; k++) {
        assertEquals(all[indices.get(k)], p[k], 1e-6, "id " + r.getLong(0));
      }
    }
  }

  @Test
  void badSettingsAndTeachersAreRefusedBeforeAnyWork() throws IOException {
    assertEquals(
        "temperature must be positive and finite, cannot be: 0.0",
        assertThrows(IllegalArgumentException.class, () -> SoftLabelAction.of(SPARK).temperature(0))
            .getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> SoftLabelAction.of(SPARK).temperature(Double.NaN));

    String missing = dir.resolve("nope.zip").toString();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SoftLabelAction.of(SPARK)
                    .teacher(missing)
                    .data(testPath)
                    .output(dir.resolve("o").toString())
                    .temperature(2)
                    .execute());
    assertTrue(
        e.getMessage().contains(missing) && e.getMessage().contains("does not exist"),
        e.getMessage());

    Path corrupt = Files.write(dir.resolve("corrupt.zip"), new byte[] {'P', 'K', 3, 4, 1, 2, 3});
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SoftLabelAction.of(SPARK)
                    .teacher(corrupt.toString())
                    .data(testPath)
                    .output(dir.resolve("o").toString())
                    .temperature(2)
                    .execute());
    assertTrue(e.getMessage().contains("corrupt.zip"), e.getMessage());

    MultiLayerNetwork small =
        new MultiLayerNetwork(
            TeacherNetworks.mlp(100, new int[] {8}, 10, 1.0, 1.0, null, new Adam(1e-3), 1));
    small.init();
    String wrongSize =
        TeacherModelFile.save(
            small,
            dir.resolve("small.zip").toString(),
            null,
            SPARK.sparkContext().hadoopConfiguration());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SoftLabelAction.of(SPARK)
                    .teacher(wrongSize)
                    .data(testPath)
                    .output(dir.resolve("o").toString())
                    .temperature(2)
                    .execute());
    assertTrue(
        e.getMessage().contains("takes [n, 100] (100 values per row) but the features of dataset"),
        e.getMessage());
    assertTrue(e.getMessage().contains("have 784 values"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("o")));
  }
}
