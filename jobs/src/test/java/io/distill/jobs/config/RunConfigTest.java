package io.distill.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, defaults, precedence and the resolved form of {@link RunConfig}. */
class RunConfigTest {
  @TempDir Path dir;

  static Path projectDir() {
    String p = System.getProperty("distill.project.dir");
    return p == null ? Path.of("..").toAbsolutePath().normalize() : Path.of(p);
  }

  private Path write(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  @Test
  void defaultsAreTheDocumentedValues() {
    RunConfig c = RunConfig.load(null, List.of());
    for (Param<?> p : Params.ALL) {
      assertEquals(p.defaultValue(), c.get(p), p.path());
    }
    assertEquals("runs/default", c.get(Params.RUN_DIR));
    assertTrue(c.embeddedData());
    assertEquals(500L, c.get(Params.DATA_VALIDATION_ROWS));
    assertEquals("classpath:/io/distill/teacher/mnist-cnn/model.zip", c.get(Params.TEACHER_MODEL));
    assertEquals(List.of(1200, 1200), c.get(Params.TEACHER_HIDDEN));
    assertEquals(3, c.get(Params.TEACHER_EPOCHS));
    assertEquals(
        List.of("300x300", "100x100", "30x30", "cnn-tiny"),
        c.studentSizes().stream().map(StudentSize::name).toList());
    StudentSize large = c.studentSizes().get(0);
    assertEquals(
        new StudentSize(
            "300x300",
            List.of(300, 300),
            null,
            null,
            8.0,
            0.5,
            44L,
            null,
            null,
            0.004,
            0.85,
            null,
            null,
            null),
        large,
        "each model's settings as the search chose them on the slice");
    assertEquals(1.0, c.studentSizes().get(2).alpha(), "30x30: the baseline won on validation");
    assertEquals(2, c.get(Params.SOFT_LABELS_TRANSFER_COPIES));
    assertEquals(
        List.of("import", "teacher", "soft-labels", "students", "evaluate", "report"),
        c.get(Params.STAGES));
    assertEquals(c, RunConfig.defaults());
    assertEquals(c, RunConfig.load(null, null));
  }

  /**
   * nightly.conf means the same from any working directory: without its environment variables (the
   * test JVM has none of them) it runs on the embedded slice with the shipped teacher; read by a
   * file: URI as well as by path.
   */
  @Test
  void nightlyConfLoadsFromAnyDirectoryAndByUri() {
    Path nightly = projectDir().resolve("conf/nightly.conf");
    for (String name : List.of(nightly.toString(), nightly.toUri().toString())) {
      RunConfig c = RunConfig.load(name, List.of());
      assertTrue(c.embeddedData(), name);
      assertNull(c.get(Params.DATA_TRAIN));
      assertEquals(Params.SHIPPED_TEACHER, c.get(Params.TEACHER_MODEL));
      assertEquals(0.1, c.get(Params.DATA_VALIDATION_FRACTION));
      assertEquals(0, c.get(Params.SOFT_LABELS_TRANSFER_COPIES));
    }
    RunConfigException missing =
        assertThrows(
            RunConfigException.class,
            () -> RunConfig.load(dir.resolve("none.conf").toUri().toString(), List.of()));
    assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
  }

  @Test
  void mnistConfLoads() {
    Path mnist = projectDir().resolve("conf/mnist.conf");
    RunConfig c = RunConfig.load(mnist.toString(), List.of());
    assertEquals("../shared/datasets/mnist", c.get(Params.DATA_INPUT));
    assertFalse(c.embeddedData());
    assertEquals("runs/mnist", c.get(Params.RUN_DIR));
    assertEquals(5000L, c.get(Params.DATA_VALIDATION_ROWS));
    assertEquals("conf/teacher-cnn.json", c.get(Params.TEACHER_DL4J_JSON));
    assertNull(c.get(Params.TEACHER_MODEL), "mnist.conf trains its teacher");
    assertEquals(30, c.get(Params.TEACHER_EPOCHS));
    assertEquals(2, c.get(Params.TEACHER_JITTER));
    assertEquals(2, c.get(Params.TRAINING_WORKERS));
    assertEquals(RunConfig.defaults().get(Params.STAGES), c.get(Params.STAGES));
  }

  @Test
  void theFileWinsOverTheDefaultsAndOverridesWinOverTheFile() throws Exception {
    Path file =
        write(
            "run.conf",
            String.join(
                "\n",
                "distill {",
                "  run.dir = \"runs/file\"",
                "  students { epochs = 7, alpha = 0.3, sizes = [{ name = a, hidden = [10] }] }",
                "  teacher.max-norm = null",
                "  teacher.model = \"hdfs:///models/teacher.zip\"",
                "  training.seed = 7",
                "}"));
    RunConfig fromFile = RunConfig.load(file.toString(), List.of());
    assertEquals("runs/file", fromFile.get(Params.RUN_DIR));
    assertEquals(7, fromFile.get(Params.STUDENTS_EPOCHS));
    assertEquals(0.3, fromFile.get(Params.STUDENTS_ALPHA));
    assertEquals(
        0.3, fromFile.studentSizes().get(0).alpha(), "sizes without alpha take students.alpha");
    assertNull(fromFile.get(Params.TEACHER_MAX_NORM));
    assertEquals("hdfs:///models/teacher.zip", fromFile.get(Params.TEACHER_MODEL));
    assertEquals(
        3, fromFile.get(Params.TEACHER_EPOCHS), "keys the file leaves out keep their defaults");
    assertEquals(8.0, fromFile.get(Params.STUDENTS_TEMPERATURE));

    RunConfig c =
        RunConfig.load(
            file.toString(),
            List.of(
                "students.epochs=5",
                "run.dir=s3a://b/r",
                "distill.training.seed=9",
                "teacher.max-norm=2",
                "teacher.model=null",
                "students.epochs=6"));
    assertEquals(6, c.get(Params.STUDENTS_EPOCHS), "later overrides win over earlier ones");
    assertEquals("s3a://b/r", c.get(Params.RUN_DIR));
    assertEquals(9L, c.get(Params.TRAINING_SEED));
    assertEquals(2.0, c.get(Params.TEACHER_MAX_NORM));
    assertNull(c.get(Params.TEACHER_MODEL));
    assertEquals(0.3, c.get(Params.STUDENTS_ALPHA), "file keys no override touches stay");
  }

  @Test
  void scheduleJitterTransferSetAndSeedsAreRead() throws IOException {
    RunConfig c =
        RunConfig.load(
            null,
            List.of(
                "teacher.lr-decay=0.95",
                "teacher.jitter=2",
                "students.lr-decay=0.9",
                "soft-labels.transfer-copies=3",
                "soft-labels.transfer-jitter=1",
                "students.jitter=1",
                "students.sizes=[{name=a-s1, hidden=[10], seed=1}, {name=a-s2, hidden=[10], seed=2}, {name=b, hidden=[5]}]"));
    assertEquals(0.95, c.get(Params.TEACHER_LR_DECAY));
    assertEquals(2, c.get(Params.TEACHER_JITTER));
    assertEquals(0.9, c.get(Params.STUDENTS_LR_DECAY));
    assertEquals(1, c.get(Params.STUDENTS_JITTER));
    assertEquals(3, c.get(Params.SOFT_LABELS_TRANSFER_COPIES));
    assertEquals(1, c.get(Params.SOFT_LABELS_TRANSFER_JITTER));
    assertEquals(
        Arrays.asList(1L, 2L, null), c.studentSizes().stream().map(StudentSize::seed).toList());
    assertEquals(
        List.of("10", "10", "5"), c.studentSizes().stream().map(StudentSize::shape).toList());
    Path file = dir.resolve("resolved.conf");
    Files.writeString(file, c.resolved());
    assertEquals(c, RunConfig.load(file.toString(), List.of()), "the effective config loads back");
  }

  /** A size can carry what a search chose for each of its models, and it survives a round trip. */
  @Test
  void aSizeCarriesItsOwnSettingsForEachModel() throws Exception {
    RunConfig c =
        RunConfig.load(
            null,
            List.of(
                "students.sizes=[{name=a, hidden=[10], temperature=8, alpha=0.5, seed=47,"
                    + " standardise=true, dkd-beta=8, learning-rate=0.004, lr-decay=0.7,"
                    + " baseline-learning-rate=0.001, baseline-lr-decay=1, baseline-seed=49},"
                    + " {name=b, hidden=[5]}, {name=c, dl4j-json=\"conf/cnn.json\", width=1.5}]"));
    StudentSize a = c.studentSizes().get(0);
    assertEquals(
        new StudentSize(
            "a", List.of(10), null, null, 8.0, 0.5, 47L, true, 8.0, 0.004, 0.7, 0.001, 1.0, 49L),
        a);
    StudentSize b = c.studentSizes().get(1);
    assertNull(b.standardise());
    assertNull(b.dkdBeta());
    assertNull(b.baselineSeed());
    assertNull(b.width());
    StudentSize wide = c.studentSizes().get(2);
    assertEquals(1.5, wide.width());
    assertEquals("cnn-x1.5", wide.shape(), "a width factor other than 1 is part of the shape");
    Path file = dir.resolve("sizes.conf");
    Files.writeString(file, c.resolved());
    assertEquals(c, RunConfig.load(file.toString(), List.of()), "the effective config loads back");
  }

  @Test
  void overrideValuesAreHoconWithPlainStringsAsTheFallback() {
    RunConfig c =
        RunConfig.load(
            null,
            List.of(
                "students.sizes=[{name=a,hidden=[10]}, {name=cnn, dl4j-json=\"conf/cnn.json\", temperature=2, alpha=0.5}]",
                "data.input=/data/mnist#1",
                "teacher.hidden=[20, 30, 40]",
                "run.dir = hdfs://nn:8020/runs/x ",
                "stages=[students, evaluate]",
                "soft-labels.temperature=\"2.5\"",
                "evaluation.latency-calls=${distill.soft-labels.batch-size}"));
    assertEquals(
        List.of(
            new StudentSize("a", List.of(10), null, 8.0, 0.1, null),
            new StudentSize("cnn", null, "conf/cnn.json", 2.0, 0.5, null)),
        c.studentSizes());
    assertTrue(c.studentSizes().get(0).mlp());
    assertFalse(c.studentSizes().get(1).mlp());
    assertEquals("cnn", c.studentSizes().get(1).shape());
    assertEquals(
        "/data/mnist#1", c.get(Params.DATA_INPUT), "a # that HOCON would read as a comment stays");
    assertEquals(List.of(20, 30, 40), c.get(Params.TEACHER_HIDDEN));
    assertEquals("hdfs://nn:8020/runs/x", c.get(Params.RUN_DIR));
    assertEquals(List.of("students", "evaluate"), c.get(Params.STAGES));
    assertTrue(c.runs("students"));
    assertFalse(c.runs("teacher"));
    assertEquals(
        2.5,
        c.get(Params.SOFT_LABELS_TEMPERATURE),
        "numeric strings count as numbers, as in HOCON");
    assertEquals(
        256,
        c.get(Params.EVALUATION_LATENCY_CALLS),
        "substitutions resolve against the merged config");
  }

  @Test
  void stagesRunInPipelineOrderWhateverTheOrderGiven() {
    RunConfig c = RunConfig.load(null, List.of("stages=[report, import, students]"));
    assertEquals(List.of("import", "students", "report"), c.get(Params.STAGES));
  }

  @Test
  void aSizeMayBeASoftmaxRegression() {
    RunConfig c = RunConfig.load(null, List.of("students.sizes=[{name=linear, hidden=[]}]"));
    assertEquals(List.of(), c.studentSizes().get(0).hidden());
    assertEquals("softmax", c.studentSizes().get(0).shape());
  }

  @Test
  void resolvedLoadsBackToAnEqualConfig() throws Exception {
    RunConfig c =
        RunConfig.load(
            null,
            List.of(
                "students.sizes=[{name=a,hidden=[10]}, {name=\"b.2\", dl4j-json=\"x \\\"y\\\".json\", temperature=2}]",
                "teacher.max-norm=null",
                "teacher.model=\"s3a://b/t.zip\"",
                "training.seed=-12345678901",
                "students.learning-rate=1e-4",
                "stages=[teacher, report]"));
    String text = c.resolved();
    assertTrue(
        text.startsWith("{\n  \"distill\" : {\n    \"run\" : {\n      \"dir\" : \"runs/default\""),
        text);
    assertTrue(text.contains("\"max-norm\" : null"), text);
    Path file = write("resolved.json", text);
    assertEquals(c, RunConfig.load(file.toString(), List.of()));
    assertEquals(
        RunConfig.defaults(),
        RunConfig.load(write("d.conf", RunConfig.defaults().resolved()).toString(), List.of()));
  }

  @Test
  void asMapMirrorsTheDefaultsFileAndCannotBeChanged() {
    Map<String, Object> m = RunConfig.defaults().asMap();
    assertEquals(List.of("distill"), List.copyOf(m.keySet()));
    @SuppressWarnings("unchecked")
    Map<String, Object> d = (Map<String, Object>) m.get("distill");
    assertEquals(
        List.of(
            "run",
            "data",
            "teacher",
            "soft-labels",
            "students",
            "training",
            "evaluation",
            "nightly",
            "stages"),
        List.copyOf(d.keySet()));
    @SuppressWarnings("unchecked")
    Map<String, Object> teacher = (Map<String, Object>) d.get("teacher");
    assertEquals("classpath:/io/distill/teacher/mnist-cnn/model.zip", teacher.get("model"));
    assertNull(teacher.get("dl4j-json"));
    assertEquals(List.of(1200, 1200), teacher.get("hidden"));
    assertEquals(42L, ((Map<?, ?>) d.get("training")).get("seed"));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> sizes =
        (List<Map<String, Object>>) ((Map<?, ?>) d.get("students")).get("sizes");
    assertEquals(
        Map.of(
            "name",
            "30x30",
            "hidden",
            List.of(30, 30),
            "temperature",
            8.0,
            "alpha",
            1.0,
            "seed",
            48L,
            "learning-rate",
            0.004,
            "lr-decay",
            1.0),
        sizes.get(2));
    assertThrows(UnsupportedOperationException.class, () -> d.put("x", 1));
    assertThrows(UnsupportedOperationException.class, () -> teacher.put("epochs", 1));
    assertThrows(UnsupportedOperationException.class, () -> sizes.remove(0));
    assertThrows(
        UnsupportedOperationException.class,
        () -> RunConfig.defaults().studentSizes().get(0).hidden().add(1));
    assertThrows(
        UnsupportedOperationException.class,
        () -> RunConfig.defaults().get(Params.STAGES).add("import"));
  }

  @Test
  void aConfigFileMayIncludeTheDefaultsFile() throws Exception {
    Files.copy(projectDir().resolve("conf/default.conf"), dir.resolve("default.conf"));
    Path file = write("inc.conf", "include \"default.conf\"\ndistill.students.epochs = 4\n");
    RunConfig c = RunConfig.load(file.toString(), List.of());
    assertEquals(4, c.get(Params.STUDENTS_EPOCHS));
    assertEquals(RunConfig.defaults().get(Params.TEACHER_HIDDEN), c.get(Params.TEACHER_HIDDEN));
  }
}
