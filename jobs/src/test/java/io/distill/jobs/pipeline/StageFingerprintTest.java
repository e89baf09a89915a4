package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.jobs.config.Param;
import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A stage is keyed by the keys it declares (StageParams); a forgotten input would reuse a stale
 * stage. Changing any declared input of any stage runs it again, an execution setting does not, and
 * a stage cannot read a key it did not declare.
 */
class StageFingerprintTest {
  private static final List<StageParams> STAGES =
      List.of(
          DataStage.PARAMS,
          TeacherStage.PARAMS,
          SoftLabelStage.PARAMS,
          StudentStage.PARAMS,
          EvaluateStage.PARAMS,
          ReportStage.PARAMS);

  /** Keys the pipeline itself reads, not a stage. */
  private static final Set<Param<?>> PIPELINE_KEYS =
      Set.of(
          Params.RUN_DIR,
          Params.RUN_LEASE_TIMEOUT,
          Params.STAGES,
          Params.STUDENTS_TARGET_ACCURACY_DROP, // the run's answer, after the stages (and the
          Params.STUDENTS_TARGET_AGREEMENT, // students stage's, which grows sizes for them)
          Params.NIGHTLY_TOLERANCE); // the nightly command's promotion, after the run

  @Test
  void changingAnyDeclaredInputOfAStageChangesItsFingerprint() {
    // A teacher to train (teacher.model = null), so that every teacher key may be set.
    RunConfig defaults = RunConfig.load(null, List.of("teacher.model=null"));
    for (StageParams stage : STAGES) {
      String before = StageRunner.fingerprint(stage.stage(), "upstream", defaults, stage);
      for (Param<?> p : stage.inputs()) {
        RunConfig changed =
            RunConfig.load(null, List.of("teacher.model=null", p.key() + "=" + otherValue(p)));
        assertNotEquals(
            before,
            StageRunner.fingerprint(stage.stage(), "upstream", changed, stage),
            "stage " + stage.stage() + " is not run again when " + p.key() + " changes");
      }
      for (Param<?> p : stage.execution()) {
        RunConfig changed =
            RunConfig.load(null, List.of("teacher.model=null", p.key() + "=" + otherValue(p)));
        assertEquals(
            before,
            StageRunner.fingerprint(stage.stage(), "upstream", changed, stage),
            p.key() + " changes how stage " + stage.stage() + " runs, not what it makes");
      }
      assertNotEquals(
          before, StageRunner.fingerprint(stage.stage(), "other upstream", defaults, stage));
    }
  }

  @Test
  void everyKeyIsReadBySomeStageOrByThePipeline() {
    Set<Param<?>> read = new HashSet<>(PIPELINE_KEYS);
    for (StageParams stage : STAGES) {
      if (stage
          != ReportStage.PARAMS) { // the report shows every key; that says nothing of who uses it
        read.addAll(stage.all());
      }
    }
    for (Param<?> p : Params.ALL) {
      assertTrue(read.contains(p), p.key() + " is declared by no stage");
    }
  }

  @Test
  void aStageThatReadsAKeyItDidNotDeclareFails() {
    RunConfig seen =
        RunConfig.defaults().readableOnly("stage evaluate", EvaluateStage.PARAMS.all());
    assertEquals(200, seen.get(Params.EVALUATION_LATENCY_CALLS));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> seen.get(Params.STUDENTS_EPOCHS));
    assertTrue(
        e.getMessage().startsWith("stage evaluate reads students.epochs without declaring it"),
        e.getMessage());
  }

  /** A valid value other than the default, as an override's text. */
  private static String otherValue(Param<?> p) {
    Object d = p.defaultValue();
    if (p == Params.STUDENTS_SIZES) {
      return "[{name=a, hidden=[3]}]";
    }
    if (p == Params.TEACHER_HIDDEN) {
      return "[10]";
    }
    if (p == Params.STAGES) {
      return "[import]";
    }
    if (p == Params.STUDENTS_TARGET_ACCURACY_DROP) {
      return "0.5";
    }
    if (p == Params.STUDENTS_TARGET_AGREEMENT) {
      return "0.9";
    }
    if (p == Params.STUDENTS_TARGET_GROW_FACTOR) {
      return "1.5";
    }
    if (p == Params.DATA_VALIDATION_FRACTION) {
      return "0.2";
    }
    if (p == Params.TEACHER_INPUT_SHAPE) {
      return "[1, 28, 28]";
    }
    if (p == Params.TEACHER_INPUT_MEAN
        || p == Params.TEACHER_INPUT_STD
        || p == Params.STUDENTS_SEARCH_TEMPERATURES
        || p == Params.STUDENTS_SEARCH_ALPHAS
        || p == Params.STUDENTS_SEARCH_LEARNING_RATES
        || p == Params.STUDENTS_SEARCH_LR_DECAYS
        || p == Params.STUDENTS_SEARCH_DKD_BETAS
        || p == Params.TEACHER_SEARCH_LEARNING_RATE_FACTORS) {
      return "[0.5]";
    }
    if (p == Params.TEACHER_SEARCH_JITTERS) {
      return "[1]";
    }
    if (p == Params.STUDENTS_SEARCH_STANDARDISE) {
      return "[true]";
    }
    if (p == Params.STUDENTS_ASSISTANT) {
      return "on";
    }
    if (p == Params.NIGHTLY_STUDENTS) {
      return Params.NIGHTLY_WARM;
    }
    if (p == Params.STUDENTS_SEARCH || p == Params.TEACHER_SEARCH) {
      return Params.SEARCH_HALVING;
    }
    if (d instanceof Integer i) {
      return String.valueOf(i + 1);
    }
    if (d instanceof Long l) {
      return String.valueOf(l + 1);
    }
    if (d instanceof Double x) {
      return String.valueOf(x == 1.0 ? 0.5 : x / 2);
    }
    if (d == null || d instanceof String) {
      return "\"/tmp/other-" + p.name() + "\"";
    }
    throw new AssertionError(
        "no other value for " + p.key() + " (default " + d + "): teach this test one");
  }
}
