package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.distill.core.HadoopFiles;
import io.distill.core.LocalSpark;
import io.distill.dataset.DatasetSchema;
import io.distill.dataset.EmbeddedMnist;
import io.distill.jobs.pipeline.RunLease;
import io.distill.teacher.TeacherModelFile;
import io.distill.teacher.TeacherNetworks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.example.gadget.Gadget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Bad input reaches the real job ({@link DistillJob#run}, in this JVM on Spark local[2]) and every
 * time the user gets a non-zero exit code and one {@code distill-job: ...} line on stderr naming
 * the problem (the file, row id, field, expected and got, or the configuration key), no stack
 * trace, and nothing is published: no {@code _SUCCESS}, no output (and no hidden temporary
 * directory) of the stage that met the bad input or of any later stage, no Parquet rows; a
 * configuration error does not even create the run directory. Each verified case is added to {@link
 * ReliabilityTable}.
 *
 * <p>The datasets are the embedded MNIST slice (5,000 train / 1,000 test rows) with one bad row (id
 * {@value #BAD_ID}) or a damaged file in the train split; the networks are tiny and trained for one
 * epoch, since every case fails before or at the start of training. The tests run in the order of
 * the cases, which is the order of the table.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the table lists the cases in this order
class ReliabilityTest {
  private static final long BAD_ID = 1234;

  /** The stages in order, each with the run-directory entries it publishes. */
  private static final Map<String, List<String>> STAGE_OUTPUTS = new LinkedHashMap<>();

  static {
    STAGE_OUTPUTS.put("import", List.of("data"));
    STAGE_OUTPUTS.put("teacher", List.of("teacher/model.zip"));
    STAGE_OUTPUTS.put("soft-labels", List.of("soft-labels", "transfer"));
    STAGE_OUTPUTS.put("students", List.of("students", "history"));
    STAGE_OUTPUTS.put("evaluate", List.of("metrics"));
    STAGE_OUTPUTS.put("report", List.of("report"));
  }

  private static final List<String> SMALL =
      List.of(
          "--set",
          "teacher.model=null",
          "--set",
          "teacher.hidden=[16]",
          "--set",
          "teacher.epochs=1",
          "--set",
          "students.epochs=1",
          "--set",
          "students.sizes=[{name=\"8\", hidden=[8]}]");

  /** A stack frame, a chained cause or an uncaught exception, as Java prints them. */
  private static final Pattern STACK =
      Pattern.compile(
          "^\\s+at [\\w$.]+\\(.*\\)$|^Caused by: |^Exception in thread |^\\s+\\.\\.\\. \\d+ more$",
          Pattern.MULTILINE);

  /** A message that is only an internal exception's class name (with or without its own text). */
  private static final Pattern INTERNAL_ONLY =
      Pattern.compile(
          "^(java|javax|scala|org\\.apache\\.(spark|hadoop|parquet)|org\\.nd4j|org\\.deeplearning4j)\\.[\\w.$]+"
              + "(Exception|Error)\\b.*");

  @TempDir static Path shared;
  private static SparkSession spark;

  /** The good dataset: an imported directory with train/ and test/. */
  private static Path good;

  private static long goodTrainRows;
  private static long goodTestRows;

  /** A 784-16-10 teacher, untrained (the cases never get as far as using its predictions). */
  private static Path teacher;

  @TempDir Path dir;

  @BeforeAll
  static void goodDatasetAndTeacher() {
    spark = LocalSpark.session();
    good = Path.of(URI.create(EmbeddedMnist.imported().outputPath()));
    goodTrainRows = EmbeddedMnist.train().count();
    goodTestRows = EmbeddedMnist.test().count();
    teacher = saveTeacher(shared.resolve("teacher-784-16-10.zip"), 784);
  }

  @AfterAll
  static void printTable() {
    System.out.println("Reliability cases (" + ReliabilityTable.FILE.toAbsolutePath() + "):");
    System.out.print(ReliabilityTable.contents());
  }

  // ---- 1-4: bad rows
  // ------------------------------------------------------------------------------------------

  @Test
  @Order(1)
  void wrongFeatureDimension() {
    Path data =
        variant(
            "wrong-dimension",
            train ->
                train.withColumn(
                    DatasetSchema.FEATURES,
                    functions.expr(
                        "CASE WHEN id = "
                            + BAD_ID
                            + " THEN slice(features, 1, 783) ELSE features END")));
    Refusal r = refused(1, run(data));
    r.mentions(train(data), "row id=" + BAD_ID, "features has 783 values, expected 784");
    assertNothingPublished("teacher");
    record(
        "1. wrong feature dimension (one train row with 783 of 784 features)",
        "exit 1, names dataset, row id, field, 783 vs 784",
        r,
        rows(data));
  }

  @Test
  @Order(2)
  void nanFeature() {
    Path data = variant("nan-feature", train -> setFeature(train, 300, "CAST('NaN' AS FLOAT)"));
    Refusal r = refused(1, run(data));
    r.mentions(train(data), "row id=" + BAD_ID, "features[300] is NaN, expected a finite number");
    assertNothingPublished("teacher");
    record(
        "2a. NaN feature (teacher trained: found by the teacher stage)",
        "exit 1, names dataset, row id, field[index], NaN vs finite",
        r,
        rows(data));
  }

  @Test
  @Order(3)
  void infiniteFeatureWithAGivenTeacher() {
    Path data =
        variant("inf-feature", train -> setFeature(train, 500, "CAST('Infinity' AS FLOAT)"));
    Refusal r = refused(1, run(data, "--set", "teacher.model=" + teacher));
    r.mentions(
        train(data), "row id=" + BAD_ID, "features[500] is Infinity, expected a finite number");
    assertNothingPublished("soft-labels");
    record(
        "2b. +Inf feature (teacher given: found by the soft-labels stage)",
        "exit 1, names dataset, row id, field[index], Infinity vs finite",
        r,
        rows(data));
  }

  @Test
  @Order(4)
  void negativeLabel() {
    Path data = variant("negative-label", train -> setLabel(train, -1));
    Refusal r = refused(1, run(data));
    r.mentions(train(data), "row id=" + BAD_ID, "label -1 is outside [0, 10)");
    assertNothingPublished("teacher");
    record(
        "3a. label -1 (teacher trained)",
        "exit 1, names dataset, row id, label -1 vs [0, 10)",
        r,
        rows(data));
  }

  @Test
  @Order(5)
  void negativeLabelWithAGivenTeacher() {
    Path data = variant("negative-label", train -> setLabel(train, -1));
    Refusal r = refused(1, run(data, "--set", "teacher.model=" + teacher));
    r.mentions(train(data), "row id=" + BAD_ID, "label -1 is outside [0, 10)");
    assertNothingPublished("soft-labels");
    record(
        "3b. label -1 (teacher given: found by the soft-labels stage)",
        "exit 1, names dataset, row id, label -1 vs [0, 10)",
        r,
        rows(data));
  }

  @Test
  @Order(6)
  void labelBeyondTheGivenTeachersClasses() {
    Path data = variant("label-10", train -> setLabel(train, 10));
    Refusal r = refused(1, run(data, "--set", "teacher.model=" + teacher));
    r.mentions(
        train(data),
        "row id=" + BAD_ID,
        "label 10 is outside [0, 10): teacher",
        teacher.toString(),
        "predicts 10 classes");
    assertNothingPublished("teacher");
    record(
        "3c. label 10 with a given 10-class teacher",
        "exit 1, names dataset, row id, label 10 vs the teacher's [0, 10)",
        r,
        rows(data));
  }

  @Test
  @Order(7)
  void emptyTrainingSplit() {
    Path data = variant("empty", train -> train.limit(0));
    Refusal r = refused(1, run(data));
    r.mentions(train(data), "is empty");
    assertNothingPublished("teacher");
    record(
        "4. empty dataset (train split with 0 rows)",
        "exit 1, names the empty dataset",
        r,
        rows(data));
  }

  // ---- 5: damaged Parquet
  // -------------------------------------------------------------------------------------

  @Test
  @Order(8)
  void corruptParquetFile() throws IOException {
    Path data = copyOfGood("corrupt-parquet");
    Path part = firstPartFile(data.resolve("train"));
    byte[] garbage = new byte[(int) Files.size(part)];
    new Random(7).nextBytes(garbage);
    Files.write(part, garbage);
    // Without its .crc, as on file systems that keep no checksum files (s3a://): the Parquet reader
    // meets the bytes.
    Files.deleteIfExists(part.resolveSibling("." + part.getFileName() + ".crc"));
    Refusal r = refused(1, run(data));
    r.mentions(part.toString(), "is not a Parquet file");
    assertNothingPublished("teacher");
    record(
        "5a. corrupt Parquet (a train part file overwritten with random bytes)",
        "exit 1, names the file and what is wrong",
        r,
        goodRows());
  }

  @Test
  @Order(9)
  void truncatedParquetFile() throws IOException {
    Path data = copyOfGood("truncated-parquet");
    Path part = firstPartFile(data.resolve("train"));
    byte[] bytes = Files.readAllBytes(part);
    Files.write(part, Arrays.copyOf(bytes, bytes.length / 2));
    Files.deleteIfExists(part.resolveSibling("." + part.getFileName() + ".crc"));
    Refusal r = refused(1, run(data));
    r.mentions(part.toString(), "is not a Parquet file");
    assertNothingPublished("teacher");
    record(
        "5b. truncated Parquet (a train part file cut in half)",
        "exit 1, names the file and what is wrong",
        r,
        goodRows());
  }

  // ---- 6: bad teacher files
  // -----------------------------------------------------------------------------------

  @Test
  @Order(10)
  void corruptTeacherFile() throws IOException {
    Path garbage = dir.resolve("teacher.zip");
    byte[] bytes = new byte[4096];
    new Random(11).nextBytes(bytes);
    Files.write(garbage, bytes);
    Refusal r = refused(1, run(good, "--set", "teacher.model=" + garbage));
    r.mentions(garbage.toString(), "is not a readable DL4J model file");
    assertNothingPublished("teacher");
    record(
        "6a. corrupt teacher file (random bytes as teacher.model)",
        "exit 1, names the teacher file and what is wrong",
        r,
        goodRows());
  }

  @Test
  @Order(11)
  void teacherOfAnotherInputSize() throws IOException {
    Path other = saveTeacher(dir.resolve("teacher-100-16-10.zip"), 100);
    Refusal r = refused(1, run(good, "--set", "teacher.model=" + other));
    r.mentions(
        other.toString(),
        "takes 100 inputs",
        "features of dataset " + train(good),
        "have 784 values");
    assertNothingPublished("teacher");
    record(
        "6b. mismatched teacher (a valid 100-input model for 784-feature data)",
        "exit 1, names the teacher, the dataset, 100 vs 784",
        r,
        goodRows());
  }

  // ---- 7: bad configuration
  // -----------------------------------------------------------------------------------

  @Test
  @Order(12)
  void unknownConfigKey() {
    configRefused(
        "7a. unknown key (--set students.epoch=5)",
        "students.epoch=5",
        "distill.students.epoch is not a known key (did you mean 'epochs'?)");
  }

  @Test
  @Order(13)
  void wrongConfigType() {
    configRefused(
        "7b. wrong type (--set students.epochs=three)",
        "students.epochs=three",
        "distill.students.epochs must be an integer >= 1, got STRING 'three'");
  }

  @Test
  @Order(14)
  void alphaOutOfRange() {
    configRefused(
        "7c. alpha out of range (--set students.alpha=1.5)",
        "students.alpha=1.5",
        "distill.students.alpha must be in [0, 1], cannot be: 1.5");
  }

  @Test
  @Order(15)
  void temperatureOutOfRange() {
    configRefused(
        "7d. temperature out of range (--set students.temperature=0)",
        "students.temperature=0",
        "distill.students.temperature must be > 0, cannot be: 0");
  }

  private void configRefused(String kase, String override, String problem) {
    Refusal r = refused(2, run(good, "--set", override));
    assertTrue(r.message.startsWith(problem), r.message);
    assertFalse(
        Files.exists(runDir()), "a refused configuration must not create the run directory");
    record(
        kase,
        "exit 2 before any Spark work, names the key, expected and got; no run directory",
        r,
        "-");
  }

  // ---- 8: output not writable
  // ---------------------------------------------------------------------------------

  @Test
  @Order(16)
  void runDirectoryUnderARegularFile() throws IOException {
    Path file = Files.writeString(dir.resolve("a-file"), "not a directory\n");
    Path runDir = file.resolve("run");
    List<String> args =
        new ArrayList<>(List.of("--set", "data.input=" + good, "--set", "run.dir=" + runDir));
    args.addAll(SMALL);
    Refusal r = refused(1, args.toArray(new String[0]));
    r.mentions(runDir.toString());
    assertEquals(
        "not a directory\n", Files.readString(file), "the file in the way is left as it was");
    try (Stream<Path> all = Files.list(dir)) {
      assertEquals(List.of(file), all.toList(), "nothing is written beside it either");
    }
    record(
        "8. run.dir not writable (its parent is a regular file)",
        "exit 1, names the run directory; nothing written",
        r,
        goodRows());
  }

  @Test
  @Order(17)
  void runDirectoryInUse() throws IOException {
    Path run = runDir();
    try (RunLease held =
        RunLease.acquire(run.toString(), new Configuration(), Duration.ofSeconds(600))) {
      Refusal r = refused(1, run(good));
      r.mentions(run.toString(), " is in use by ");
      try (Stream<Path> files = Files.list(run)) {
        assertEquals(
            List.of("_lease.json"),
            files.map(p -> p.getFileName().toString()).toList(),
            "nothing written beside the holder's lease");
      }
      record(
          "9. run.dir in use by another run (a live lease)",
          "exit 1, names the run directory and the lease's holder; nothing written",
          r,
          goodRows());
    }
  }

  @Test
  @Order(18)
  void badRowsWithinTheAllowanceAreQuarantined() throws IOException {
    Path data = variant("quarantined", train -> setFeature(train, 300, "CAST('NaN' AS FLOAT)"));
    List<String> args = new ArrayList<>(List.of(run(data)));
    args.addAll(
        List.of(
            "--set",
            "data.train=" + train(data),
            "--set",
            "data.test=" + data.resolve(DatasetSchema.TEST),
            "--set",
            "data.max-bad-rows=1"));
    assertEquals(0, DistillJob.run(args.toArray(new String[0])));
    Path quarantine = runDir().resolve("quarantine/import/train");
    List<Row> bad = spark.read().parquet(quarantine.toString()).collectAsList();
    assertEquals(1, bad.size(), "one row quarantined");
    Row quarantined = bad.get(0);
    String row = "id " + quarantined.getAs(DatasetSchema.ID) + ": " + quarantined.getAs("reason");
    assertTrue(row.contains(String.valueOf(BAD_ID)) && row.contains("NaN"), quarantined.toString());
    assertTrue(Files.exists(runDir().resolve("_SUCCESS")));
    long trained = spark.read().parquet(runDir().resolve("data/train").toString()).count();
    assertEquals(goodTrainRows - 1, trained, "every other row imported");
    ReliabilityTable.record(
        "10. one NaN row with data.max-bad-rows=1",
        "exit 0; the row in quarantine/import/train with its reason; the rest trained",
        "exit 0: 1 row quarantined (" + shorten(row) + "), " + trained + " train rows imported",
        rows(data),
        trained + " train (imported) + 1 quarantined");
  }

  // ---- 11: a diverging model
  // --------------------------------------------------------------------------------

  /**
   * The command: students at a learning rate of 1e6. Training stops with one line naming
   * the model, the epoch and the loss; the run fails without _SUCCESS, the manifest names the
   * diverged model, and no model of it is published.
   */
  @Test
  @Order(19)
  void aDivergingStudentFailsTheRunNamingIt() throws IOException {
    List<String> args = new ArrayList<>(List.of(run(good)));
    args.addAll(
        List.of(
            "--set",
            "students.sizes=[{name=s, hidden=[8]}]",
            "--set",
            "students.learning-rate=1e6",
            "--set",
            "students.epochs=3"));
    Refusal r = refused(1, args.toArray(new String[0]));
    // the baselines train first: the sweep's first model, the baseline, is the one that diverges
    r.mentions("Training student s-baseline diverged at epoch ", "loss");
    Path run = runDir();
    assertFalse(Files.exists(run.resolve("_SUCCESS")), "_SUCCESS written");
    String manifest = Files.readString(run.resolve("manifest.json"));
    assertTrue(
        manifest.contains("\"status\" : \"failed\"")
            && manifest.contains("\"diverged\"")
            && manifest.contains("\"model\" : \"student s-baseline\""),
        manifest);
    assertFalse(
        Files.exists(run.resolve("students/s-baseline/model.zip")), "diverged model published");
    assertFalse(Files.exists(run.resolve("students/s-distilled")), "trained after a failure");
    assertFalse(Files.exists(run.resolve("_stages/students.json")), "students stage recorded");
    assertFalse(Files.exists(run.resolve("report")), "a report of a failed run");
    record(
        "11. a diverging student (students.learning-rate=1e6, 3 epochs)",
        "exit 1, names the model, the epoch and the loss; no _SUCCESS, manifest 'diverged'",
        r,
        goodRows());
  }

  // ---- 12-18: outputs the job did not write, model files that are not data, inputs that cannot
  // be trained on
  // ----------------------------------------------------------------------------------------------

  /** The issue's `--set run.dir=/tmp/x --stages import` over a directory of the user's files. */
  @Test
  @Order(20)
  void aRunDirectoryOfSomeoneElsesFilesIsRefused() throws IOException {
    Path run = runDir();
    Files.createDirectories(run.resolve("data"));
    Files.writeString(run.resolve("data/keep"), "keep");
    Files.createDirectories(run.resolve("metrics"));
    Files.writeString(run.resolve("metrics/keep"), "keep");
    Refusal r = refused(1, run(good, "--stages", "import"));
    r.mentions(run.toString(), "is not empty and is not a run's", "data/, metrics/");
    assertEquals("keep", Files.readString(run.resolve("data/keep")));
    assertEquals("keep", Files.readString(run.resolve("metrics/keep")));
    try (Stream<Path> files = Files.list(run)) {
      assertEquals(2, files.count(), "nothing written beside them");
    }
    record(
        "12. run.dir holding the user's own files (data/keep, metrics/keep)",
        "exit 1, names the directory and what it holds; every file in place",
        r,
        goodRows());
  }

  /**
   * The issue's `score ... --output /tmp/p` over precious.txt: refused; with --overwrite, replaced
   * as asked.
   */
  @Test
  @Order(21)
  void scoresOverADirectoryOfTheUsersFilesAreRefusedUnlessOverwriteIsGiven() throws IOException {
    Path precious = Files.createDirectories(dir.resolve("p"));
    Files.writeString(precious.resolve("precious.txt"), "keep");
    String[] score = {
      "score",
      "--model",
      teacher.toString(),
      "--data",
      good.resolve(DatasetSchema.TEST).toString(),
      "--output",
      precious.toString()
    };
    Refusal r = refused(1, score);
    r.mentions(precious.toString(), "not written by this job", "precious.txt", "--overwrite");
    assertEquals("keep", Files.readString(precious.resolve("precious.txt")));
    try (Stream<Path> files = Files.list(precious)) {
      assertEquals(1, files.count(), "nothing written beside it");
    }
    record(
        "13. score --output over a directory holding precious.txt",
        "exit 1, names the path and what is there; precious.txt kept",
        r,
        goodTestRows + " test");
    List<String> again = new ArrayList<>(List.of(score));
    again.add("--overwrite");
    assertEquals(0, DistillJob.run(again.toArray(new String[0])));
    assertFalse(Files.exists(precious.resolve("precious.txt")));
    long scored = spark.read().parquet(precious.toString()).count();
    assertEquals(goodTestRows, scored);
    ReliabilityTable.record(
        "14. the same command with --overwrite",
        "exit 0; the directory replaced by the scores, as asked",
        "exit 0: precious.txt replaced by " + scored + " scored rows",
        goodTestRows + " test",
        String.valueOf(scored));
  }

  /** A model file is data: a zip holding a Java object is refused unread by score --model. */
  @Test
  @Order(22)
  void aModelZipHoldingAJavaObjectIsRefusedUnread() throws IOException {
    Path model = dir.resolve("gadget.zip");
    Files.write(model, Gadget.inModelZip(Files.readAllBytes(teacher)));
    Refusal r =
        refused(
            1,
            new String[] {
              "score",
              "--model",
              model.toString(),
              "--data",
              good.resolve(DatasetSchema.TEST).toString(),
              "--output",
              dir.resolve("scores").toString()
            });
    r.mentions(model.toString(), "holds entry 'preprocessor.bin'", "refused unread");
    assertFalse(Gadget.ran, "the Java object in the model file was deserialized");
    assertFalse(Files.exists(dir.resolve("scores")));
    record(
        "15. score --model with a zip whose preprocessor.bin holds a Java object with a"
            + " readObject side effect",
        "exit 1, names the file and the entry; the object never read",
        r,
        goodTestRows + " test");
  }

  /** Inputs the import refuses at import time, each with one line. */
  @Test
  @Order(23)
  void inputsThatCannotBeTrainedOnAreRefusedAtImport() throws IOException {
    Path duplicate =
        variant(
            "duplicate-id",
            train ->
                train.withColumn(
                    DatasetSchema.ID,
                    functions.expr(
                        "CASE WHEN id = " + (BAD_ID + 1) + " THEN " + BAD_ID + " ELSE id END")));
    Refusal r =
        refused(
            1,
            run(
                duplicate,
                "--set",
                "data.train=" + train(duplicate),
                "--set",
                "data.test=" + duplicate.resolve(DatasetSchema.TEST)));
    r.mentions(train(duplicate), "id " + BAD_ID + " appears 2 times");
    assertNothingPublished("import");
    record(
        "16. a duplicated id in a Parquet training split",
        "exit 1 at import, names the input, the id and its count",
        r,
        rows(duplicate));
    Path oneClass =
        variant("one-class", train -> train.withColumn(DatasetSchema.LABEL, functions.lit(3)));
    r =
        refused(
            1,
            run(
                oneClass,
                "--set",
                "data.train=" + train(oneClass),
                "--set",
                "data.test=" + oneClass.resolve(DatasetSchema.TEST)));
    r.mentions(train(oneClass), "every training row has label 3");
    assertNothingPublished("import");
    record(
        "17. a training split with one class (every label 3)",
        "exit 1 at import, names the input and the label",
        r,
        rows(oneClass));
  }

  /**
   * An ONNX teacher whose input does not fit the dataset's features: one line naming both shapes.
   */
  @Test
  @Order(24)
  void anOnnxTeacherOfAnotherInputShapeIsNamedWithBothShapes() throws Exception {
    Path fixtures = Files.createDirectories(dir.resolve("onnx"));
    Process p =
        new ProcessBuilder(
                "/usr/bin/python3",
                "../teacher/src/test/onnx/make_user_models.py",
                fixtures.toString())
            .redirectErrorStream(true)
            .start();
    String generated = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), generated);
    Path out = dir.resolve("soft");
    Refusal r =
        refused(
            1,
            new String[] {
              "soft-labels",
              "--teacher",
              fixtures.resolve("residual.onnx").toString(),
              "--input-shape",
              "[1, 14, 14]",
              "--data",
              good.resolve(DatasetSchema.TEST).toString(),
              "--output",
              out.toString(),
              "--temperature",
              "2"
            });
    r.mentions("takes [n, 1, 14, 14] (196 values per row)", "have 784 values");
    assertFalse(Files.exists(out));
    record(
        "18. soft-labels with an ONNX teacher taking [n, 1, 14, 14] over 784-value rows",
        "exit 1, names the teacher's input shape and the features' length",
        r,
        goodTestRows + " test");
  }

  /**
   * The disk fills up while a rerun writes new soft labels: one line, the manifest says failed, no
   * temporary directory is left, and every earlier output is as it was (byte for byte).
   */
  @Test
  @Order(25)
  void aFullDiskLeavesTheManifestFailedAndTheEarlierOutputsIntact() throws IOException {
    spark
        .sparkContext()
        .hadoopConfiguration()
        .set("fs.fulldisk.impl", FullDiskFileSystem.class.getName());
    Path run = runDir();
    FullDiskFileSystem.root = run;
    FullDiskFileSystem.quotaBytes = Long.MAX_VALUE;
    try {
      String[] first = run(good, "--set", "run.dir=fulldisk://" + run);
      assertEquals(0, DistillJob.run(first));
      Map<String, String> before = contents(run, "teacher", "soft-labels", "students");
      long used = FullDiskFileSystem.used();
      FullDiskFileSystem.quotaBytes = used + 30_000; // less than new soft labels need
      Refusal r =
          refused(
              1,
              run(
                  good,
                  "--set",
                  "run.dir=fulldisk://" + run,
                  "--set",
                  "soft-labels.temperature=3"));
      r.mentions("No space left on device");
      assertTrue(FullDiskFileSystem.refusedWrites() > 0, "the disk was never full");
      String manifest = Files.readString(run.resolve("manifest.json"));
      assertTrue(manifest.contains("\"status\" : \"failed\""), manifest);
      assertFalse(Files.exists(run.resolve("_SUCCESS")));
      try (Stream<Path> all = Files.walk(run)) {
        List<Path> leftovers =
            all.filter(p -> p.getFileName().toString().matches("\\..*\\.(tmp|old)-.*")).toList();
        assertEquals(List.of(), leftovers, "temporary files left in " + run);
      }
      assertEquals(
          before, contents(run, "teacher", "soft-labels", "students"), "an earlier output changed");
      ReliabilityTable.record(
          "22. the disk fills up while a rerun writes new soft labels (a file system with "
              + (FullDiskFileSystem.quotaBytes - used)
              + " bytes left)",
          "exit 1, one line; manifest 'failed'; no temporary directory; earlier outputs intact",
          "exit 1: "
              + shorten(r.message)
              + "; "
              + before.size()
              + " files of teacher/, soft-labels/, students/ unchanged",
          goodRows(),
          "unchanged");
    } finally {
      FullDiskFileSystem.quotaBytes = Long.MAX_VALUE;
      FullDiskFileSystem.root = null;
    }
  }

  /** Relative path → sha256 of every file under the named entries of {@code run}. */
  private static Map<String, String> contents(Path run, String... entries) throws IOException {
    Map<String, String> out = new TreeMap<>();
    for (String entry : entries) {
      try (Stream<Path> all = Files.walk(run.resolve(entry))) {
        for (Path p : all.filter(Files::isRegularFile).toList()) {
          out.put(run.relativize(p).toString(), HadoopFiles.sha256Hex(Files.readAllBytes(p)));
        }
      }
    }
    return out;
  }

  // ---- running the job
  // ----------------------------------------------------------------------------------------

  private Path runDir() {
    return dir.resolve("run");
  }

  private String[] run(Path data, String... extra) {
    List<String> args =
        new ArrayList<>(List.of("--set", "run.dir=" + runDir(), "--set", "data.input=" + data));
    args.addAll(SMALL);
    args.addAll(List.of(extra));
    return args.toArray(new String[0]);
  }

  /** What the user saw: the exit code, all of stderr, and the one {@code distill-job:} message. */
  private static final class Refusal {
    final int exit;
    final String stderr;
    final String message;

    Refusal(int exit, String stderr, String message) {
      this.exit = exit;
      this.stderr = stderr;
      this.message = message;
    }

    void mentions(String... parts) {
      for (String p : parts) {
        assertTrue(message.contains(p), "the message should name '" + p + "': " + message);
      }
    }
  }

  /**
   * Runs the job with stderr captured (and still shown), and checks what every refusal must look
   * like: this exit code, exactly one {@code distill-job:} line, no stack trace, and a message that
   * is more than an internal exception's class name.
   */
  private static Refusal refused(int expectedExit, String[] args) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int exit;
    System.setErr(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
    try {
      exit = DistillJob.run(args);
    } finally {
      System.err.flush();
      System.setErr(original);
    }
    String stderr = captured.toString(StandardCharsets.UTF_8);
    assertEquals(expectedExit, exit, "exit code; stderr:\n" + stderr);
    List<String> lines = stderr.lines().filter(l -> l.startsWith("distill-job:")).toList();
    assertEquals(1, lines.size(), "exactly one distill-job: line; stderr:\n" + stderr);
    assertFalse(STACK.matcher(stderr).find(), "no stack trace on stderr:\n" + stderr);
    String prefix = expectedExit == 1 ? "distill-job: FAILED: " : "distill-job: ";
    assertTrue(lines.get(0).startsWith(prefix), lines.get(0));
    String message = lines.get(0).substring(prefix.length());
    assertFalse(message.isBlank(), "an empty message");
    assertFalse(
        INTERNAL_ONLY.matcher(message).matches(),
        "an internal exception is all the user sees: " + message);
    return new Refusal(exit, stderr, message);
  }

  /** Copies what is written to it to two streams. */
  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] bytes, int off, int len) throws IOException {
      a.write(bytes, off, len);
      b.write(bytes, off, len);
    }

    @Override
    public void flush() throws IOException {
      a.flush();
      b.flush();
    }
  }

  // ---- what a failed run left
  // ---------------------------------------------------------------------------------

  /**
   * The run failed at {@code failedStage} and published nothing: no {@code _SUCCESS}, a manifest
   * saying "failed", no record and no output of that stage or a later one, no hidden temporary or
   * set-aside directory anywhere in the run, and no Parquet dataset in it.
   */
  private void assertNothingPublished(String failedStage) {
    Path run = runDir();
    assertFalse(Files.exists(run.resolve("_SUCCESS")), "_SUCCESS written");
    try {
      String manifest = Files.readString(run.resolve("manifest.json"));
      assertTrue(manifest.contains("\"status\" : \"failed\""), manifest);
      boolean later = false;
      for (Map.Entry<String, List<String>> stage : STAGE_OUTPUTS.entrySet()) {
        later |= stage.getKey().equals(failedStage);
        if (later) {
          assertFalse(
              Files.exists(run.resolve("_stages/" + stage.getKey() + ".json")),
              stage.getKey() + " recorded");
          for (String output : stage.getValue()) {
            assertFalse(Files.exists(run.resolve(output)), output + " published by a failed run");
          }
        }
      }
      assertTrue(later, "unknown stage " + failedStage);
      try (Stream<Path> all = Files.walk(run)) {
        List<Path> leftovers =
            all.filter(p -> p.getFileName().toString().matches("\\..*\\.(tmp|old)-.*")).toList();
        assertEquals(List.of(), leftovers, "temporary files left in " + run);
      }
      assertEquals(0, rowsPublished(run), "Parquet rows published in " + run);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Rows of every Parquet dataset (a directory with Spark's _SUCCESS) under the run directory. */
  private static long rowsPublished(Path run) throws IOException {
    try (Stream<Path> all = Files.walk(run)) {
      return all.filter(
              p -> p.getFileName().toString().equals("_SUCCESS") && !p.getParent().equals(run))
          .mapToLong(p -> spark.read().parquet(p.getParent().toString()).count())
          .sum();
    }
  }

  private void record(String kase, String expected, Refusal r, String rowsIn) {
    long out;
    try {
      out = Files.exists(runDir()) ? rowsPublished(runDir()) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ReliabilityTable.record(
        kase, expected, "exit " + r.exit + ": " + shorten(r.message), rowsIn, String.valueOf(out));
  }

  /**
   * The message with this run's temporary directories written as placeholders, so the table reads
   * the same.
   */
  private String shorten(String message) {
    String m = message;
    for (Map.Entry<Path, String> p :
        Map.of(dir, "<tmp>", shared, "<shared>", good, "<mnist>").entrySet()) {
      m =
          m.replace("file:" + p.getKey(), p.getValue())
              .replace(p.getKey().toString(), p.getValue());
    }
    return m;
  }

  // ---- bad datasets
  // -------------------------------------------------------------------------------------------

  /**
   * A dataset directory with the good test split and the good train split changed by {@code
   * change}.
   */
  private Path variant(String name, UnaryOperator<Dataset<Row>> change) {
    Path data = dir.resolve(name);
    change
        .apply(EmbeddedMnist.train())
        .write()
        .mode(SaveMode.ErrorIfExists)
        .parquet(data.resolve(DatasetSchema.TRAIN).toString());
    copyTree(good.resolve(DatasetSchema.TEST), data.resolve(DatasetSchema.TEST));
    return data;
  }

  private Path copyOfGood(String name) {
    Path data = dir.resolve(name);
    copyTree(good.resolve(DatasetSchema.TRAIN), data.resolve(DatasetSchema.TRAIN));
    copyTree(good.resolve(DatasetSchema.TEST), data.resolve(DatasetSchema.TEST));
    return data;
  }

  private static void copyTree(Path from, Path to) {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path firstPartFile(Path split) throws IOException {
    try (Stream<Path> all = Files.list(split)) {
      return all.filter(p -> p.getFileName().toString().startsWith("part-"))
          .sorted()
          .findFirst()
          .orElseThrow(() -> new AssertionError("no part file in " + split));
    }
  }

  private static Dataset<Row> setFeature(Dataset<Row> train, int index, String value) {
    return train.withColumn(
        DatasetSchema.FEATURES,
        functions.expr(
            "CASE WHEN id = "
                + BAD_ID
                + " THEN transform(features, (x, i) -> IF(i = "
                + index
                + ", "
                + value
                + ", x)) ELSE features END"));
  }

  private static Dataset<Row> setLabel(Dataset<Row> train, int label) {
    return train.withColumn(
        DatasetSchema.LABEL,
        functions.expr("CASE WHEN id = " + BAD_ID + " THEN " + label + " ELSE label END"));
  }

  private static String train(Path data) {
    return data.resolve(DatasetSchema.TRAIN).toString();
  }

  /** "train rows + test rows" of a dataset directory as written. */
  private static String rows(Path data) {
    return spark.read().parquet(train(data)).count()
        + " train + "
        + spark.read().parquet(data.resolve(DatasetSchema.TEST).toString()).count()
        + " test";
  }

  private static String goodRows() {
    return goodTrainRows + " train + " + goodTestRows + " test";
  }

  private static Path saveTeacher(Path path, int inputs) {
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            TeacherNetworks.mlp(inputs, new int[] {16}, 10, 1.0, 1.0, null, new Adam(1e-3), 1));
    net.init();
    String saved =
        TeacherModelFile.save(
            net, path.toString(), null, spark.sparkContext().hadoopConfiguration());
    if (!saved.endsWith(path.toString())) {
      fail("saved to " + saved + ", not " + path);
    }
    return path;
  }
}
