package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.dataset.ValidationSplit;
import io.distill.jobs.DistillJob;
import io.distill.jobs.config.RunConfig;
import io.distill.serving.DistilledModel;
import io.distill.student.ModelMetrics;
import io.distill.student.PairedComparison;
import io.distill.teacher.TeacherModelFile;
import io.distill.teacher.TeacherNetworks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The whole pipeline in this JVM (Spark local[2]) on the embedded slice with small networks, then
 * reruns that reuse what did not change.
 */
class DistillPipelineTest {
  @TempDir Path dir;

  /** A relative run directory (under the module's target/), as users give it: "runs/default". */
  private final Path runDir = Path.of("target", "pipeline-test-" + UUID.randomUUID(), "run");

  private RunConfig config(String... extra) {
    List<String> overrides =
        new ArrayList<>(
            List.of(
                "run.dir=" + runDir,
                "teacher.model=null",
                "teacher.hidden=[64]",
                "teacher.epochs=2",
                "teacher.learning-rate=0.05",
                "students.epochs=2",
                "students.sizes=[{name=\"32\", hidden=[32], temperature=4}, {name=\"8\", hidden=[8], temperature=2}]",
                "training.workers=2",
                "students.batch-size=50",
                "teacher.batch-size=50",
                // The training rows alone; the transfer set has its own test below.
                "soft-labels.transfer-copies=0"));
    overrides.addAll(List.of(extra));
    return RunConfig.load(null, overrides);
  }

  @Test
  void runsEveryStageThenReusesWhatDidNotChange() throws Exception {
    SparkSession spark = LocalSpark.session();
    DistillPipeline.Result first = DistillPipeline.of(spark, config()).execute();
    Path run = runDir;
    assertTrue(Files.exists(run.resolve("_SUCCESS")));
    for (String p :
        List.of(
            "manifest.json",
            "data/train",
            "teacher/model.zip",
            "soft-labels/train",
            "soft-labels/test",
            "students/32-distilled/model.zip",
            "students/8-baseline/model.zip",
            "metrics",
            "history",
            "report/report.md",
            "report/report.html",
            "report/accuracy-vs-parameters.png")) {
      assertTrue(Files.exists(run.resolve(p)), p + " missing");
    }
    assertEquals(5, first.metrics().size());
    assertEquals(5, spark.read().parquet(run.resolve("metrics").toString()).count());
    assertEquals(
        List.of("teacher", "32-distilled", "32-baseline", "8-distilled", "8-baseline"),
        first.metrics().stream().map(ModelMetrics::model).toList());
    // teacher 2 epochs + 4 students × 2 epochs
    assertEquals(10, spark.read().parquet(run.resolve("history").toString()).count());
    assertEquals(
        1,
        spark
            .sql(
                "SELECT count(*) FROM parquet.`"
                    + run.resolve("metrics")
                    + "` WHERE role = 'teacher' AND test_examples = 1000")
            .first()
            .getLong(0));
    String manifest = Files.readString(run.resolve("manifest.json"));
    assertTrue(manifest.contains("\"status\" : \"succeeded\""), manifest);
    assertTrue(manifest.contains("\"sha256\""), manifest);
    for (ModelMetrics m : first.metrics()) {
      // 2 short epochs: even the 8-unit students are far above the 10 % of chance, the rest above
      // 70 %.
      assertTrue(m.testAccuracy() > (m.size().equals("8") ? 0.3 : 0.7), m.toString());
      assertTrue(m.latencyP50Millis() > 0 && m.throughputPerSecond() > 0, m.toString());
    }

    // The student as a Spark ML model scores the test split exactly as the evaluate stage did.
    ModelMetrics distilled = first.metrics().get(1);
    DistilledModel student =
        DistilledModel.fromNetwork(
            run.resolve("students/32-distilled").toString(),
            spark.sparkContext().hadoopConfiguration());
    Dataset<Row> test = spark.read().parquet(run.resolve("data/test").toString());
    long errors = student.transform(test).where("prediction <> CAST(label AS double)").count();
    assertEquals(Math.round((1 - distilled.testAccuracy()) * 1000), errors, distilled.toString());
    // The paired counts against its baseline are the rows only one of the two gets right, counted
    // here from the two Spark ML models' predictions joined by id; only distilled rows have them.
    Dataset<Row> both =
        student
            .transform(test)
            .selectExpr("id", "CAST(label AS double) AS label", "prediction AS distilled")
            .join(
                DistilledModel.fromNetwork(
                        run.resolve("students/32-baseline").toString(),
                        spark.sparkContext().hadoopConfiguration())
                    .transform(test)
                    .selectExpr("id", "prediction AS baseline"),
                "id");
    assertEquals(
        new PairedComparison(
            both.where("distilled = label AND baseline <> label").count(),
            both.where("baseline = label AND distilled <> label").count()),
        distilled.paired().orElseThrow());
    assertEquals(
        first.metrics().get(2).testErrors() - distilled.testErrors(),
        distilled.paired().orElseThrow().gain());
    for (ModelMetrics m : first.metrics()) {
      assertEquals(ModelMetrics.DISTILLED.equals(m.role()), m.paired().isPresent(), m.model());
    }
    // ... and so does the score command, one row per id.
    Path scores = run.resolve("scores");
    Path student32 = run.resolve("students/32-distilled");
    Path testData = run.resolve("data/test");
    assertEquals(0, score(student32, testData, scores, "--logits"));
    Dataset<Row> scored = spark.read().parquet(scores.toString());
    assertEquals(List.of("id", "prediction", "probability", "logits"), List.of(scored.columns()));
    assertEquals(1000, scored.select("id").distinct().count());
    assertEquals(
        errors, scored.join(test, "id").where("prediction <> CAST(label AS double)").count());
    assertTrue(Files.exists(scores.resolve("_manifest.json")));
    assertEquals(1, score(run.resolve("students/missing"), testData, run.resolve("scores-2")));
    assertFalse(Files.exists(run.resolve("scores-2")), "nothing published");
    assertEquals(
        1, score(run.resolve("teacher"), run.resolve("soft-labels/test"), run.resolve("scores-3")));
    assertFalse(Files.exists(run.resolve("scores-3")), "nothing published");
    // The same command again replaces its own earlier output; a directory it did not write (the
    // issue's `score ... --output /tmp/p` over precious.txt) is refused and left as it was.
    assertEquals(0, score(student32, testData, scores));
    Path precious = Files.createDirectories(run.resolve("precious"));
    Files.writeString(precious.resolve("precious.txt"), "keep");
    assertEquals(1, score(student32, testData, precious));
    assertEquals("keep", Files.readString(precious.resolve("precious.txt")));
    try (var left = Files.list(precious)) {
      assertEquals(List.of(precious.resolve("precious.txt")), left.toList());
    }
    // Asked for explicitly, the same directory is replaced; the choice lasts one command.
    assertEquals(0, score(student32, testData, precious, "--overwrite"));
    assertFalse(Files.exists(precious.resolve("precious.txt")));
    assertTrue(Files.exists(precious.resolve("_manifest.json")));
    Path other = Files.createDirectories(run.resolve("other"));
    Files.writeString(other.resolve("keep.txt"), "keep");
    assertEquals(1, score(student32, testData, other));
    assertEquals("keep", Files.readString(other.resolve("keep.txt")));
    deleteTree(other);
    deleteTree(precious);
    deleteTree(scores);

    DistillPipeline.Result again = DistillPipeline.of(spark, config()).execute();
    for (String stage : RunConfig.STAGES) {
      assertEquals("reused", ((Map<?, ?>) again.stages().get(stage)).get("status"), stage);
    }

    DistillPipeline.Result moreEpochs =
        DistillPipeline.of(spark, config("students.epochs=3")).execute();
    for (String stage : List.of("import", "teacher", "soft-labels")) {
      assertEquals("reused", ((Map<?, ?>) moreEpochs.stages().get(stage)).get("status"), stage);
    }
    for (String stage : List.of("students", "evaluate", "report")) {
      assertEquals("ran", ((Map<?, ?>) moreEpochs.stages().get(stage)).get("status"), stage);
    }
    assertEquals(3, moreEpochs.metrics().get(1).epochs());
  }

  @Test
  void aGivenTeacherFileIsUsedAsItIs() throws Exception {
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            TeacherNetworks.mlp(784, new int[] {16}, 10, 1.0, 1.0, null, new Adam(1e-3), 1));
    net.init();
    String teacher =
        TeacherModelFile.save(
            net,
            dir.resolve("given.zip").toString(),
            null,
            LocalSpark.session().sparkContext().hadoopConfiguration());
    DistillPipeline.Result result =
        DistillPipeline.of(
                LocalSpark.session(),
                config(
                    "teacher.model=" + teacher,
                    "students.epochs=1",
                    "students.sizes=[{name=\"4\", hidden=[4]}]"))
            .execute();
    assertEquals(3, result.metrics().size());
    ModelMetrics t = result.metrics().get(0);
    assertEquals("teacher", t.model());
    assertEquals(net.numParams(), t.parameters());
    assertTrue(Double.isNaN(t.trainingSeconds()), "a given teacher's training time is unknown");
    assertFalse(Files.exists(runDir.resolve("teacher")), "nothing trained");
    assertTrue(Files.exists(runDir.resolve("_SUCCESS")));
  }

  @Test
  void jitterScheduleTransferSetAndSeedsReachTheirStages() throws Exception {
    SparkSession spark = LocalSpark.session();
    DistillPipeline.Result result =
        DistillPipeline.of(
                spark,
                config(
                    "teacher.hidden=[16]",
                    "teacher.epochs=1",
                    "teacher.jitter=2",
                    "teacher.lr-decay=0.5",
                    "soft-labels.transfer-copies=1",
                    "students.epochs=1",
                    "students.lr-decay=0.5",
                    "students.sizes=[{name=s1, hidden=[8], seed=1}, {name=s2, hidden=[8], seed=2}]"))
            .execute();
    assertEquals(5, result.metrics().size());
    assertEquals(
        9_000,
        spark.read().parquet(runDir.resolve("transfer/train").toString()).count(),
        "the 4,500 training rows (the 500 validation rows held out) and one jittered copy of each");
    assertEquals(
        9_000,
        spark.read().parquet(runDir.resolve("soft-labels/transfer").toString()).count(),
        "the students learn from the whole transfer set");
    assertEquals(
        9_000,
        spark
            .read()
            .parquet(runDir.resolve("soft-labels/transfer").toString())
            .select("id")
            .distinct()
            .count());
    assertEquals(
        0,
        spark
            .read()
            .parquet(runDir.resolve("transfer/train").toString())
            .join(
                ValidationSplit.compute(
                        spark.read().parquet(runDir.resolve("data/train").toString()),
                        "train",
                        500,
                        1)
                    .validation(spark.read().parquet(runDir.resolve("data/train").toString())),
                "id")
            .count(),
        "no validation row is in the transfer set");
    // The teacher labelled the training split, the test split and the 4,500 jittered copies; the
    // transfer set's original rows took the training split's soft labels as they are.
    String labelled = "\"labelledRows\" : " + (5_000 + 1_000 + 4_500);
    assertTrue(Files.readString(runDir.resolve("manifest.json")).contains(labelled), labelled);
    assertTrue(
        Files.readString(runDir.resolve("report/report.md")).contains("| 10,500 rows labelled |"),
        "the report counts the rows the teacher labelled");
    Dataset<Row> transfer =
        spark.read().parquet(runDir.resolve("soft-labels/transfer").toString()).as("transfer");
    Dataset<Row> train =
        spark.read().parquet(runDir.resolve("soft-labels/train").toString()).as("train");
    Dataset<Row> originals = transfer.join(train, transfer.col("id").equalTo(train.col("id")));
    assertEquals(4_500, originals.count(), "the transfer set's original rows");
    assertEquals(
        0,
        originals
            .where(
                functions.not(
                    transfer
                        .col("teacher_logits")
                        .eqNullSafe(train.col("teacher_logits"))
                        .and(transfer.col("soft_labels").eqNullSafe(train.col("soft_labels")))))
            .count(),
        "their soft labels are the training split's");
    try (var files = Files.list(runDir.resolve("teacher"))) {
      assertTrue(
          files.noneMatch(f -> f.getFileName().toString().startsWith("checkpoints-")),
          "the teacher's checkpoints are deleted once its model is saved");
    }
    byte[] a = Files.readAllBytes(runDir.resolve("students/s1-baseline/model.zip"));
    byte[] b = Files.readAllBytes(runDir.resolve("students/s2-baseline/model.zip"));
    assertFalse(Arrays.equals(a, b), "two seeds, two different networks");
    String manifest = Files.readString(runDir.resolve("manifest.json"));
    assertTrue(
        manifest.contains("\"jitter\" : 2")
            && manifest.contains("\"transfer-copies\" : 1")
            && manifest.contains("\"seed\" : 2"),
        manifest);
  }

  /**
   * A stage reruns when what it reads changed, file contents included, and only then: editing a
   * DL4J JSON file in place retrains its model; the soft-label temperature (students read the
   * logits) retrains no student.
   */
  @Test
  void fingerprintsFollowWhatEachStageReads() throws Exception {
    SparkSession spark = LocalSpark.session();
    Path teacherJson = dir.resolve("teacher.json");
    Path studentJson = dir.resolve("student.json");
    Files.writeString(teacherJson, mlpJson(16));
    Files.writeString(studentJson, mlpJson(8));
    String[] settings = {
      "teacher.dl4j-json=" + teacherJson,
      "teacher.epochs=1",
      "students.epochs=1",
      "students.sizes=[{name=j, dl4j-json=\"" + studentJson + "\"}]"
    };
    DistillPipeline.of(spark, config(settings)).execute();
    byte[] before = Files.readAllBytes(runDir.resolve("students/j-distilled/model.zip"));

    List<String> hotter = new ArrayList<>(List.of(settings));
    hotter.add("soft-labels.temperature=7");
    DistillPipeline.Result result =
        DistillPipeline.of(spark, config(hotter.toArray(String[]::new))).execute();
    assertEquals("ran", status(result, "soft-labels"));
    assertEquals(
        "reused", status(result, "students"), "no student reads the soft-label temperature");

    Files.writeString(studentJson, mlpJson(9));
    result = DistillPipeline.of(spark, config(settings)).execute();
    assertEquals("reused", status(result, "teacher"));
    assertEquals("ran", status(result, "students"), "the student's JSON changed in place");
    assertFalse(
        Arrays.equals(
            before, Files.readAllBytes(runDir.resolve("students/j-distilled/model.zip"))));

    Files.writeString(teacherJson, mlpJson(17));
    result = DistillPipeline.of(spark, config(settings)).execute();
    assertEquals("ran", status(result, "teacher"), "the teacher's JSON changed in place");
    assertEquals("ran", status(result, "students"));

    // The report follows the metrics' rows, not the table's path: rows rewritten in place (as an
    // evaluation with a new column rewrites them) render a new report; the same rows do not.
    result = DistillPipeline.of(spark, config(settings)).execute();
    assertEquals("reused", status(result, "report"));
    String metrics = runDir.resolve("metrics").toString();
    Dataset<Row> rows = spark.read().parquet(metrics);
    List<Row> edited = rows.selectExpr("*").collectAsList();
    spark
        .createDataFrame(edited, rows.schema())
        .selectExpr(
            Arrays.stream(rows.columns())
                .map(c -> c.equals("test_errors") ? "test_errors + 1000 AS test_errors" : c)
                .toArray(String[]::new))
        .write()
        .mode("overwrite")
        .parquet(metrics);
    result = DistillPipeline.of(spark, config(settings)).execute();
    assertEquals("reused", status(result, "evaluate"));
    assertEquals("ran", status(result, "report"), "the metrics' rows changed");
  }

  private static String mlpJson(int hidden) {
    return TeacherNetworks.mlp(784, new int[] {hidden}, 10, 1.0, 1.0, null, new Adam(1e-3), 1)
        .toJson();
  }

  private static Object status(DistillPipeline.Result result, String stage) {
    return ((Map<?, ?>) result.stages().get(stage)).get("status");
  }

  @Test
  void aStageLeftOutWithoutEarlierOutputIsNamed() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> DistillPipeline.of(LocalSpark.session(), config("stages=[report]")).execute());
    assertTrue(e.getMessage().contains("Stage 'import' is not in distill.stages"), e.getMessage());
    assertFalse(Files.exists(runDir.resolve("_SUCCESS")));
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** {@code distill-job score --model MODEL --data DATA --output OUTPUT [extra]}: its exit code. */
  private static int score(Path model, Path data, Path output, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "score",
                "--model",
                model.toString(),
                "--data",
                data.toString(),
                "--output",
                output.toString()));
    args.addAll(List.of(extra));
    return DistillJob.run(args.toArray(new String[0]));
  }
}
