package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.core.LocalSpark;
import io.distill.jobs.config.RunConfig;
import io.distill.teacher.TeacherInfo;
import io.distill.teacher.TeacherModelFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The teacher check on the embedded slice: a teacher with 2 hidden units against a hard-label
 * student with 64 is weaker on validation, and the run says so in its log line, its manifest and
 * the first lines of its report. The figures come from elsewhere too: the teacher's validation
 * accuracy is what its trainer measured on the same rows (its sidecar), the baseline's is the best
 * of its epochs in the run's history table.
 */
class TeacherCheckTest {
  @TempDir Path dir;

  @Test
  void aTeacherWeakerThanABaselineIsNamedInTheManifestAndAtTheTopOfTheReport() throws Exception {
    Path run = dir.resolve("run");
    RunConfig config =
        RunConfig.load(
            null,
            List.of(
                "run.dir=" + run,
                "teacher.model=null",
                "teacher.hidden=[2]",
                "teacher.epochs=1",
                "soft-labels.transfer-copies=0",
                "students.epochs=3",
                "students.sizes=[{name=\"64\", hidden=[64]}, {name=\"4\", hidden=[4]}]",
                "students.target-accuracy-drop=0.5",
                "students.target-agreement=0.5",
                "students.target-grow-steps=0"));
    DistillPipeline.of(LocalSpark.session(), config).execute();
    JsonNode check =
        new ObjectMapper().readTree(run.resolve("manifest.json").toFile()).path("teacherCheck");
    assertFalse(check.isMissingNode(), "the manifest has a teacher check");
    assertFalse(check.path("teacherIsStronger").asBoolean(), check.toString());
    assertEquals("64-baseline", check.path("strongestBaseline").asText());
    assertEquals(
        "before distilling",
        check.path("when").asText(),
        "said once the baselines are trained, before the distilled students train");

    TeacherInfo info =
        TeacherModelFile.load(run.resolve("teacher/model.zip").toString(), new Configuration())
            .info()
            .orElseThrow();
    assertEquals(info.validationExamples(), check.path("validationRows").asLong());
    assertEquals(
        1 - (double) info.validationErrors() / info.validationExamples(),
        check.path("teacherValidationAccuracy").asDouble(),
        1e-9,
        "the teacher's accuracy from its soft labels is what its trainer measured on the same rows");
    double bestBaseline =
        LocalSpark.session()
            .read()
            .parquet(run.resolve("history").toString())
            .where("model = '64-baseline'")
            .agg(functions.max("validation_accuracy"))
            .first()
            .getDouble(0);
    assertEquals(bestBaseline, check.path("baselineValidationAccuracy").asDouble(), 1e-9);

    JsonNode target =
        new ObjectMapper().readTree(run.resolve("manifest.json").toFile()).path("target");
    assertEquals(0.5, target.path("minAgreement").asDouble(), target.toString());
    double agreement = target.path("validationAgreement").asDouble();
    assertTrue(agreement > 0 && agreement <= 1, target.toString());

    String report = Files.readString(run.resolve("report/report.md"));
    List<String> lines = report.lines().filter(l -> !l.isBlank()).toList();
    assertTrue(
        lines
            .get(1)
            .startsWith(
                "Teacher check: the teacher is weaker than the hard-label student"
                    + " 64-baseline on validation"),
        "the report's first line after its title: " + lines.get(1));
    assertTrue(
        lines
            .get(1)
            .endsWith("distillation cannot help; give a stronger teacher or train longer."));
  }

  @Test
  void aTeacherThatTiesTheStrongestBaselineIsNotCalledWeaker() {
    assertTrue(new TeacherCheck(0.99, "a-baseline", 0.98, 300).teacherIsStronger());
    assertEquals(
        "Teacher check: the teacher is no more accurate than the hard-label student a-baseline on"
            + " validation (99.00 % vs 99.00 % on 300 validation rows): distillation cannot help; give a"
            + " stronger teacher or train longer.",
        new TeacherCheck(0.99, "a-baseline", 0.99, 300).line());
    assertTrue(
        new TeacherCheck(0.97, "a-baseline", 0.99, 300)
            .line()
            .startsWith(
                "Teacher check: the teacher is weaker than the hard-label student a-baseline"));
  }
}
