package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.jobs.config.RunConfig;
import io.distill.student.ModelMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A teacher given as ONNX (the teacher module's fixture, a 784-32-10 MLP exported with Debian's
 * python3-onnx) through the whole pipeline on the embedded slice: its soft labels train a student
 * and the report's teacher row counts its parameters and its file's bytes.
 */
class OnnxTeacherPipelineTest {
  private static final Path ONNX = Path.of("../teacher/src/test/resources/onnx/mlp-784-32-10.onnx");

  @TempDir Path dir;

  @Test
  void anOnnxTeacherIsDistilled() throws Exception {
    Path teacher = Files.copy(ONNX, dir.resolve("teacher.onnx"));
    Path run = dir.resolve("run");
    RunConfig config =
        RunConfig.load(
            null,
            List.of(
                "run.dir=" + run,
                "teacher.model=" + teacher,
                "soft-labels.transfer-copies=0",
                "students.epochs=1",
                "students.sizes=[{name=\"16\", hidden=[16]}]"));
    DistillPipeline.Result result = DistillPipeline.of(LocalSpark.session(), config).execute();
    assertEquals(
        List.of("teacher", "16-distilled", "16-baseline"),
        result.metrics().stream().map(ModelMetrics::model).toList());
    ModelMetrics t = result.metrics().get(0);
    assertEquals(784 * 32 + 32 + 32 * 10 + 10, t.parameters());
    assertEquals(Files.size(teacher), t.serializedBytes());
    assertEquals(1.0, t.teacherAgreement(), 0.0);
    assertTrue(t.throughputPerSecond() > 0, t.toString());
    ModelMetrics distilled = result.metrics().get(1);
    ModelMetrics baseline = result.metrics().get(2);
    assertTrue(
        distilled.teacherAgreement() > baseline.teacherAgreement() + 0.05,
        "the distilled student follows"
            + " the (random-weight) teacher more than its hard-label twin: "
            + distilled
            + " / "
            + baseline);
  }

  /**
   * A CNN as PyTorch exports it ([n, 1, 28, 28] input, BatchNormalization, expecting normalised
   * pixels: the teacher module's generated fixture) distilled on the embedded slice with its
   * normalisation declared: soft labels for the data and the jittered transfer set, and the
   * report's teacher row, all through ONNX Runtime.
   */
  @Test
  void aCnnExportWithNchwInputAndDeclaredNormalisationIsDistilled() throws Exception {
    Path fixtures = Files.createDirectories(dir.resolve("fixtures"));
    Process p =
        new ProcessBuilder(
                "/usr/bin/python3",
                Path.of("../teacher/src/test/onnx/make_user_models.py").toString(),
                fixtures.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "make_user_models.py (needs python3-onnx): " + output);
    Path run = dir.resolve("run");
    RunConfig config =
        RunConfig.load(
            null,
            List.of(
                "run.dir=" + run,
                "teacher.model=" + fixtures.resolve("cnn.onnx"),
                "teacher.input-mean=[0.1307]",
                "teacher.input-std=[0.3081]",
                "soft-labels.transfer-copies=1",
                "students.epochs=1",
                "students.sizes=[{name=\"16\", hidden=[16]}]"));
    DistillPipeline.Result result = DistillPipeline.of(LocalSpark.session(), config).execute();
    ModelMetrics t = result.metrics().get(0);
    long conv = 8 * 9 + 8 + 4 * 8 + 16 * 8 * 9 + 16 + 4 * 16;
    assertEquals(conv + 32 * 784 + 32 + 32 * 10 + 10, t.parameters());
    assertEquals(1.0, t.teacherAgreement(), 0.0);
    assertTrue(Files.isDirectory(run.resolve("transfer/train")), "a transfer set");
    ModelMetrics distilled = result.metrics().get(1);
    ModelMetrics baseline = result.metrics().get(2);
    assertTrue(
        distilled.teacherAgreement() > baseline.teacherAgreement(),
        "the distilled student follows the (random-weight) CNN more than its hard-label twin: "
            + distilled
            + " / "
            + baseline);
  }
}
