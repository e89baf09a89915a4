package io.distill.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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
    assertEquals(new RunConfig.Run("runs/default"), c.run());
    assertEquals(new RunConfig.Data("embedded", 10000, 500, 1), c.data());
    assertTrue(c.data().embedded());
    assertEquals(new RunConfig.Teacher(null, null, List.of(1200, 1200), 0.8, 0.5, 3.5, 0.1, 0.9, 3, 1.0, 0), c.teacher());
    assertTrue(c.teacher().trained());
    assertEquals(new RunConfig.SoftLabels(4.0, 256, 0, 0, 2), c.softLabels());
    assertEquals(new RunConfig.Students(0.1, 8.0, 0.001, 1.0, 3, 1.0, 1.0, List.of(
        new RunConfig.StudentSize("800x800", List.of(800, 800), null, 20, 0.1, null),
        new RunConfig.StudentSize("300x300", List.of(300, 300), null, 8, 0.1, null),
        new RunConfig.StudentSize("100x100", List.of(100, 100), null, 8, 0.1, null),
        new RunConfig.StudentSize("30x30", List.of(30, 30), null, 3, 0.1, null))), c.students());
    assertEquals(new RunConfig.Training(0, 64, 5, 42L, 1), c.training());
    assertEquals(new RunConfig.Evaluation(200, 256), c.evaluation());
    assertEquals(RunConfig.STAGES, c.stages());
    assertEquals(List.of("import", "teacher", "soft-labels", "students", "evaluate", "report"), c.stages());
    assertEquals(c, RunConfig.defaults());
    assertEquals(c, RunConfig.load(null, null));
  }

  @Test
  void mnistConfLoads() {
    Path mnist = projectDir().resolve("conf/mnist.conf");
    RunConfig c = RunConfig.load(mnist.toString(), List.of());
    assertEquals("../shared/datasets/mnist", c.data().input());
    assertFalse(c.data().embedded());
    assertEquals("runs/mnist", c.run().dir());
    assertEquals(5000, c.data().validationRows());
    assertEquals("conf/teacher-cnn.json", c.teacher().dl4jJson());
    assertEquals(30, c.teacher().epochs());
    assertEquals(2, c.teacher().jitter());
    assertEquals(20, c.students().epochs());
    assertEquals(2, c.training().workers());
    RunConfig defaults = RunConfig.defaults();
    assertEquals(List.of("800x800-s1", "800x800-s2", "800x800-s3", "300x300", "100x100", "30x30-s1", "30x30-s2",
        "30x30-s3"), c.students().sizes().stream().map(RunConfig.StudentSize::name).toList());
    assertEquals(defaults.stages(), c.stages());
  }

  @Test
  void theFileWinsOverTheDefaultsAndOverridesWinOverTheFile() throws Exception {
    Path file = write("run.conf", String.join("\n",
        "distill {",
        "  run.dir = \"runs/file\"",
        "  students { epochs = 7, alpha = 0.3 }",
        "  teacher.max-norm = null",
        "  teacher.model = \"hdfs:///models/teacher.zip\"",
        "  training.seed = 7",
        "}"));
    RunConfig fromFile = RunConfig.load(file.toString(), List.of());
    assertEquals("runs/file", fromFile.run().dir());
    assertEquals(7, fromFile.students().epochs());
    assertEquals(0.3, fromFile.students().alpha());
    assertEquals(0.3, fromFile.students().sizes().get(0).alpha(), "sizes without alpha take students.alpha");
    assertNull(fromFile.teacher().maxNorm());
    assertEquals("hdfs:///models/teacher.zip", fromFile.teacher().model());
    assertFalse(fromFile.teacher().trained());
    assertEquals(3, fromFile.teacher().epochs(), "keys the file leaves out keep their defaults");
    assertEquals(8.0, fromFile.students().temperature());

    RunConfig c = RunConfig.load(file.toString(), List.of("students.epochs=5", "run.dir=s3a://b/r",
        "distill.training.seed=9", "teacher.max-norm=2", "teacher.model=null", "students.epochs=6"));
    assertEquals(6, c.students().epochs(), "later overrides win over earlier ones");
    assertEquals("s3a://b/r", c.run().dir());
    assertEquals(9L, c.training().seed());
    assertEquals(2.0, c.teacher().maxNorm());
    assertNull(c.teacher().model());
    assertEquals(0.3, c.students().alpha(), "file keys no override touches stay");
  }

  @Test
  void scheduleJitterTransferSetAndSeedsAreRead() throws java.io.IOException {
    RunConfig c = RunConfig.load(null, List.of("teacher.lr-decay=0.95", "teacher.jitter=2", "students.lr-decay=0.9",
        "soft-labels.transfer-copies=3", "soft-labels.transfer-jitter=1",
        "students.sizes=[{name=a-s1, hidden=[10], seed=1}, {name=a-s2, hidden=[10], seed=2}, {name=b, hidden=[5]}]"));
    assertEquals(0.95, c.teacher().lrDecay());
    assertEquals(2, c.teacher().jitter());
    assertEquals(0.9, c.students().lrDecay());
    assertEquals(new RunConfig.SoftLabels(4.0, 256, 0, 3, 1), c.softLabels());
    assertEquals(java.util.Arrays.asList(1L, 2L, null),
        c.students().sizes().stream().map(RunConfig.StudentSize::seed).toList());
    java.nio.file.Path file = dir.resolve("resolved.conf");
    java.nio.file.Files.writeString(file, c.resolved());
    assertEquals(c, RunConfig.load(file.toString(), List.of()), "the effective config loads back");
  }

  @Test
  void overrideValuesAreHoconWithPlainStringsAsTheFallback() {
    RunConfig c = RunConfig.load(null, List.of(
        "students.sizes=[{name=a,hidden=[10]}, {name=cnn, dl4j-json=\"conf/cnn.json\", temperature=2, alpha=0.5}]",
        "data.input=/data/mnist#1",
        "teacher.hidden=[20, 30, 40]",
        "run.dir = hdfs://nn:8020/runs/x ",
        "stages=[students, evaluate]",
        "soft-labels.temperature=\"2.5\"",
        "evaluation.latency-calls=${distill.soft-labels.batch-size}"));
    assertEquals(List.of(
        new RunConfig.StudentSize("a", List.of(10), null, 8.0, 0.1, null),
        new RunConfig.StudentSize("cnn", null, "conf/cnn.json", 2.0, 0.5, null)), c.students().sizes());
    assertTrue(c.students().sizes().get(0).mlp());
    assertFalse(c.students().sizes().get(1).mlp());
    assertEquals("/data/mnist#1", c.data().input(), "a # that HOCON would read as a comment stays");
    assertEquals(List.of(20, 30, 40), c.teacher().hidden());
    assertEquals("hdfs://nn:8020/runs/x", c.run().dir());
    assertEquals(List.of("students", "evaluate"), c.stages());
    assertTrue(c.runs("students"));
    assertFalse(c.runs("teacher"));
    assertEquals(2.5, c.softLabels().temperature(), "numeric strings count as numbers, as in HOCON");
    assertEquals(256, c.evaluation().latencyCalls(), "substitutions resolve against the merged config");
  }

  @Test
  void stagesRunInPipelineOrderWhateverTheOrderGiven() {
    RunConfig c = RunConfig.load(null, List.of("stages=[report, import, students]"));
    assertEquals(List.of("import", "students", "report"), c.stages());
  }

  @Test
  void aSizeMayBeASoftmaxRegression() {
    RunConfig c = RunConfig.load(null, List.of("students.sizes=[{name=linear, hidden=[]}]"));
    assertEquals(List.of(), c.students().sizes().get(0).hidden());
  }

  @Test
  void resolvedLoadsBackToAnEqualConfig() throws Exception {
    RunConfig c = RunConfig.load(null, List.of(
        "students.sizes=[{name=a,hidden=[10]}, {name=\"b.2\", dl4j-json=\"x \\\"y\\\".json\", temperature=2}]",
        "teacher.max-norm=null", "teacher.model=\"s3a://b/t.zip\"", "training.seed=-12345678901",
        "students.learning-rate=1e-4", "stages=[teacher, report]"));
    String text = c.resolved();
    assertTrue(text.startsWith("{\n  \"distill\": {\n    \"run\": {\n      \"dir\": \"runs/default\""), text);
    assertTrue(text.contains("\"max-norm\": null"), text);
    assertTrue(text.contains("\"hidden\": [1200, 1200]"), text);
    Path file = write("resolved.json", text);
    assertEquals(c, RunConfig.load(file.toString(), List.of()));
    assertEquals(RunConfig.defaults(), RunConfig.load(write("d.conf", RunConfig.defaults().resolved()).toString(),
        List.of()));
  }

  @Test
  void asMapMirrorsTheDefaultsFileAndCannotBeChanged() {
    Map<String, Object> m = RunConfig.defaults().asMap();
    assertEquals(List.of("distill"), List.copyOf(m.keySet()));
    @SuppressWarnings("unchecked")
    Map<String, Object> d = (Map<String, Object>) m.get("distill");
    assertEquals(List.of("run", "data", "teacher", "soft-labels", "students", "training", "evaluation", "stages"),
        List.copyOf(d.keySet()));
    @SuppressWarnings("unchecked")
    Map<String, Object> teacher = (Map<String, Object>) d.get("teacher");
    assertTrue(teacher.containsKey("model"));
    assertNull(teacher.get("model"));
    assertEquals(List.of(1200, 1200), teacher.get("hidden"));
    assertEquals(42L, ((Map<?, ?>) d.get("training")).get("seed"));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> sizes = (List<Map<String, Object>>) ((Map<?, ?>) d.get("students")).get("sizes");
    assertEquals(Map.of("name", "30x30", "hidden", List.of(30, 30), "temperature", 3.0, "alpha", 0.1),
        sizes.get(3));
    assertThrows(UnsupportedOperationException.class, () -> d.put("x", 1));
    assertThrows(UnsupportedOperationException.class, () -> teacher.put("epochs", 1));
    assertThrows(UnsupportedOperationException.class, () -> sizes.remove(0));
    assertThrows(UnsupportedOperationException.class,
        () -> RunConfig.defaults().students().sizes().get(0).hidden().add(1));
    assertThrows(UnsupportedOperationException.class, () -> RunConfig.defaults().stages().add("import"));
  }

  @Test
  void aConfigFileMayIncludeTheDefaultsFile() throws Exception {
    Files.copy(projectDir().resolve("conf/default.conf"), dir.resolve("default.conf"));
    Path file = write("inc.conf", "include \"default.conf\"\ndistill.students.epochs = 4\n");
    RunConfig c = RunConfig.load(file.toString(), List.of());
    assertEquals(4, c.students().epochs());
    assertEquals(RunConfig.defaults().teacher(), c.teacher());
  }
}
