package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run configuration on the command line: {@code --config}, {@code --set}, {@code --stages}, in
 * order.
 */
class ConfigOptionsTest {
  @TempDir Path dir;

  /** The configuration a command line gives the pipeline, parsed as the job parses it. */
  private static RunConfig config(String... args) {
    DistillJob job =
        DistillJob.commandLine().parseArgs(args).commandSpec().commandLine().getCommand();
    return job.config.load();
  }

  @Test
  void configSetAndStagesApplyInOrder() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("r.conf"), "distill.students.epochs = 4\ndistill.run.dir = f\n");
    RunConfig c =
        config(
            "--stages",
            "report,students",
            "--config",
            file.toString(),
            "--set",
            "students.epochs=9",
            "--set=run.dir=s3a://b/r");
    assertEquals(List.of("students", "report"), c.get(Params.STAGES));
    assertEquals(9, c.get(Params.STUDENTS_EPOCHS));
    assertEquals("s3a://b/r", c.get(Params.RUN_DIR));
    assertEquals(
        List.of("teacher"),
        config("--stages", "report", "--stages=teacher").get(Params.STAGES),
        "later ones win");
    assertEquals(RunConfig.defaults(), config());
  }

  @Test
  void targetsAreShorthandsForTheirKeys() {
    RunConfig c = config("--target", "accuracy-drop=0.5%", "--target=agreement=99%");
    assertEquals(0.5, c.get(Params.STUDENTS_TARGET_ACCURACY_DROP));
    assertEquals(0.99, c.get(Params.STUDENTS_TARGET_AGREEMENT), 1e-12);
    assertEquals(0.98, config("--target", "agreement=0.98").get(Params.STUDENTS_TARGET_AGREEMENT));
    assertEquals(
        1.5, config("--target", "accuracy-drop=1.5").get(Params.STUDENTS_TARGET_ACCURACY_DROP));
    UsageException e =
        assertThrows(UsageException.class, () -> config("--target", "accuracy=0.5%"));
    assertEquals(
        "--target expects accuracy-drop=<points>% or agreement=<fraction>, e.g."
            + " accuracy-drop=0.5% or agreement=0.99, got 'accuracy=0.5%'",
        e.getMessage());
    UsageException range =
        assertThrows(UsageException.class, () -> config("--target", "agreement=1.5"));
    assertTrue(
        range.getMessage().startsWith("distill.students.target-agreement must be"),
        range.getMessage());
  }

  @Test
  void unknownStagesGivenWithTheShorthandAreNamed() {
    UsageException e =
        assertThrows(
            UsageException.class, () -> DistillJob.plan(List.of("--stages", "import,trian")));
    assertEquals(
        "distill.stages[1] must be one of import, teacher, soft-labels, students, evaluate, report, "
            + "cannot be: 'trian'",
        e.getMessage());
  }

  @Test
  void badCommandLinesAreRefusedNamingTheFlag() {
    assertTrue(refused("--conifg", "x.conf").contains("--conifg"), refused("--conifg", "x.conf"));
    assertTrue(refused("x.conf").contains("x.conf"), refused("x.conf"));
    assertTrue(refused("--set").contains("--set"), refused("--set"));
    assertEquals(
        "--config given twice ('a.conf' and 'b.conf')",
        refused("--config", "a.conf", "--config=b.conf"));
    assertEquals(
        "--stages expects a comma-separated list of stage names (import,teacher,soft-labels,students,"
            + "evaluate,report), got 'import,,report'",
        refused("--stages", "import,,report"));
    String both = refused("--set", "students.epochz=3", "--set", "students.alpha=2");
    assertTrue(
        both.contains("distill.students.epochz")
            && both.contains("distill.students.alpha must be in [0, 1]," + " cannot be: 2")
            && both.lines().count() == 2,
        "every problem, one per line: " + both);
  }

  private static String refused(String... args) {
    return assertThrows(UsageException.class, () -> DistillJob.plan(List.of(args))).getMessage();
  }
}
